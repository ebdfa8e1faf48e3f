"""Periodic tasks of the support desk (declared in settings.PERIODIC_TASKS): thin and idempotent."""

from __future__ import annotations

import logging
from collections import Counter

from celery import shared_task
from django.utils import timezone

from support.services import autoclose

logger = logging.getLogger("guildhall.support")


@shared_task(name="support.auto_close_idle_tickets")
def auto_close_idle_tickets() -> dict[str, int]:
    """Warn, then close, the tickets whose requester has been silent too long (see
    :mod:`support.services.autoclose`). Each ticket is checked in its own transaction under its
    row lock, and what was done is recorded, so a second run, or two at once, warn and close each
    ticket once. Returns how many were warned and closed."""
    now = timezone.now()
    done = Counter(
        autoclose.ticket_auto_close_check(ticket_id=ticket_id, now=now)
        for ticket_id in autoclose.tickets_due_for_auto_close(now=now)
    )
    counts = {"warned": done["warned"], "closed": done["closed"]}
    if any(counts.values()):
        logger.info("auto-close: warned %(warned)d tickets, closed %(closed)d", counts)
    return counts
