"""Wall time in an IANA zone ↔ UTC instants, with the DST decisions of docs/shifts.md.

- A recurring slot keeps its local wall time: DST moves the UTC instant, never the local time.
- A slot time that does not exist that day (spring forward, e.g. 02:30 on 2026-03-08 in
  America/New_York) falls at the same instant as "02:30 before the change", which the clock shows
  as 03:30 (the gap's length later), the way calendar apps move it. zoneinfo does this for fold=0.
- A slot time that exists twice (fall back, e.g. 01:30 on 2026-11-01 in America/New_York) is the
  first one (fold=0, still daylight time).
- A one-off start typed by a person that does not exist is refused (the person meant something
  that cannot happen, so we ask); one that exists twice is the first.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from config.exceptions import ApplicationError

UNKNOWN_ZONE = "{zone!r} is not an IANA time zone (for example Europe/Berlin or America/New_York)."
UNKNOWN_ZONE_SUGGEST = "{zone!r} is not an IANA time zone. Did you mean {suggestion}?"
BAD_CLOCK_TIME = "{value!r} is not a time of day; write it as HH:MM on a 24-hour clock, for example 18:30."
BAD_START = "{value!r} is not a start; write it as YYYY-MM-DD HH:MM, for example 2026-03-14 18:30."
NONEXISTENT_LOCAL = (
    "{value} does not exist in {zone}: the clocks skip that hour for daylight saving time. Pick another time."
)

_CLOCK_RE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*")
_START_RE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})\s*")


@lru_cache(maxsize=1)
def all_zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def zone_or_error(name: str, *, field: str = "timezone") -> zoneinfo.ZoneInfo:
    """The zone named `name`; ApplicationError with a suggestion when it is not one."""
    name = (name or "").strip()
    # A zone that fails to load is answered like an unknown one, with a suggestion.
    with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
        if name and name in all_zones() or name == "UTC":
            return zoneinfo.ZoneInfo(name)
    by_lower = {zone.lower(): zone for zone in all_zones()}
    if name.lower() in by_lower:
        suggestion = by_lower[name.lower()]
    else:
        close = difflib.get_close_matches(name, all_zones(), n=1, cutoff=0.6)
        if not close:
            close = [z for z in all_zones() if name and name.lower().replace(" ", "_") in z.lower()][:1]
        suggestion = close[0] if close else None
    if suggestion:
        raise ApplicationError(UNKNOWN_ZONE_SUGGEST.format(zone=name, suggestion=suggestion), field=field)
    raise ApplicationError(UNKNOWN_ZONE.format(zone=name), field=field)


def parse_clock(value: str, *, field: str = "time") -> tuple[int, int]:
    """(hour, minute) from "HH:MM"."""
    match = _CLOCK_RE.fullmatch(value or "")
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ApplicationError(BAD_CLOCK_TIME.format(value=value), field=field)
    return int(match[1]), int(match[2])


def exists_locally(local: datetime) -> bool:
    """False for a wall time inside a DST gap (it does not round-trip through UTC)."""
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def parse_local_start(value: str, zone: zoneinfo.ZoneInfo, *, field: str = "start") -> datetime:
    """The UTC instant of "YYYY-MM-DD HH:MM" in `zone`. A nonexistent wall time is refused; an
    ambiguous one is its first occurrence."""
    match = _START_RE.fullmatch(value or "")
    if not match:
        raise ApplicationError(BAD_START.format(value=value), field=field)
    try:
        local = datetime(int(match[1]), int(match[2]), int(match[3]), int(match[4]), int(match[5]), tzinfo=zone)
    except ValueError:
        raise ApplicationError(BAD_START.format(value=value), field=field) from None
    if not exists_locally(local):
        raise ApplicationError(NONEXISTENT_LOCAL.format(value=value.strip(), zone=zone.key), field=field)
    return local.astimezone(UTC)


def slot_instant(day: date, hour: int, minute: int, zone: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant of a slot's wall time on `day` (gap: shifted forward by the gap; fold: first)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone, fold=0).astimezone(UTC)


def next_occurrence(*, day_of_week: int, hour: int, minute: int, zone: zoneinfo.ZoneInfo, now: datetime) -> datetime:
    """The first instant strictly after `now` at which the weekly slot (weekday and wall time in
    `zone`) happens, as UTC."""
    local_today = now.astimezone(zone).date()
    for ahead in range(8):
        day = local_today + timedelta(days=ahead)
        if day.weekday() != day_of_week:
            continue
        instant = slot_instant(day, hour, minute, zone)
        if instant > now:
            return instant
    raise AssertionError("a weekly slot always occurs within 8 days")
