"""Celery task of the redial services (beat): thin, it calls one service."""

from celery import shared_task

from campaigns.services import redials


@shared_task(name="campaigns.tasks.expire_personal_redials", ignore_result=True)
def expire_personal_redials() -> int:
    """Beat: personal redials past their grace become common. Returns how many were handed over."""
    return redials.expire_personal_redials()
