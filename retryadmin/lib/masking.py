"""How a stored secret (API key, signing secret) is shown: never in full, enough to tell two apart."""

NOT_SET = "not set"


def mask_secret(value: str | None) -> str:
    """'••••' and the last four characters; the whole value is never returned. Short values show no tail,
    as four characters of an eight-character secret give too much away."""
    if not value:
        return NOT_SET
    return "••••" + (value[-4:] if len(value) >= 16 else "")
