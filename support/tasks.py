"""Periodic tasks of the support desk (declared in settings.PERIODIC_TASKS): thin and idempotent."""

from __future__ import annotations

import logging
from collections import Counter

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from support.services import autoclose, summaries

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


@shared_task(name="support.summarize_ticket", autoretry_for=(OperationalError,), max_retries=3, retry_backoff=True)
def summarize_ticket(ticket_id: int) -> str:
    """Summarise a closed ticket with the remote provider (falling back to the local summariser)
    and run the repeated-topic check. Idempotent: a ticket with a summary gets no second one, and
    a ticket that is gone is skipped. Returns the provider that wrote the summary, or ""."""
    stored = summaries.ticket_summary_make(ticket_id=ticket_id)
    return stored.provider if stored is not None else ""


@shared_task(name="support.summarize_missing")
def summarize_missing() -> int:
    """Summarise the recently closed tickets whose summary task was lost (the broker was down when
    they closed). Returns how many were summarised."""
    done = 0
    for ticket_id in summaries.tickets_missing_summary():
        done += summaries.ticket_summary_make(ticket_id=ticket_id) is not None
    return done
