"""Text no column can store: a NUL byte (PostgreSQL refuses it in text) or a lone surrogate (not UTF-8)."""


def unstorable_reason(text: str) -> str | None:
    """Why `text` cannot be stored, in words that follow its name ("contains a NUL byte"); None when it can."""
    if "\x00" in text:
        return "contains a NUL byte"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid text (a lone surrogate)"
    return None


def printable(text: str, limit: int = 100) -> str:
    """`text` fit to quote back in a message: NUL shown as \\0, lone surrogates as U+FFFD, at most `limit` long."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\\0")[:limit]
