"""How screens name the engine's decision reasons and other stored codes: the one place that maps them to
words. The codes themselves stay in the database, the API and the CSV export, where programs read them."""

from __future__ import annotations

from strategies import engine

REASON_LABELS = {
    engine.REASON_RETRY: "Retry scheduled",
    engine.REASON_FINAL: "Final result: no more calls",
    engine.REASON_MAX_ATTEMPTS: "Maximum attempts reached",
    engine.REASON_NO_RULE: "No retry rule for this result",
    engine.REASON_NO_WINDOW: "No allowed calling time ahead",
    engine.REASON_ENDED: "Campaign ended",
    "do_not_call": "On a do-not-call list",
    # A contact's status reasons written by the services.
    "lead": "New lead",
    "redial cancelled": "Callback cancelled",
}


def reason_label(code: str | None, empty: str = "") -> str:
    """The words for a decision or status reason; free text (a supervisor's reason) is shown as typed,
    and `empty` stands for no reason at all."""
    if not code:
        return empty
    return REASON_LABELS.get(code, code)


def person_label(user, *, empty: str = "") -> str:
    """How screens name a person: full name, else username; `empty` when there is none (a dialer's call)."""
    if user is None:
        return empty
    return user.get_full_name() or user.get_username()
