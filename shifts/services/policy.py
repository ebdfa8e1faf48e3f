"""The guild's shift policy (fairness and duration numbers) and the defaults it implies."""

from __future__ import annotations

import math
import zoneinfo
from decimal import Decimal

from django.db import transaction

from config.exceptions import ApplicationError
from config.timeutils import zone_or_error
from scheduling.selectors import member_zone
from shifts.models import ShiftPolicy, hours_to_minutes
from shifts.services.messages import BAD_DURATION, DURATION_OUT_OF_POLICY

UTC_ZONE = zoneinfo.ZoneInfo("UTC")


@transaction.atomic
def policy_save(*, policy: ShiftPolicy) -> ShiftPolicy:
    """Validate (fields and constraints) and save a policy (the admin's form goes through here)."""
    policy.full_clean()
    policy.save()
    return policy


def check_duration(policy: ShiftPolicy, value, *, field: str = "duration") -> int:
    """`value` (hours) as whole minutes, rounded once, within the policy's limits (compared
    exactly: the limits are decimals of hours)."""
    try:
        hours = float(value)
    except (TypeError, ValueError):
        raise ApplicationError(BAD_DURATION, field=field) from None
    low, high = Decimal(policy.min_duration_hours), Decimal(policy.max_duration_hours)
    minutes = hours_to_minutes(hours) if math.isfinite(hours) else None
    if minutes is None or not low * 60 <= minutes <= high * 60:
        raise ApplicationError(
            DURATION_OUT_OF_POLICY,
            params={"low": float(low), "high": float(high), "value": hours if math.isfinite(hours) else 0},
            field=field,
        )
    return minutes


def resolve_timezone(
    *,
    guild_id: int,
    user_id: int,
    timezone: str | zoneinfo.ZoneInfo | None,
    guild_timezone: str | zoneinfo.ZoneInfo | None = None,
) -> zoneinfo.ZoneInfo:
    """The zone to use: the one given (checked), else the member's zone (set with `/timezone
    set` or `/session timezone`, read from `scheduling.selectors.member_zone`), else the guild's
    default zone (from the guild configuration, passed in by the caller), else UTC. `guild_id` is
    the guild the zone is used in (kept so every caller names it)."""
    if timezone:
        return zone_or_error(timezone)
    member = member_zone(user_id)
    if member is not None:
        return member
    if guild_timezone:
        return zone_or_error(guild_timezone)
    return UTC_ZONE
