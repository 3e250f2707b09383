"""An agent's session row: fetch, lock, change state; the refusal services raise."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError

from wrapup.models import AgentSession


class ActionRefused(ValidationError):
    """The agent's session is not in a state that allows the action; the message says why."""

    def __init__(self, message: str):
        super().__init__(message, code="refused")


def get_session(agent) -> AgentSession:
    """The agent's session row, created offline on first use."""
    session, _ = AgentSession.objects.get_or_create(agent=agent)
    return session


def lock_session(agent) -> AgentSession:
    get_session(agent)
    # of=self: the campaign is an outer join, which PostgreSQL cannot lock (and need not).
    return AgentSession.objects.select_for_update(of=("self",)).select_related("campaign").get(agent=agent)


def set_state(session: AgentSession, state: str, now: datetime, **fields) -> None:
    session.state = state
    session.state_changed_at = now
    for name, value in fields.items():
        setattr(session, name, value)
    session.save(update_fields=["state", "state_changed_at", *fields])


def refuse_while_busy(session: AgentSession, action: str) -> None:
    if session.state == AgentSession.WRAP_UP:
        raise ActionRefused(f"You cannot {action} during wrap-up: choose a call result first.")
    if session.state == AgentSession.IN_CALL:
        raise ActionRefused(f"You cannot {action} during a call: end the call first.")
