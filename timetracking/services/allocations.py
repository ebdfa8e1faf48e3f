"""Subjects and weekly allocations."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from config.exceptions import ApplicationError
from config.timeutils import monday_of, week_containing
from timetracking.models import Subject, WeeklyAllocation
from timetracking.services.common import (
    MAX_WEEKLY_MINUTES,
    MINUTES_INVALID,
    SUBJECT_EXISTS,
    SUBJECT_NOT_YOURS,
    clean_subject_name,
    lock_user,
    now_or_default,
    subject_for,
)


def subject_create(*, user_id: int, name: str) -> Subject:
    """A new subject for the user; refused when the user already has one of that name (any case)."""
    name = clean_subject_name(name)
    with transaction.atomic():
        user = lock_user(user_id)
        existing = Subject.objects.filter(user=user, name__iexact=name).first()
        if existing is not None:
            raise ApplicationError(SUBJECT_EXISTS, params={"name": existing.name}, field="name", code="exists")
        return Subject.objects.create(user=user, name=name)


def allocation_set(
    *,
    user_id: int,
    minutes: int,
    subject: str | None = None,
    subject_id: int | None = None,
    week_start: date | None = None,
    now: datetime | None = None,
) -> WeeklyAllocation:
    """Set how many minutes the user plans for a subject in a week (this week in the user's zone
    by default; any date stands for its Monday). The subject is named (created when new) or given
    by id (it must be the user's). Setting it again replaces the minutes."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_WEEKLY_MINUTES:
        raise ApplicationError(MINUTES_INVALID, field="minutes")
    name = clean_subject_name(subject) if subject_id is None else None
    with transaction.atomic():
        user = lock_user(user_id)
        if subject_id is not None:
            target = Subject.objects.filter(pk=subject_id).first()
            if target is None or target.user_id != user.pk:
                raise ApplicationError(SUBJECT_NOT_YOURS, field="subject_id", code="not_yours")
        else:
            target = subject_for(user, name)
        week = monday_of(week_start) if week_start else week_containing(now_or_default(now), user.timezone).start_date
        allocation, _ = WeeklyAllocation.objects.update_or_create(
            user=user, subject=target, week_start_date=week, defaults={"minutes_allocated": minutes}
        )
    return allocation
