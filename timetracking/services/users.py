"""The tracked user's settings and the weekly summary."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.db import transaction

from config.timeutils import monday_of, zone_or_error
from scheduling.services import member_zone_set
from timetracking import selectors
from timetracking.models import TrackedUser
from timetracking.services.common import lock_user, now_or_default
from timetracking.signals import weekly_summary_due


def tracked_user_set_timezone(*, user_id: int, zone: str | zoneinfo.ZoneInfo) -> TrackedUser:
    """Set the member's zone (`scheduling.services.member_zone_set`, the one stored zone): their
    weeks are counted in it, and their availability and shift defaults use it too. A canonical
    IANA name in any case (stored in its canonical spelling), refused with a "did you mean"
    otherwise. Sessions already started keep the week they were counted in; allocations keep
    their week."""
    zone = zone_or_error(zone, field="zone")
    with transaction.atomic():
        user = lock_user(user_id)
        user.__dict__["member_timezone"] = member_zone_set(user_id=user_id, zone=zone, field="zone")
        user.save(update_fields=["updated_at"])
    return user


def tracked_user_set_weekly_summary(*, user_id: int, enabled: bool) -> TrackedUser:
    """Opt in to (or out of) the weekly summary DM on Monday morning."""
    with transaction.atomic():
        user = lock_user(user_id)
        user.weekly_summary = enabled
        user.save(update_fields=["weekly_summary", "updated_at"])
    return user


def weekly_summary_send(*, user_id: int, hour: int, now: datetime | None = None) -> bool:
    """Send the user the summary of the week that just ended, when they opted in and it is Monday
    at or after `hour` o'clock in their zone, once per week (sends ``weekly_summary_due``; a week
    with no allocation and no session is marked done and sends nothing). False otherwise."""
    now = now_or_default(now)
    with transaction.atomic():
        user = TrackedUser.objects.select_for_update().filter(pk=user_id).first()
        if user is None or not user.weekly_summary:
            return False
        local = now.astimezone(user.timezone)
        if local.weekday() != 0 or local.hour < hour:
            return False
        last_week = monday_of(local.date()) - timedelta(days=7)
        if user.last_summary_week is not None and user.last_summary_week >= last_week:
            return False
        report = selectors.weekly_report(user_id=user.pk, week_start=last_week, now=now)
        user.last_summary_week = last_week
        user.save(update_fields=["last_summary_week", "updated_at"])
        if report.is_empty:
            return False
        weekly_summary_due.send(sender=TrackedUser, user=user, report=report)
    return True
