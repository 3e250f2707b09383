"""A trivial task that proves web, beat and worker talk through the broker."""

import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task
def heartbeat(marker_path: str | None = None) -> str:
    """Write the current instant to `marker_path` (default var/heartbeat) and return it."""
    now = timezone.now().isoformat()
    path = Path(marker_path) if marker_path else settings.VAR_DIR / "heartbeat"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(now)
    logger.info("heartbeat %s", now)
    return now
