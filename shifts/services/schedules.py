"""Moderators' weekly schedule slots: add, remove, clear, delete."""

from __future__ import annotations

import zoneinfo

from django.db import IntegrityError, transaction

from config.exceptions import ApplicationError, UserRef
from config.timeutils import DAY_NAMES, parse_clock
from shifts.models import ModSchedule
from shifts.selectors import policy_for
from shifts.services.actor import Actor, require_moderator, require_self_or_admin
from shifts.services.messages import BAD_DAY, NO_SUCH_SLOT, SLOT_EXISTS, SLOT_EXISTS_FOR, SLOT_NOT_FOUND
from shifts.services.policy import check_duration, resolve_timezone


def _check_day(day: int) -> int:
    if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
        raise ApplicationError(BAD_DAY, field="day")
    return day


@transaction.atomic
def schedule_add(
    *,
    guild_id: int,
    actor: Actor,
    user_id: int,
    day: int,
    time: str,
    timezone: str | zoneinfo.ZoneInfo | None = None,
    duration: float | None = None,
    guild_timezone: str | zoneinfo.ZoneInfo | None = None,
) -> ModSchedule:
    """Add a weekly slot for `user_id` (the actor's own, or anyone's for an admin). The zone
    defaults as in :func:`resolve_timezone`, the duration to the policy's default; a duplicate
    slot is refused, never duplicated (a unique constraint backs the check)."""
    require_moderator(actor)
    require_self_or_admin(actor, user_id)
    _check_day(day)
    clock = parse_clock(time)
    zone = resolve_timezone(guild_id=guild_id, user_id=user_id, timezone=timezone, guild_timezone=guild_timezone)
    policy = policy_for(guild_id)
    minutes = check_duration(policy, policy.default_duration_hours if duration is None else duration)
    try:
        with transaction.atomic():
            return ModSchedule.objects.create(
                guild_id=guild_id,
                user_id=user_id,
                day_of_week=day,
                hour=clock.hour,
                minute=clock.minute,
                timezone=zone,
                duration_minutes=minutes,
            )
    except IntegrityError:
        own = user_id == actor.user_id
        raise ApplicationError(
            SLOT_EXISTS if own else SLOT_EXISTS_FOR,
            params={
                "day": DAY_NAMES[day],
                "hh": clock.hour,
                "mm": clock.minute,
                **({} if own else {"user": UserRef(user_id)}),
            },
            field="time",
            code="duplicate",
        ) from None


@transaction.atomic
def schedule_remove(*, guild_id: int, actor: Actor, user_id: int, day: int, time: str) -> ModSchedule:
    """Remove one slot of `user_id` (own, or anyone's for an admin) and return it (unsaved).
    Shifts already dropped from it stay (they lose the link to the slot)."""
    require_moderator(actor)
    require_self_or_admin(actor, user_id)
    _check_day(day)
    clock = parse_clock(time)
    slot = (
        ModSchedule.objects.select_for_update()
        .filter(guild_id=guild_id, user_id=user_id, day_of_week=day, hour=clock.hour, minute=clock.minute)
        .first()
    )
    if slot is None:
        raise ApplicationError(
            NO_SUCH_SLOT, params={"day": DAY_NAMES[day], "hh": clock.hour, "mm": clock.minute}, field="time"
        )
    slot.delete()
    return slot


@transaction.atomic
def schedule_clear(*, guild_id: int, actor: Actor, user_id: int) -> int:
    """Remove every slot of `user_id` (own for moderators, anyone's for admins); returns how many."""
    require_moderator(actor)
    require_self_or_admin(actor, user_id)
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
    require_moderator(actor)
    require_self_or_admin(actor, slot.user_id)
    slot.delete()
