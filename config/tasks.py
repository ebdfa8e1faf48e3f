"""Housekeeping tasks of the project itself."""

from __future__ import annotations

import logging

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

logger = logging.getLogger("guildhall.tasks")


@shared_task(name="guildhall.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete expired login sessions (admin and API session auth). Idempotent: a second run finds
    nothing left to delete. Returns how many were deleted."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    logger.info("cleared %d expired sessions", deleted)
    return deleted
