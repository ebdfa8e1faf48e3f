"""A member's time zone: the one stored value (`MemberZone`) every feature reads."""

from __future__ import annotations

import zoneinfo

from django.db import transaction

from config.timeutils import zone_or_error
from scheduling.models import MemberZone


@transaction.atomic
def member_zone_set(*, user_id: int, zone: str | zoneinfo.ZoneInfo, field: str = "timezone") -> zoneinfo.ZoneInfo:
    """Set a member's zone for every feature (availability, time tracking's weeks, shift
    defaults): a canonical IANA name in any case, stored in its canonical spelling; refused with a
    "did you mean" (naming `field`) otherwise. One upsert, so two concurrent first writes of the
    same member cannot collide; the last one wins."""
    checked = zone_or_error(zone, field=field)
    MemberZone.objects.bulk_create(
        [MemberZone(discord_user_id=user_id, timezone=checked)],
        update_conflicts=True,
        unique_fields=["discord_user_id"],
        update_fields=["timezone", "updated_at"],
    )
    return checked


@transaction.atomic
def member_zone_ensure(*, user_id: int, zone: str | zoneinfo.ZoneInfo | None) -> None:
    """Give a member `zone` (checked) when they have none yet; a stored zone is never replaced
    (it is the member's own choice). Used when a new player comes with the guild's zone."""
    if zone is None:
        return
    checked = zone_or_error(zone)
    MemberZone.objects.bulk_create([MemberZone(discord_user_id=user_id, timezone=checked)], ignore_conflicts=True)
