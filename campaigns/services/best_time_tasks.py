"""Celery task of best time to call (beat): thin, it calls one service."""

from celery import shared_task

from campaigns.services import best_time


@shared_task(name="campaigns.tasks.refresh_connect_rate_tables", ignore_result=True)
def refresh_connect_rate_tables() -> int:
    """Beat: recompute every campaign's connect-rate table. Returns how many tables were written."""
    return best_time.refresh_connect_rate_tables()
