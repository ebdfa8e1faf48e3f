"""Dropped shifts: drop (free-form or a slot's next occurrence), edit, cancel, and recording the
message the Discord layer posted for one.

The shift channel and the guild's default zone are the guild configuration's; the caller reads
them there and passes them in (`channel_id`, `guild_timezone`). When a Discord command names the
channel it came from (`invoked_in_channel_id`), drops, edits and cancels work only in the shift
channel.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone as dj_timezone

from config.exceptions import ApplicationError, ChannelRef, UserRef
from config.timeutils import DAY_NAMES, next_weekly_occurrence, parse_local_datetime
from shifts.models import ModSchedule, Shift
from shifts.selectors import policy_for
from shifts.services.actor import Actor, require_moderator, require_self_or_admin
from shifts.services.messages import (
    ALREADY_CANCELLED,
    CANCEL_STARTED,
    DESCRIPTION_TOO_LONG,
    EDIT_CLAIMED,
    NO_CHANNEL,
    NOT_OWNER,
    NOTHING_TO_EDIT,
    OCCURRENCE_ALREADY_DROPPED,
    SAME_OCCURRENCE,
    SHIFT_CANCELLED,
    SHIFT_EXPIRED,
    SHIFT_NOT_FOUND,
    SHIFT_STARTED,
    SLOT_NOT_FOUND,
    START_IN_PAST,
    WRONG_CHANNEL,
)
from shifts.services.policy import check_duration, resolve_timezone
from shifts.signals import shift_changed

logger = logging.getLogger("guildhall.shifts")

DESCRIPTION_LIMIT = 1000
REASON_LIMIT = 500


# ---------------------------------------------------------------------------- helpers


def check_channel(*, channel_id: int | None, invoked_in_channel_id: int | None) -> None:
    """A Discord command names the channel it came from; when the guild has a shift channel,
    shift commands work there only."""
    if invoked_in_channel_id is not None and channel_id and invoked_in_channel_id != channel_id:
        raise ApplicationError(WRONG_CHANNEL, params={"channel": ChannelRef(channel_id)}, code="wrong_channel")


def _post_channel(channel_id: int | None) -> int:
    if not channel_id:
        raise ApplicationError(NO_CHANNEL, field="channel_id", code="no_channel")
    return channel_id


def _check_description(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > DESCRIPTION_LIMIT:
        raise ApplicationError(
            DESCRIPTION_TOO_LONG, params={"length": len(text), "limit": DESCRIPTION_LIMIT}, field="description"
        )
    return text


def _check_future(start_utc: datetime, *, now: datetime) -> None:
    if start_utc <= now:
        raise ApplicationError(START_IN_PAST, params={"start": start_utc}, field="start")


def bump(shift: Shift, change: str, *, fields: list[str], **extra) -> Shift:
    """Save a change with a new version (each re-render has its own outbox key) and send it."""
    shift.version += 1
    shift.save(update_fields=[*fields, "version", "updated_at"])
    shift_changed.send(sender=Shift, shift=shift, change=change, **extra)
    return shift


def locked_shift(*, guild_id: int, shift_id: int) -> Shift:
    """The shift, row-locked, refusing a missing one or one of another guild alike (an id in a
    custom_id is untrusted input, and must not reveal other guilds' shifts)."""
    shift = Shift.objects.select_for_update().filter(pk=shift_id, guild_id=guild_id).first()
    if shift is None:
        raise ApplicationError(SHIFT_NOT_FOUND, field="shift_id", code="not_found")
    return shift


def check_open(shift: Shift, *, now: datetime) -> None:
    if shift.cancelled:
        raise ApplicationError(SHIFT_CANCELLED, params={"shift_id": shift.pk}, code="cancelled")
    if shift.expired_at is not None:
        raise ApplicationError(SHIFT_EXPIRED, params={"shift_id": shift.pk}, code="expired")
    if shift.start_time_utc <= now:
        if shift.claimed_by is None:
            raise ApplicationError(SHIFT_EXPIRED, params={"shift_id": shift.pk}, code="expired")
        raise ApplicationError(SHIFT_STARTED, params={"shift_id": shift.pk}, code="started")


def _check_owner(shift: Shift, actor: Actor) -> None:
    if actor.is_admin:
        return
    if actor.user_id not in (shift.created_by, shift.assigned_user_id):
        raise ApplicationError(NOT_OWNER, code="permission_denied")


def _open_occurrence(*, guild_id: int, user_id: int, start_utc: datetime):
    """The shifts (at most one) that are not cancelled for this occurrence of a moderator's schedule."""
    return Shift.objects.filter(guild_id=guild_id, assigned_user_id=user_id, start_time_utc=start_utc, cancelled=False)


# ---------------------------------------------------------------------------- drop


@transaction.atomic
def shift_drop(
    *,
    guild_id: int,
    actor: Actor,
    start: str,
    duration: float,
    description: str = "",
    timezone: str | zoneinfo.ZoneInfo | None = None,
    channel_id: int | None = None,
    invoked_in_channel_id: int | None = None,
    guild_timezone: str | zoneinfo.ZoneInfo | None = None,
    now: datetime | None = None,
) -> Shift:
    """Drop a free-form shift starting at `start` ("YYYY-MM-DD HH:MM" in `timezone`, defaulted as
    in :func:`resolve_timezone`), posted in `channel_id` (the guild's shift channel). Sends
    `shift_changed(change="dropped")`."""
    now = now or dj_timezone.now()
    require_moderator(actor)
    check_channel(channel_id=channel_id, invoked_in_channel_id=invoked_in_channel_id)
    policy = policy_for(guild_id)
    zone = resolve_timezone(guild_id=guild_id, user_id=actor.user_id, timezone=timezone, guild_timezone=guild_timezone)
    start_utc = parse_local_datetime(start, zone)
    minutes = check_duration(policy, duration)
    text = _check_description(description)
    _check_future(start_utc, now=now)
    shift = Shift.objects.create(
        guild_id=guild_id,
        channel_id=_post_channel(channel_id),
        description=text,
        created_by=actor.user_id,
        start_time_utc=start_utc,
        duration_minutes=minutes,
        timezone=zone,
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
    zone with its wall time fixed across DST (config.timeutils' policy for gaps and folds).
    Moderators drop their own slots, admins anyone's. An occurrence is (guild, moderator, start
    instant) and has at most one shift that is not cancelled, even after its slot was removed and
    added again (a partial unique constraint backs the check, also under concurrent drops)."""
    now = now or dj_timezone.now()
    require_moderator(actor)
    owner = actor.user_id if user_id is None else user_id
    require_self_or_admin(actor, owner)
    check_channel(channel_id=channel_id, invoked_in_channel_id=invoked_in_channel_id)
    slot = ModSchedule.objects.filter(pk=slot_id, guild_id=guild_id, user_id=owner).first()
    if slot is None:
        raise ApplicationError(SLOT_NOT_FOUND, field="slot", code="not_found")
    text = _check_description(description)
    start_utc = next_weekly_occurrence(day_of_week=slot.day_of_week, clock=slot.clock, zone=slot.timezone, now=now)
    occurrence = _open_occurrence(guild_id=guild_id, user_id=owner, start_utc=start_utc)

    def refusal(shift_id) -> ApplicationError:
        return ApplicationError(
            OCCURRENCE_ALREADY_DROPPED,
            params={
                "day": DAY_NAMES[slot.day_of_week],
                "hh": slot.hour,
                "mm": slot.minute,
                "start": start_utc,
                "shift_id": shift_id,
            },
            field="slot",
            code="duplicate",
        )

    existing = occurrence.first()
    if existing is not None:
        raise refusal(existing.pk)
    try:
        with transaction.atomic():
            shift = Shift.objects.create(
                guild_id=guild_id,
                channel_id=_post_channel(channel_id),
                description=text,
                created_by=actor.user_id,
                assigned_user_id=owner,
                schedule=slot,
                start_time_utc=start_utc,
                duration_minutes=slot.duration_minutes,
                timezone=slot.timezone,
            )
    except IntegrityError:
        # A concurrent drop of the same occurrence committed first (the partial unique
        # constraint); name it, as the check above does.
        winner = occurrence.first()
        raise refusal(winner.pk if winner else "?") from None
    shift_changed.send(sender=Shift, shift=shift, change="dropped")
    return shift


# ---------------------------------------------------------------------------- edit and cancel


@transaction.atomic
def shift_edit(
    *,
    guild_id: int,
    actor: Actor,
    shift_id: int,
    start: str | None = None,
    duration: float | None = None,
    description: str | None = None,
    channel_id: int | None = None,
    invoked_in_channel_id: int | None = None,
    now: datetime | None = None,
) -> Shift:
    """Change an open (unclaimed, not started, not cancelled or expired) shift: its owner or an
    admin. `start` is read in the shift's zone. Sends `shift_changed(change="edited")`."""
    now = now or dj_timezone.now()
    check_channel(channel_id=channel_id, invoked_in_channel_id=invoked_in_channel_id)
    policy = policy_for(guild_id)
    shift = locked_shift(guild_id=guild_id, shift_id=shift_id)
    _check_owner(shift, actor)
    if start is None and duration is None and description is None:
        raise ApplicationError(NOTHING_TO_EDIT)
    if shift.claimed_by is not None and not shift.cancelled:
        raise ApplicationError(
            EDIT_CLAIMED, params={"shift_id": shift.pk, "user": UserRef(shift.claimed_by)}, code="claimed"
        )
    check_open(shift, now=now)
    fields = []
    if start is not None:
        start_utc = parse_local_datetime(start, shift.timezone)
        _check_future(start_utc, now=now)
        shift.start_time_utc, fields = start_utc, [*fields, "start_time_utc", "reminder_sent_at"]
        shift.reminder_sent_at = None
    if duration is not None:
        shift.duration_minutes, fields = check_duration(policy, duration), [*fields, "duration_minutes"]
    if description is not None:
        shift.description, fields = _check_description(description), [*fields, "description"]
    if shift.assigned_user_id is not None and "start_time_utc" in fields:
        # An occurrence is dropped once; moving onto another drop of it is refused by name.
        clash = (
            _open_occurrence(guild_id=guild_id, user_id=shift.assigned_user_id, start_utc=shift.start_time_utc)
            .exclude(pk=shift.pk)
            .first()
        )
        if clash is not None:
            raise ApplicationError(SAME_OCCURRENCE, params={"shift_id": clash.pk}, field="start", code="duplicate")
    return bump(shift, "edited", fields=fields)


@transaction.atomic
def shift_cancel(
    *,
    guild_id: int,
    actor: Actor,
    shift_id: int,
    reason: str = "",
    channel_id: int | None = None,
    invoked_in_channel_id: int | None = None,
    now: datetime | None = None,
) -> Shift:
    """Cancel a shift, claimed or not, before it starts: its owner or an admin. A shift whose start
    has passed is refused (an unclaimed one is expired; a claimed one keeps its claimer's hours).
    Sends `shift_changed(change="cancelled", previous_claimer=...)` so the people concerned are told."""
    now = now or dj_timezone.now()
    check_channel(channel_id=channel_id, invoked_in_channel_id=invoked_in_channel_id)
    shift = locked_shift(guild_id=guild_id, shift_id=shift_id)
    _check_owner(shift, actor)
    if shift.cancelled:
        raise ApplicationError(ALREADY_CANCELLED, params={"shift_id": shift.pk}, code="cancelled")
    if shift.expired_at is not None or (shift.claimed_by is None and shift.start_time_utc <= now):
        raise ApplicationError(SHIFT_EXPIRED, params={"shift_id": shift.pk}, code="expired")
    if shift.start_time_utc <= now:
        # Cancelling would erase the claimer's hours from the stats and the fairness cap.
        raise ApplicationError(
            CANCEL_STARTED, params={"shift_id": shift.pk, "start": shift.start_time_utc}, code="started"
        )
    reason = (reason or "").strip()
    if len(reason) > REASON_LIMIT:
        raise ApplicationError(
            DESCRIPTION_TOO_LONG, params={"length": len(reason), "limit": REASON_LIMIT}, field="reason"
        )
    shift.cancelled, shift.cancelled_by, shift.cancelled_at, shift.cancel_reason = True, actor.user_id, now, reason
    return bump(
        shift,
        "cancelled",
        fields=["cancelled", "cancelled_by", "cancelled_at", "cancel_reason"],
        previous_claimer=shift.claimed_by,
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
