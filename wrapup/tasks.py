"""Celery tasks of the agent workspace: thin, they call one service."""

from celery import shared_task

from wrapup.services import wrap_up


@shared_task
def end_expired_wrap_ups() -> int:
    """End every wrap-up past its after-call-work deadline (beat runs this every few seconds)."""
    return wrap_up.end_expired_wrap_ups()
