"""Wording shared by the services' explanations and close reasons: who did it, one more line."""

from __future__ import annotations


def user_label(user) -> str:
    """How a user is named in explanations and close reasons."""
    return user.get_username() if user is not None else "system"


def append_line(text: str, line: str) -> str:
    """`text` with `line` as its last line."""
    return f"{text}\n{line}" if text else line
