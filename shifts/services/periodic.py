"""What the beat tasks run: settling shifts whose start passed (unclaimed ones expire, claimed ones
are re-rendered once, so their message loses the Release button), and the claimers' reminders.
Each row is changed in its own transaction under SKIP LOCKED and a re-check, so duplicate or
concurrent runs change and send nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone as dj_timezone

from shifts import selectors
from shifts.models import Shift
from shifts.services.shifts import bump
from shifts.signals import shift_reminder_due

REMINDER_LEAD = timedelta(minutes=15)


def _settle_each(shift_ids: list[int], *, still_due: Q, settle: Callable[[Shift], None]) -> list[int]:
    """Run `settle` on each shift that is `still_due`, each in its own transaction: the row is
    taken with SKIP LOCKED and re-checked, so a concurrent or repeated run settles it once."""
    settled = []
    for shift_id in shift_ids:
        with transaction.atomic():
            shift = Shift.objects.select_for_update(skip_locked=True).filter(still_due, pk=shift_id).first()
            if shift is None:
                continue
            settle(shift)
            settled.append(shift_id)
    return settled


def shift_expire_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Mark unclaimed, uncancelled shifts whose start has passed as expired, each with its
    `shift_changed(change="expired")`. Safe to run concurrently. Returns the ids expired."""
    now = now or dj_timezone.now()

    def expire(shift: Shift) -> None:
        shift.expired_at = now
        bump(shift, "expired", fields=["expired_at"])

    return _settle_each(
        list(selectors.shifts_due_to_expire(now=now).values_list("pk", flat=True)[:limit]),
        still_due=Q(claimed_by__isnull=True, cancelled=False, expired_at__isnull=True),
        settle=expire,
    )


def shift_send_due_reminders(*, now: datetime | None = None, lead: timedelta = REMINDER_LEAD) -> list[int]:
    """Send `shift_reminder_due` once for each claimed, uncancelled shift starting within `lead`
    and not yet started: `reminder_sent_at` is set in the same transaction, so a second run, or a
    concurrent one, sends nothing again. Returns the ids reminded."""
    now = now or dj_timezone.now()

    def remind(shift: Shift) -> None:
        shift.reminder_sent_at = now
        shift.save(update_fields=["reminder_sent_at", "updated_at"])
        shift_reminder_due.send(sender=Shift, shift=shift)

    return _settle_each(
        list(selectors.shifts_due_for_reminder(now=now, lead=lead).values_list("pk", flat=True)),
        still_due=Q(claimed_by__isnull=False, cancelled=False, reminder_sent_at__isnull=True),
        settle=remind,
    )


def shift_mark_started_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Mark claimed, uncancelled shifts whose start has passed, once each, with a version bump and
    `shift_changed(change="started")` (their message is re-rendered without the Release button).
    Safe to run concurrently. Returns the ids."""
    now = now or dj_timezone.now()

    def mark_started(shift: Shift) -> None:
        shift.start_passed_at = now
        bump(shift, "started", fields=["start_passed_at"])

    return _settle_each(
        list(selectors.shifts_due_to_mark_started(now=now).values_list("pk", flat=True)[:limit]),
        still_due=Q(claimed_by__isnull=False, cancelled=False, start_passed_at__isnull=True),
        settle=mark_started,
    )


def shift_settle_started(*, now: datetime | None = None) -> dict[str, list[int]]:
    """Everything due once a shift's start passes: unclaimed shifts expire
    (:func:`shift_expire_due`), claimed ones are marked started (:func:`shift_mark_started_due`).
    Idempotent. Returns the ids of each."""
    now = now or dj_timezone.now()
    return {"expired": shift_expire_due(now=now), "started": shift_mark_started_due(now=now)}
