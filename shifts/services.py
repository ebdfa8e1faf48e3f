"""Every write of the shifts app. Each service is one transaction, refuses with ApplicationError
(messages are the module constants below) and sends its domain signal inside the transaction.

Who acts is an :class:`Actor` (a Discord user id and what they may do), built by the caller: the
Discord handlers from the member's permission level, the API and the admin from the staff user.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone as dj_timezone

from config.exceptions import ApplicationError
from shifts.models import DAY_NAMES, ModSchedule, Shift, ShiftPolicy
from shifts.signals import shift_changed, shift_reminder_due
from shifts.timeutils import next_occurrence, parse_clock, parse_local_start, zone_or_error

logger = logging.getLogger("guildhall.shifts")

# Messages people see (Discord ephemeral replies, API 400s); tests assert them.
NOT_MODERATOR = "Only moderators can do this."
NOT_ADMIN_FOR_OTHERS = "Only admins can do this for another member."
WRONG_CHANNEL = "Shift commands work in <#{channel_id}> only."
NO_CHANNEL = (
    "This server has no shift channel yet. An admin can set one in the back office (Shifts → Shift policies) "
    "or with `configure_guild --channel shifts=CHANNEL_ID`."
)
BAD_DAY = "The day must be 0 (Monday) to 6 (Sunday)."
BAD_DURATION = "The duration must be a number of hours."
DURATION_OUT_OF_POLICY = "A shift lasts from {low:g} to {high:g} hours here; {value:g} is outside that."
DESCRIPTION_TOO_LONG = "The description has {length} characters; at most {limit} are allowed."
SLOT_EXISTS = "You already have a slot on {day} at {hh:02d}:{mm:02d}."
SLOT_EXISTS_FOR = "<@{user_id}> already has a slot on {day} at {hh:02d}:{mm:02d}."
NO_SUCH_SLOT = "There is no slot on {day} at {hh:02d}:{mm:02d} in that schedule."
SLOT_NOT_FOUND = "That schedule slot does not exist (it may have been removed)."
OCCURRENCE_ALREADY_DROPPED = (
    "The {day} {hh:02d}:{mm:02d} shift starting <t:{ts}:F> is already dropped (shift #{shift_id})."
)
SAME_OCCURRENCE = "Shift #{shift_id} already covers that occurrence of the same schedule slot."
START_IN_PAST = "The start <t:{ts}:F> has already passed; shifts can only be dropped for the future."
SHIFT_NOT_FOUND = "That shift does not exist (it may have been removed)."
NOT_OWNER = "Only the member who dropped this shift, or an admin, can change it."
SHIFT_CANCELLED = "Shift #{shift_id} was cancelled."
SHIFT_EXPIRED = "Shift #{shift_id} expired: it started without anyone claiming it."
SHIFT_STARTED = "Shift #{shift_id} has already started."
SHIFT_CLAIMED_BY = "Shift #{shift_id} is already claimed by <@{user_id}>."
ALREADY_YOURS = "You already claimed shift #{shift_id}."
OWN_SHIFT = "This is your own shift; cancel it with /shift_cancel instead of claiming it."
EDIT_CLAIMED = "Shift #{shift_id} is claimed by <@{user_id}>; only unclaimed shifts can be edited (cancel it instead)."
NOTHING_TO_EDIT = "Give at least one of start, duration and description to change."
ALREADY_CANCELLED = "Shift #{shift_id} is already cancelled."
NOT_YOUR_CLAIM = "You have not claimed shift #{shift_id}, so there is nothing to release."
RELEASE_STARTED = "Shift #{shift_id} has already started; a claim can only be released before the start."
HEAVY = (
    "You have claimed {hours:g} hours of shifts in the last 7 days, which reaches the cap of {cap:g} hours. "
    "Over the cap you may only claim shifts starting within {window} minutes, so you can claim this one from "
    "<t:{ts}:F> (<t:{ts}:R>)."
)
BAD_PERIOD = "The period must be one of 7d, 30d or all."

DESCRIPTION_LIMIT = 1000
PERIODS = {"7d": timedelta(days=7), "30d": timedelta(days=30), "all": None}
REMINDER_LEAD = timedelta(minutes=15)


@dataclass(frozen=True)
class Actor:
    """Who acts: a Discord user id and what they may do in the guild."""

    user_id: int
    is_moderator: bool = False
    is_admin: bool = False


# ---------------------------------------------------------------------------- helpers


def policy_for(guild_id: int) -> ShiftPolicy:
    """The guild's policy, or an unsaved one with the defaults."""
    return ShiftPolicy.objects.filter(guild_id=guild_id).first() or ShiftPolicy(guild_id=guild_id)


