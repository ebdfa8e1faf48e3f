"""Periodic tasks of time tracking (declared in settings.PERIODIC_TASKS): thin and idempotent.

Each candidate is handled by a service in its own transaction that re-checks the condition under
a row lock, and every DM goes through the outbox with a dedupe key, so a task that runs twice, or
in two workers at once, sends nothing twice.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from timetracking import selectors, services
from timetracking.conf import forgotten_hours, summary_hour

logger = logging.getLogger("guildhall.timetracking")


@shared_task(name="timetracking.check_forgotten_sessions")
def check_forgotten_sessions() -> dict[str, int]:
    """DM the owner of every session RUNNING for TIMETRACKING_FORGOTTEN_HOURS since its last sign
    of life (once per sign of life), and clock out those past twice that, at their last sign of
    life, leaving them unconfirmed."""
    now = timezone.now()
    hours = forgotten_hours()
    auto_ids = list(selectors.sessions_to_clock_out(hours=hours, now=now).values_list("pk", flat=True))
    remind_ids = list(selectors.sessions_to_remind(hours=hours, now=now).values_list("pk", flat=True))
    clocked_out = sum(services.session_auto_clock_out(session_id=pk, hours=hours, now=now) for pk in auto_ids)
    reminded = sum(services.session_remind_forgotten(session_id=pk, hours=hours, now=now) for pk in remind_ids)
    if reminded or clocked_out:
        logger.info("forgotten sessions: %d reminded, %d clocked out automatically", reminded, clocked_out)
    return {"reminded": reminded, "clocked_out": clocked_out}


@shared_task(name="timetracking.send_weekly_summaries")
def send_weekly_summaries() -> int:
    """Send the weekly summary DM to every opted-in user for whom it is Monday morning (at or after
    TIMETRACKING_SUMMARY_HOUR) and who has not had last week's yet. Runs hourly."""
    now = timezone.now()
    hour = summary_hour()
    candidates = selectors.users_with_weekly_summary_pending(now=now).values_list("pk", flat=True)
    sent = sum(services.weekly_summary_send(user_id=user_id, hour=hour, now=now) for user_id in candidates.iterator())
    if sent:
        logger.info("weekly summaries sent: %d", sent)
    return sent
