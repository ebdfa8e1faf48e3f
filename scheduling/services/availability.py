"""Availability windows: parsing what people type (shared by the API, Discord and the admin, so
they refuse the same inputs) and setting, replacing and clearing a player's weekly windows."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal, InvalidOperation

from django.db import transaction

from config import timeutils
from config.exceptions import ApplicationError
from scheduling.models import Player, PlayerAvailability
from scheduling.services.zones import member_zone_set

BAD_HOURS = "The hours must be more than 0 and at most 16, with at most one decimal (for example 2.5)."
DUPLICATE_DAY = "Day {day} is given twice; give each day at most once."


def parse_day(value: object) -> int:
    """A weekday (0 = Monday) from a number or a day name; the time layer's rule and message."""
    if isinstance(value, bool):
        value = str(value)
    return timeutils.parse_day(value, field="day_of_week")


def parse_time_of_day(value: object) -> dt.time:
    """A wall time from a `datetime.time` or an "HH:MM" string (00:00 to 23:59)."""
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    return timeutils.parse_clock(value, field="earliest_start")


def parse_hours(value: object) -> Decimal:
    if isinstance(value, bool):
        raise ApplicationError(BAD_HOURS, field="available_hours")
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(BAD_HOURS, field="available_hours") from None
    if not hours.is_finite() or hours <= 0 or hours > 16 or hours != hours.quantize(Decimal("0.1")):
        raise ApplicationError(BAD_HOURS, field="available_hours")
    return hours.quantize(Decimal("0.1"))


@transaction.atomic
def availability_set(
    *, player: Player, day_of_week: object, earliest_start: object, available_hours: object
) -> PlayerAvailability:
    """Set (insert or replace) the player's window for one weekday. Validates before writing;
    a concurrent set of the same day ends with one row (the upsert is one statement)."""
    day = parse_day(day_of_week)
    start = parse_time_of_day(earliest_start)
    hours = parse_hours(available_hours)
    row, _ = PlayerAvailability.objects.update_or_create(
        player=player, day_of_week=day, defaults={"earliest_start": start, "available_hours": hours}
    )
    return row


@transaction.atomic
def availability_set_week(
    *, player: Player, days: list[dict], timezone: str | zoneinfo.ZoneInfo | None = None
) -> list[PlayerAvailability]:
    """Replace the player's whole week (and optionally the member's zone, for every feature) in one transaction: the days
    given are set, days not given are cleared. Every entry is validated first; one bad entry
    refuses the whole request and writes nothing. Errors name the entry, e.g. `days[2].day_of_week`."""
    parsed = []
    seen = set()
    for index, entry in enumerate(days):
        try:
            day = parse_day(entry.get("day_of_week"))
            start = parse_time_of_day(entry.get("earliest_start"))
            hours = parse_hours(entry.get("available_hours"))
        except ApplicationError as error:
            raise ApplicationError(
                error.template, params=error.params, field=f"days[{index}].{error.field}", code=error.code
            ) from None
        if day in seen:
            raise ApplicationError(DUPLICATE_DAY.format(day=day), field=f"days[{index}].day_of_week")
        seen.add(day)
        parsed.append((day, start, hours))
    zone = timeutils.zone_or_error(timezone) if timezone is not None else None
    player = Player.objects.select_for_update().get(pk=player.pk)
    if zone is not None and zone != player.timezone:
        player.__dict__["member_timezone"] = member_zone_set(user_id=player.discord_user_id, zone=zone)
    PlayerAvailability.objects.filter(player=player).exclude(day_of_week__in=seen).delete()
    rows = [availability_set(player=player, day_of_week=d, earliest_start=s, available_hours=h) for d, s, h in parsed]
    return sorted(rows, key=lambda row: row.day_of_week)


@transaction.atomic
def availability_clear(*, player: Player, day_of_week: object = None) -> int:
    """Remove the player's window for one day, or every day when `day_of_week` is None; returns
    how many windows were removed."""
    rows = PlayerAvailability.objects.filter(player=player)
    if day_of_week is not None:
        rows = rows.filter(day_of_week=parse_day(day_of_week))
    deleted, _ = rows.delete()
    return deleted