def _require_moderator(actor: Actor) -> None:
    if not (actor.is_moderator or actor.is_admin):
        raise ApplicationError(NOT_MODERATOR, code="permission_denied")


def _require_self_or_admin(actor: Actor, user_id: int) -> None:
    if user_id != actor.user_id and not actor.is_admin:
        raise ApplicationError(NOT_ADMIN_FOR_OTHERS, field="user", code="permission_denied")


def _check_channel(policy: ShiftPolicy, invoked_in_channel_id: int | None) -> None:
    """Discord callers pass the channel the command came from; the policy may pin one."""
    if invoked_in_channel_id is not None and policy.channel_id and invoked_in_channel_id != policy.channel_id:
        raise ApplicationError(WRONG_CHANNEL.format(channel_id=policy.channel_id), code="wrong_channel")


def _check_duration(policy: ShiftPolicy, value, *, field: str = "duration") -> float:
    try:
        hours = float(value)
    except (TypeError, ValueError):
        raise ApplicationError(BAD_DURATION, field=field) from None
    if not math.isfinite(hours) or not policy.min_duration_hours <= hours <= policy.max_duration_hours:
        raise ApplicationError(
            DURATION_OUT_OF_POLICY.format(
                low=policy.min_duration_hours,
                high=policy.max_duration_hours,
                value=hours if math.isfinite(hours) else 0,
            ),
            field=field,
        )
    return hours


