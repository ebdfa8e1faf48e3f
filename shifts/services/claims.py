"""Claiming a shift and giving a claim back, with the fairness cap."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone as dj_timezone

from config.exceptions import ApplicationError, UserRef
from shifts.models import Shift
from shifts.selectors import policy_for
from shifts.services.actor import Actor, require_moderator
from shifts.services.messages import (
    ALREADY_YOURS,
    HEAVY,
    NOT_YOUR_CLAIM,
    OWN_SHIFT,
    RELEASE_STARTED,
    SHIFT_CANCELLED,
    SHIFT_CLAIMED_BY,
)
from shifts.services.shifts import bump, check_open, locked_shift


def claimed_minutes_7d(*, guild_id: int, user_id: int, now: datetime) -> int:
    """Whole minutes of the user's claimed, non-cancelled shifts in this guild claimed in the 7
    days before `now` (the fairness cap is a guild's policy, so it counts that guild's shifts).
    An integer sum: exact, whatever the lengths."""
    total = Shift.objects.filter(
        guild_id=guild_id,
        claimed_by=user_id,
        cancelled=False,
        # No upper bound: a claim a concurrent caller committed a moment "after" this caller's
        # `now` (it waited for the lock below) still counts.
        claimed_at__gt=now - timedelta(days=7),
    ).aggregate(total=Sum("duration_minutes"))["total"]
    return int(total or 0)


def claimed_hours_7d(*, guild_id: int, user_id: int, now: datetime) -> float:
    """:func:`claimed_minutes_7d` in hours (for showing; compare minutes)."""
    return claimed_minutes_7d(guild_id=guild_id, user_id=user_id, now=now) / 60


def _serialize_claims_of(*, guild_id: int, user_id: int) -> None:
    """Hold a transaction-long lock per (guild, claimer): two claims of different shifts by the
    same moderator at the same moment must not both read the hours from before the other, or
    together they could pass the fairness cap."""
    if connection.vendor != "postgresql":
        return  # SQLite (the quick start) runs one writer at a time anyway
    key = int.from_bytes(
        hashlib.blake2b(f"shift-claims:{guild_id}:{user_id}".encode(), digest_size=8).digest(), "big", signed=True
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


@transaction.atomic
def shift_claim(*, guild_id: int, actor: Actor, shift_id: int, now: datetime | None = None) -> Shift:
    """Claim an open shift. Exactly one claimer wins under any concurrency: the shift row is
    locked, and every later claimer sees the winner and is told who has it. Refuses non-moderators,
    the shift's own dropper/owner, cancelled, expired, started and claimed shifts, and a "heavy"
    moderator (claimed hours in the last 7 days >= the policy's cap) outside the lock window."""
    now = now or dj_timezone.now()
    require_moderator(actor)
    shift = locked_shift(guild_id=guild_id, shift_id=shift_id)
    if shift.claimed_by is not None and not shift.cancelled:
        if shift.claimed_by == actor.user_id:
            raise ApplicationError(ALREADY_YOURS, params={"shift_id": shift.pk}, code="claimed")
        raise ApplicationError(
            SHIFT_CLAIMED_BY, params={"shift_id": shift.pk, "user": UserRef(shift.claimed_by)}, code="claimed"
        )
    check_open(shift, now=now)
    if actor.user_id in (shift.created_by, shift.assigned_user_id):
        raise ApplicationError(OWN_SHIFT, code="own_shift")
    policy = policy_for(guild_id)
    _serialize_claims_of(guild_id=guild_id, user_id=actor.user_id)
    minutes = claimed_minutes_7d(guild_id=guild_id, user_id=actor.user_id, now=now)
    hours = minutes / 60
    window = timedelta(minutes=policy.heavy_lock_window_minutes)
    # Whole minutes against an exact decimal cap: no rounding can slip a claim past it.
    if minutes >= policy.cap_minutes and shift.start_time_utc - now > window:
        may_claim_from = shift.start_time_utc - window
        raise ApplicationError(
            HEAVY,
            params={
                "hours": round(hours, 2),
                "cap": float(policy.max_hours_7d),
                "window": policy.heavy_lock_window_minutes,
                "may_claim_from": may_claim_from,
            },
            code="fairness_cap",
            extra={
                "hours_7d": round(hours, 2),
                "cap": float(policy.max_hours_7d),
                "may_claim_from": may_claim_from.isoformat(),
            },
        )
    shift.claimed_by, shift.claimed_at, shift.reminder_sent_at = actor.user_id, now, None
    return bump(shift, "claimed", fields=["claimed_by", "claimed_at", "reminder_sent_at"])


@transaction.atomic
def shift_release(*, guild_id: int, actor: Actor, shift_id: int, now: datetime | None = None) -> Shift:
    """The claimer gives a claim back before the start; the shift is open again."""
    now = now or dj_timezone.now()
    shift = locked_shift(guild_id=guild_id, shift_id=shift_id)
    if shift.claimed_by != actor.user_id:
        raise ApplicationError(NOT_YOUR_CLAIM, params={"shift_id": shift.pk}, code="not_claimer")
    if shift.cancelled:
        raise ApplicationError(SHIFT_CANCELLED, params={"shift_id": shift.pk}, code="cancelled")
    if shift.start_time_utc <= now:
        raise ApplicationError(RELEASE_STARTED, params={"shift_id": shift.pk}, code="started")
    shift.claimed_by, shift.claimed_at, shift.reminder_sent_at = None, None, None
    return bump(
        shift, "released", fields=["claimed_by", "claimed_at", "reminder_sent_at"], previous_claimer=actor.user_id
    )