def _check_description(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > DESCRIPTION_LIMIT:
        raise ApplicationError(
            DESCRIPTION_TOO_LONG.format(length=len(text), limit=DESCRIPTION_LIMIT), field="description"
        )
    return text


def _check_day(day: int) -> int:
    if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
        raise ApplicationError(BAD_DAY, field="day")
    return day


def resolve_timezone(*, guild_id: int, user_id: int, timezone: str | None, guild_timezone: str | None = None) -> str:
    """The zone to use: the one given (checked), else the member's last used zone (their newest
    slot or dropped shift), else the policy's default, else the guild configuration's, else UTC."""
    if timezone:
        return zone_or_error(timezone).key
    last_slot = ModSchedule.objects.filter(guild_id=guild_id, user_id=user_id).order_by("-created_at", "-id").first()
    last_shift = Shift.objects.filter(guild_id=guild_id, created_by=user_id).order_by("-created_at", "-id").first()
    dated = [(row.created_at, row.timezone) for row in (last_slot, last_shift) if row is not None]
    if dated:
        return max(dated)[1]
    policy = policy_for(guild_id)
    return policy.default_timezone or guild_timezone or "UTC"


def _bump(shift: Shift, change: str, *, fields: list[str], **extra) -> Shift:
    shift.version += 1
    shift.save(update_fields=[*fields, "version", "updated_at"])
    shift_changed.send(sender=Shift, shift=shift, change=change, **extra)
    return shift


def _locked_shift(*, guild_id: int, shift_id: int) -> Shift:
    """The shift, row-locked, refusing a missing one or one of another guild alike (an id in a
    custom_id is untrusted input, and must not reveal other guilds' shifts)."""
    shift = Shift.objects.select_for_update().filter(pk=shift_id, guild_id=guild_id).first()
    if shift is None:
        raise ApplicationError(SHIFT_NOT_FOUND, field="shift_id", code="not_found")
    return shift


def _check_open(shift: Shift, *, now: datetime) -> None:
    if shift.cancelled:
        raise ApplicationError(SHIFT_CANCELLED.format(shift_id=shift.pk), code="cancelled")
    if shift.expired_at is not None:
        raise ApplicationError(SHIFT_EXPIRED.format(shift_id=shift.pk), code="expired")
    if shift.start_time_utc <= now:
        if shift.claimed_by is None:
            raise ApplicationError(SHIFT_EXPIRED.format(shift_id=shift.pk), code="expired")
        raise ApplicationError(SHIFT_STARTED.format(shift_id=shift.pk), code="started")


# ---------------------------------------------------------------------------- policy


@transaction.atomic
def policy_save(*, policy: ShiftPolicy) -> ShiftPolicy:
    """Validate and save a policy (the admin's form goes through here)."""
    if policy.default_timezone:
        zone_or_error(policy.default_timezone, field="default_timezone")
    policy.full_clean()
    policy.save()
    return policy


# ---------------------------------------------------------------------------- schedules


@transaction.atomic
def schedule_add(
    *,
    guild_id: int,
    actor: Actor,
    user_id: int,
    day: int,
    time: str,
    timezone: str | None = None,
    duration: float | None = None,
    guild_timezone: str | None = None,
) -> ModSchedule:
    """Add a weekly slot for `user_id` (the actor's own, or anyone's for an admin). The zone
    defaults as in :func:`resolve_timezone`, the duration to the policy's default; a duplicate
    slot is refused, never duplicated (a unique constraint backs the check)."""
    _require_moderator(actor)
    _require_self_or_admin(actor, user_id)
    _check_day(day)
    hour, minute = parse_clock(time)
    zone = resolve_timezone(guild_id=guild_id, user_id=user_id, timezone=timezone, guild_timezone=guild_timezone)
    policy = policy_for(guild_id)
    hours = _check_duration(policy, policy.default_duration_hours if duration is None else duration)
    template = SLOT_EXISTS if user_id == actor.user_id else SLOT_EXISTS_FOR
    message = template.format(user_id=user_id, day=DAY_NAMES[day], hh=hour, mm=minute)
    try:
        with transaction.atomic():
            return ModSchedule.objects.create(
                guild_id=guild_id,
                user_id=user_id,
                day_of_week=day,
                hour=hour,
                minute=minute,
                timezone=zone,
                duration_hours=hours,
            )
    except IntegrityError:
        raise ApplicationError(message, field="time", code="duplicate") from None


@transaction.atomic
def schedule_remove(*, guild_id: int, actor: Actor, user_id: int, day: int, time: str) -> ModSchedule:
    """Remove one slot of `user_id` (own, or anyone's for an admin) and return it (unsaved).
    Shifts already dropped from it stay (they lose the link to the slot)."""
    _require_moderator(actor)
    _require_self_or_admin(actor, user_id)
    _check_day(day)
    hour, minute = parse_clock(time)
    slot = (
        ModSchedule.objects.select_for_update()
        .filter(guild_id=guild_id, user_id=user_id, day_of_week=day, hour=hour, minute=minute)
        .first()
    )
    if slot is None:
        raise ApplicationError(NO_SUCH_SLOT.format(day=DAY_NAMES[day], hh=hour, mm=minute), field="time")
    slot.delete()
    return slot


@transaction.atomic
def schedule_clear(*, guild_id: int, actor: Actor, user_id: int) -> int:
    """Remove every slot of `user_id` (own for moderators, anyone's for admins); returns how many."""
    _require_moderator(actor)
    _require_self_or_admin(actor, user_id)
    deleted, _ = ModSchedule.objects.filter(guild_id=guild_id, user_id=user_id).delete()
    return deleted


@transaction.atomic
def schedule_delete(*, slot_id: int, actor: Actor, guild_id: int | None = None) -> None:
    """Remove a slot by id (API and admin)."""
    query = ModSchedule.objects.filter(pk=slot_id)
    if guild_id is not None:
        query = query.filter(guild_id=guild_id)
    slot = query.first()
    if slot is None:
        raise ApplicationError(SLOT_NOT_FOUND, field="slot", code="not_found")
    _require_moderator(actor)
    _require_self_or_admin(actor, slot.user_id)
    slot.delete()


# ---------------------------------------------------------------------------- shifts


def _shift_channel(policy: ShiftPolicy, channel_id: int | None) -> int:
    channel = policy.channel_id or channel_id
    if not channel:
        raise ApplicationError(NO_CHANNEL, field="channel_id", code="no_channel")
    return channel


@transaction.atomic
def shift_drop(
    *,
    guild_id: int,
    actor: Actor,
    start: str,
    duration: float,
    description: str = "",
    timezone: str | None = None,
    channel_id: int | None = None,
    invoked_in_channel_id: int | None = None,
    guild_timezone: str | None = None,
    now: datetime | None = None,
) -> Shift:
    """Drop a free-form shift starting at `start` ("YYYY-MM-DD HH:MM" in `timezone`, defaulted as
    in :func:`resolve_timezone`). It is posted in the policy's channel, else `channel_id` (the
    guild's shift channel). Sends `shift_changed(change="dropped")`."""
    now = now or dj_timezone.now()
    _require_moderator(actor)
    policy = policy_for(guild_id)
    _check_channel(policy, invoked_in_channel_id)
    zone_name = resolve_timezone(
        guild_id=guild_id, user_id=actor.user_id, timezone=timezone, guild_timezone=guild_timezone
    )
    start_utc = parse_local_start(start, zone_or_error(zone_name))
    hours = _check_duration(policy, duration)
    text = _check_description(description)
    if start_utc <= now:
        raise ApplicationError(START_IN_PAST.format(ts=int(start_utc.timestamp())), field="start")
    shift = Shift.objects.create(
        guild_id=guild_id,
        channel_id=_shift_channel(policy, channel_id),
        description=text,
        created_by=actor.user_id,
        start_time_utc=start_utc,
        duration_hours=hours,
        timezone=zone_name,
    )
    shift_changed.send(sender=Shift, shift=shift, change="dropped")
    return shift


@transaction.atomic
def shift_drop_from_slot(
    *,
    guild_id: int,
    actor: Actor,
    slot_id: int,
    user_id: int | None = None,
    description: str = "",
    channel_id: int | None = None,
    invoked_in_channel_id: int | None = None,
    now: datetime | None = None,
) -> Shift:
    """Drop the next occurrence (strictly after `now`) of a schedule slot, computed in the slot's
    zone with its wall time fixed across DST (see docs/shifts.md for gaps and folds). Moderators
    drop their own slots, admins anyone's; an occurrence is dropped at most once (a partial
    unique constraint backs the check)."""
    now = now or dj_timezone.now()
    _require_moderator(actor)
    owner = actor.user_id if user_id is None else user_id
    _require_self_or_admin(actor, owner)
    policy = policy_for(guild_id)
    _check_channel(policy, invoked_in_channel_id)
    slot = ModSchedule.objects.filter(pk=slot_id, guild_id=guild_id, user_id=owner).first()
    if slot is None:
        raise ApplicationError(SLOT_NOT_FOUND, field="slot", code="not_found")
    text = _check_description(description)
    start_utc = next_occurrence(
        day_of_week=slot.day_of_week, hour=slot.hour, minute=slot.minute, zone=zone_or_error(slot.timezone), now=now
    )
    existing = Shift.objects.filter(schedule=slot, start_time_utc=start_utc, cancelled=False).first()
    refusal = OCCURRENCE_ALREADY_DROPPED.format(
        day=DAY_NAMES[slot.day_of_week],
        hh=slot.hour,
        mm=slot.minute,
        ts=int(start_utc.timestamp()),
        shift_id=existing.pk if existing else "?",
    )
    if existing is not None:
        raise ApplicationError(refusal, field="slot", code="duplicate")
    try:
        with transaction.atomic():
            shift = Shift.objects.create(
                guild_id=guild_id,
                channel_id=_shift_channel(policy, channel_id),
                description=text,
                created_by=actor.user_id,
                assigned_user_id=owner,
                schedule=slot,
                start_time_utc=start_utc,
                duration_hours=slot.duration_hours,
                timezone=slot.timezone,
            )
    except IntegrityError:
        raise ApplicationError(refusal, field="slot", code="duplicate") from None
    shift_changed.send(sender=Shift, shift=shift, change="dropped")
    return shift


def _check_owner(shift: Shift, actor: Actor) -> None:
    if actor.is_admin:
        return
    if actor.user_id not in (shift.created_by, shift.assigned_user_id):
        raise ApplicationError(NOT_OWNER, code="permission_denied")


@transaction.atomic
def shift_edit(
    *,
    guild_id: int,
    actor: Actor,
    shift_id: int,
    start: str | None = None,
    duration: float | None = None,
    description: str | None = None,
    invoked_in_channel_id: int | None = None,
    now: datetime | None = None,
) -> Shift:
    """Change an open (unclaimed, not started, not cancelled or expired) shift: its owner or an
    admin. `start` is read in the shift's zone. Sends `shift_changed(change="edited")`."""
    now = now or dj_timezone.now()
    policy = policy_for(guild_id)
    _check_channel(policy, invoked_in_channel_id)
    shift = _locked_shift(guild_id=guild_id, shift_id=shift_id)
    _check_owner(shift, actor)
    if start is None and duration is None and description is None:
        raise ApplicationError(NOTHING_TO_EDIT)
    if shift.claimed_by is not None and not shift.cancelled:
        raise ApplicationError(EDIT_CLAIMED.format(shift_id=shift.pk, user_id=shift.claimed_by), code="claimed")
    _check_open(shift, now=now)
    fields = []
    if start is not None:
        start_utc = parse_local_start(start, zone_or_error(shift.timezone))
        if start_utc <= now:
            raise ApplicationError(START_IN_PAST.format(ts=int(start_utc.timestamp())), field="start")
        shift.start_time_utc, fields = start_utc, [*fields, "start_time_utc", "reminder_sent_at"]
        shift.reminder_sent_at = None
    if duration is not None:
        shift.duration_hours, fields = _check_duration(policy, duration), [*fields, "duration_hours"]
    if description is not None:
        shift.description, fields = _check_description(description), [*fields, "description"]
    if shift.schedule_id is not None and "start_time_utc" in fields:
        # A slot's occurrence is dropped once; moving onto another drop of it is refused by name.
        clash = (
            Shift.objects.filter(schedule_id=shift.schedule_id, start_time_utc=shift.start_time_utc, cancelled=False)
            .exclude(pk=shift.pk)
            .first()
        )
        if clash is not None:
            raise ApplicationError(SAME_OCCURRENCE.format(shift_id=clash.pk), field="start", code="duplicate")
    return _bump(shift, "edited", fields=fields)


@transaction.atomic
def shift_cancel(
    *,
    guild_id: int,
    actor: Actor,
    shift_id: int,
    reason: str = "",
    invoked_in_channel_id: int | None = None,
    now: datetime | None = None,
) -> Shift:
    """Cancel a shift, claimed or not: its owner or an admin. Sends `shift_changed(change=
    "cancelled", previous_claimer=...)` so a claimer is told."""
    now = now or dj_timezone.now()
    policy = policy_for(guild_id)
    _check_channel(policy, invoked_in_channel_id)
    shift = _locked_shift(guild_id=guild_id, shift_id=shift_id)
    _check_owner(shift, actor)
    if shift.cancelled:
        raise ApplicationError(ALREADY_CANCELLED.format(shift_id=shift.pk), code="cancelled")
    if shift.expired_at is not None:
        raise ApplicationError(SHIFT_EXPIRED.format(shift_id=shift.pk), code="expired")
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise ApplicationError(DESCRIPTION_TOO_LONG.format(length=len(reason), limit=500), field="reason")
    shift.cancelled, shift.cancelled_by, shift.cancelled_at, shift.cancel_reason = True, actor.user_id, now, reason
    return _bump(
        shift,
        "cancelled",
        fields=["cancelled", "cancelled_by", "cancelled_at", "cancel_reason"],
        previous_claimer=shift.claimed_by,
    )


def claimed_hours_7d(*, guild_id: int, user_id: int, now: datetime) -> float:
    """Hours of the user's claimed, non-cancelled shifts in this guild claimed in the 7 days
    before `now` (the fairness cap is a guild's policy, so it counts that guild's shifts)."""
    total = Shift.objects.filter(
        guild_id=guild_id,
        claimed_by=user_id,
        cancelled=False,
        # No upper bound: a claim a concurrent caller committed a moment "after" this caller's
        # `now` (it waited for the lock below) still counts.
        claimed_at__gt=now - timedelta(days=7),
    ).aggregate(total=Sum("duration_hours"))["total"]
    return float(total or 0.0)


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
    _require_moderator(actor)
    shift = _locked_shift(guild_id=guild_id, shift_id=shift_id)
    if shift.claimed_by is not None and not shift.cancelled:
        if shift.claimed_by == actor.user_id:
            raise ApplicationError(ALREADY_YOURS.format(shift_id=shift.pk), code="claimed")
        raise ApplicationError(SHIFT_CLAIMED_BY.format(shift_id=shift.pk, user_id=shift.claimed_by), code="claimed")
    _check_open(shift, now=now)
    if actor.user_id in (shift.created_by, shift.assigned_user_id):
        raise ApplicationError(OWN_SHIFT, code="own_shift")
    policy = policy_for(guild_id)
    _serialize_claims_of(guild_id=guild_id, user_id=actor.user_id)
    hours = claimed_hours_7d(guild_id=guild_id, user_id=actor.user_id, now=now)
    window = timedelta(minutes=policy.heavy_lock_window_minutes)
    if hours >= policy.max_hours_7d and shift.start_time_utc - now > window:
        may_claim_from = shift.start_time_utc - window
        raise ApplicationError(
            HEAVY.format(
                hours=round(hours, 2),
                cap=policy.max_hours_7d,
                window=policy.heavy_lock_window_minutes,
                ts=int(may_claim_from.timestamp()),
            ),
            code="fairness_cap",
            extra={
                "hours_7d": round(hours, 2),
                "cap": policy.max_hours_7d,
                "may_claim_from": may_claim_from.isoformat(),
            },
        )
    shift.claimed_by, shift.claimed_at, shift.reminder_sent_at = actor.user_id, now, None
    return _bump(shift, "claimed", fields=["claimed_by", "claimed_at", "reminder_sent_at"])


@transaction.atomic
def shift_release(*, guild_id: int, actor: Actor, shift_id: int, now: datetime | None = None) -> Shift:
    """The claimer gives a claim back before the start; the shift is open again."""
    now = now or dj_timezone.now()
    shift = _locked_shift(guild_id=guild_id, shift_id=shift_id)
    if shift.claimed_by != actor.user_id:
        raise ApplicationError(NOT_YOUR_CLAIM.format(shift_id=shift.pk), code="not_claimer")
    if shift.cancelled:
        raise ApplicationError(SHIFT_CANCELLED.format(shift_id=shift.pk), code="cancelled")
    if shift.start_time_utc <= now:
        raise ApplicationError(RELEASE_STARTED.format(shift_id=shift.pk), code="started")
    shift.claimed_by, shift.claimed_at, shift.reminder_sent_at = None, None, None
    return _bump(
        shift, "released", fields=["claimed_by", "claimed_at", "reminder_sent_at"], previous_claimer=actor.user_id
    )


@transaction.atomic
def shift_record_message(*, shift_id: int, channel_id: int, message_id: int) -> Shift | None:
    """Store where a shift's message was posted (the outbox's completion hook). A shift deleted
    meanwhile is ignored. Idempotent."""
    shift = Shift.objects.select_for_update().filter(pk=shift_id).first()
    if shift is None:
        logger.info("shift %s is gone; its posted message %s is not recorded", shift_id, message_id)
        return None
    if shift.message_id == message_id and shift.channel_id == channel_id:
        return shift
    shift.message_id, shift.channel_id = message_id, channel_id
    shift.save(update_fields=["message_id", "channel_id", "updated_at"])
    return shift


def shift_expire_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Mark unclaimed, uncancelled shifts whose start has passed as expired, each in its own
    transaction with its `shift_changed(change="expired")`. Safe to run concurrently: rows are
    taken with SKIP LOCKED and re-checked. Returns the ids expired."""
    now = now or dj_timezone.now()
    expired = []
    candidates = list(
        Shift.objects.filter(
            claimed_by__isnull=True, cancelled=False, expired_at__isnull=True, start_time_utc__lte=now
        ).values_list("pk", flat=True)[:limit]
    )
    for shift_id in candidates:
        with transaction.atomic():
            shift = (
                Shift.objects.select_for_update(skip_locked=True)
                .filter(pk=shift_id, claimed_by__isnull=True, cancelled=False, expired_at__isnull=True)
                .first()
            )
            if shift is None:
                continue
            shift.expired_at = now
            _bump(shift, "expired", fields=["expired_at"])
            expired.append(shift_id)
    return expired


def shift_send_due_reminders(*, now: datetime | None = None, lead: timedelta = REMINDER_LEAD) -> list[int]:
    """Send `shift_reminder_due` once for each claimed, uncancelled shift starting within `lead`
    and not yet started: `reminder_sent_at` is set in the same transaction (conditional update),
    so a second run, or a concurrent one, sends nothing again. Returns the ids reminded."""
    now = now or dj_timezone.now()
    reminded = []
    candidates = list(
        Shift.objects.filter(
            claimed_by__isnull=False,
            cancelled=False,
            reminder_sent_at__isnull=True,
            start_time_utc__gt=now,
            start_time_utc__lte=now + lead,
        ).values_list("pk", flat=True)
    )
    for shift_id in candidates:
        with transaction.atomic():
            shift = (
                Shift.objects.select_for_update(skip_locked=True)
                .filter(pk=shift_id, claimed_by__isnull=False, cancelled=False, reminder_sent_at__isnull=True)
                .first()
            )
            if shift is None:
                continue
            shift.reminder_sent_at = now
            shift.save(update_fields=["reminder_sent_at", "updated_at"])
            shift_reminder_due.send(sender=Shift, shift=shift)
            reminded.append(shift_id)
    return reminded
