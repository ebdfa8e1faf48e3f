"""The time layer: zones, wall times typed by people, weekly recurrences and local weeks.

Every app reads and converts local time through these helpers, so there is one DST policy:

* **Instants are UTC.** Recurring things are defined as a local wall time in an IANA zone and
  converted with ``zoneinfo`` when needed, so DST moves the UTC instant, never the wall time.
* **A one-off date-time typed by a person** (``parse_local_datetime``): a wall time the clocks
  skip (spring forward, 02:30 on 2026-03-08 in America/New_York) is **refused** with a message
  naming the gap, because the person meant something that cannot happen; a wall time that happens
  twice (fall back, 01:30 on 2026-11-01 in America/New_York) is the **first** one (fold=0, still
  summer time).
* **A recurring wall time** (``wall_instant``, ``next_weekly_occurrence``): a time in the gap is
  **shifted** forward by the gap's length (02:30 becomes 03:30 summer time, as calendar apps do;
  this is zoneinfo's fold=0 reading); a time that happens twice is the **first** one.
* **A local day or week** starts at local midnight; where midnight itself is skipped (zones that
  change at 00:00) the day starts at the instant the clocks jump, and where it happens twice, at
  the first one. A week starts on Monday and lasts 168 hours, less or more by the DST shift in
  the weeks the clocks change (167 and 169 hours in most zones, 167.5 and 168.5 at Lord Howe).
* **Zones** are canonical IANA names (``Region/City`` under a geographic area, ``Etc/…`` and
  ``UTC``); legacy names (``US/Eastern`` → America/New_York), abbreviations (``EST`` →
  America/New_York) and files that are not zones (``localtime`` and ``Factory`` → UTC,
  ``posixrules``) are refused with a "did you mean" suggestion, as are typos
  (``Europe/Berln``).
  Matching ignores case and spaces: ``europe/berlin`` and ``America/New York`` are accepted as
  ``Europe/Berlin`` and ``America/New_York``.

Refusals are :class:`~config.exceptions.ApplicationError` with the message constants below, so
the API answers them as 400s and Discord as ephemeral replies.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path

from config.exceptions import ApplicationError

# Messages people see; tests assert them.
UNKNOWN_ZONE = "{zone!r} is not an IANA time zone (for example Europe/Berlin or America/New_York)."
UNKNOWN_ZONE_SUGGEST = "{zone!r} is not an IANA time zone. Did you mean {suggestion}?"
BAD_CLOCK_TIME = "{value!r} is not a time of day; write it as HH:MM on a 24-hour clock, for example 18:30."
BAD_LOCAL_DATETIME = "{value!r} is not a date and time; write it as YYYY-MM-DD HH:MM, for example 2026-03-14 18:30."
NONEXISTENT_LOCAL = (
    "{value} does not exist in {zone}: the clocks skip that hour for daylight saving time. Pick another time."
)
BAD_DAY = "{value!r} is not a day of the week; use a name (Monday, mon) or a number from 0 (Monday) to 6 (Sunday)."

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_CHOICES = tuple(enumerate(DAY_NAMES))

# Areas of the IANA database whose zones are places (or Etc/ offsets); everything else at the
# top level is a legacy alias, an abbreviation or not a zone at all.
CANONICAL_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific", "Etc"}
)
TZDATA_LINKS = Path("/usr/share/zoneinfo/tzdata.zi")
# What people mean by names the tz database does not link to a place: files in the zone folder
# that are not zones, and the North American abbreviations (the database links EST to Panama,
# which has no DST; a person typing EST means the US East Coast).
NAME_SUGGESTIONS = {
    "localtime": "UTC",
    "factory": "UTC",
    "posixrules": "America/New_York",
    "est": "America/New_York",
    "edt": "America/New_York",
    "est5edt": "America/New_York",
    "cst6cdt": "America/Chicago",
    "mst7mdt": "America/Denver",
    "pst8pdt": "America/Los_Angeles",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "mdt": "America/Denver",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "akst": "America/Anchorage",
    "akdt": "America/Anchorage",
}

# ASCII digits only: \d would also take Arabic-Indic or full-width digits.
_CLOCK_RE = re.compile(r"\s*([0-9]{1,2}):([0-9]{2})\s*")
_LOCAL_DATETIME_RE = re.compile(r"\s*([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]([0-9]{1,2}):([0-9]{2})\s*")


# ---------------------------------------------------------------------------- zones


@lru_cache(maxsize=1)
def canonical_zones() -> tuple[str, ...]:
    """Every zone name people may choose, sorted."""
    names = {
        name
        for name in zoneinfo.available_timezones()
        if name.split("/", 1)[0] in CANONICAL_AREAS and "/" in name and not name.startswith("posix")
    }
    names.add("UTC")
    return tuple(sorted(names))


@lru_cache(maxsize=1)
def _by_folded_name() -> dict[str, str]:
    return {_fold(name): name for name in canonical_zones()}


@lru_cache(maxsize=1)
def _legacy_links() -> dict[str, str]:
    """Legacy alias → canonical zone ("US/Eastern" → "America/New_York"), from the tz database's
    link lines: the system's copy first, then the ``tzdata`` package's (a machine without
    /usr/share/zoneinfo still answers "did you mean")."""
    links: dict[str, str] = {}
    for text in _tzdata_sources():
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == "L":
                links.setdefault(_fold(parts[2]), parts[1])
    return links


def _tzdata_sources() -> list[str]:
    texts = []
    with contextlib.suppress(OSError):
        texts.append(TZDATA_LINKS.read_text())
    with contextlib.suppress(ModuleNotFoundError, OSError):
        texts.append(resources.files("tzdata").joinpath("zoneinfo", "tzdata.zi").read_text())
    return texts


def _fold(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def zone_suggestion(name: str) -> str | None:
    """The canonical zone a person most likely meant by `name`, or None."""
    folded = _fold(name or "")
    if not folded:
        return None
    target = NAME_SUGGESTIONS.get(folded) or _legacy_links().get(folded)
    if target in canonical_zones():
        return target
    by_folded = _by_folded_name()
    close = difflib.get_close_matches(folded, list(by_folded), n=1, cutoff=0.6)
    if close:
        return by_folded[close[0]]
    # "berlin" → "Europe/Berlin": a city typed alone.
    for key, zone in by_folded.items():
        if key.rsplit("/", 1)[-1] == folded:
            return zone
    contained = [zone for key, zone in by_folded.items() if folded in key]
    return contained[0] if contained else None


def canonical_zone_name(name: object) -> str | None:
    """The canonical spelling of `name` ("europe/berlin" → "Europe/Berlin"), or None if it is not one."""
    if isinstance(name, zoneinfo.ZoneInfo):
        name = name.key
    return _by_folded_name().get(_fold(str(name or "")))


def zone_error_message(name: object) -> str:
    """The refusal for a name that is not a canonical zone, with a suggestion when there is one."""
    text = str(name or "").strip()[:64]
    suggestion = zone_suggestion(text)
    if suggestion:
        return UNKNOWN_ZONE_SUGGEST.format(zone=text, suggestion=suggestion)
    return UNKNOWN_ZONE.format(zone=text)


# Probe instants at which a legacy alias and the zone it suggests must agree to be the same zone.
_SAME_RULES_PROBES = tuple(
    datetime(year, month, 15, tzinfo=UTC) for year in (2000, 2026, 2027) for month in (1, 4, 7, 10)
)
NOT_ZONES = frozenset({"localtime", "posixrules", "factory"})


def stored_zone_name(name: object) -> str:
    """What a zone name stored before zones were restricted becomes: its canonical spelling
    ("europe/berlin" → "Europe/Berlin"); for a legacy alias, the zone it names when both keep the
    same offsets ("US/Eastern" → "America/New_York"); anything else, including files that are not
    zones (``localtime``, ``posixrules``, ``Factory``), "UTC". Data migrations use this."""
    text = str(name or "").strip()
    canonical = canonical_zone_name(text)
    if canonical is not None:
        return canonical
    if _fold(text) in NOT_ZONES:
        return "UTC"
    try:
        stored = zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return "UTC"
    suggestion = zone_suggestion(text)
    if suggestion is None:
        return "UTC"
    suggested = zoneinfo.ZoneInfo(suggestion)
    same = all(
        stored.utcoffset(p.replace(tzinfo=None)) == suggested.utcoffset(p.replace(tzinfo=None))
        for p in _SAME_RULES_PROBES
    )
    return suggestion if same else "UTC"


def zone_or_error(name: object, *, field: str = "timezone") -> zoneinfo.ZoneInfo:
    """The zone named `name` (any case; a ZoneInfo is returned as is when canonical).
    ApplicationError with a suggestion when it is not a canonical IANA zone."""
    canonical = canonical_zone_name(name)
    if canonical is None:
        raise ApplicationError(zone_error_message(name), field=field, code="invalid_timezone")
    return zoneinfo.ZoneInfo(canonical)


def zone_choices(query: str, *, limit: int = 25) -> list[str]:
    """Zones for an autocomplete: those whose name contains every word typed, best matches first
    (name starts with the query, then the city starts with it, then anywhere)."""
    words = [word for word in re.split(r"[\s/_]+", (query or "").strip().lower()) if word]
    if not words:
        return ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago",
                "America/Los_Angeles", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney"][:limit]  # fmt: skip
    folded = (query or "").strip().lower().replace(" ", "_")

    def rank(zone: str) -> tuple[int, str]:
        lower = zone.lower()
        if lower.startswith(folded):
            return (0, zone)
        if lower.rsplit("/", 1)[-1].startswith(words[-1]):
            return (1, zone)
        return (2, zone)

    found = [zone for zone in canonical_zones() if all(word in zone.lower() for word in words)]
    return sorted(found, key=rank)[:limit]


# ---------------------------------------------------------------------------- parsing what people type


def parse_clock(value: object, *, field: str = "time") -> time:
    """A time of day from "HH:MM" (24-hour clock)."""
    match = _CLOCK_RE.fullmatch(str(value or ""))
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ApplicationError(BAD_CLOCK_TIME.format(value=str(value or "")[:32]), field=field)
    return time(int(match[1]), int(match[2]))


def exists_locally(local: datetime) -> bool:
    """False for a wall time inside a DST gap (it does not survive the round trip through UTC)."""
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def parse_local_datetime(value: object, zone: zoneinfo.ZoneInfo, *, field: str = "start") -> datetime:
    """The UTC instant of "YYYY-MM-DD HH:MM" typed in `zone`: a wall time in a DST gap is refused,
    one that happens twice is the first."""
    text = str(value or "")
    match = _LOCAL_DATETIME_RE.fullmatch(text)
    if not match:
        raise ApplicationError(BAD_LOCAL_DATETIME.format(value=text[:32]), field=field)
    try:
        local = datetime(*(int(part) for part in match.groups()), tzinfo=zone, fold=0)
        local.astimezone(UTC)  # years at the edge of the calendar overflow here
    except (ValueError, OverflowError):
        raise ApplicationError(BAD_LOCAL_DATETIME.format(value=text[:32]), field=field) from None
    if not exists_locally(local):
        raise ApplicationError(
            NONEXISTENT_LOCAL.format(value=local.strftime("%Y-%m-%d %H:%M"), zone=zone.key), field=field
        )
    return local.astimezone(UTC)


def parse_day(value: object, *, field: str = "day") -> int:
    """A weekday number (0 = Monday) from a number or an English name or prefix ("mon", "Tuesday")."""
    text = str(value if value is not None else "").strip().lower()
    if re.fullmatch(r"[0-9]+", text) and int(text) <= 6:
        return int(text)
    if len(text) >= 2:
        matches = [index for index, name in enumerate(DAY_NAMES) if name.lower().startswith(text)]
        if len(matches) == 1:
            return matches[0]
    raise ApplicationError(BAD_DAY.format(value=str(value if value is not None else "")[:32]), field=field)


def day_name(day_of_week: int) -> str:
    return DAY_NAMES[day_of_week]


# ---------------------------------------------------------------------------- recurrences


def wall_instant(day: date, clock: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant of a recurring wall time on `day` (gap: shifted forward; fold: first)."""
    return datetime.combine(day, clock).replace(tzinfo=zone, fold=0).astimezone(UTC)


def next_weekly_occurrence(*, day_of_week: int, clock: time, zone: zoneinfo.ZoneInfo, now: datetime) -> datetime:
    """The first UTC instant strictly after `now` at which the weekly wall time (weekday and time
    of day in `zone`) happens."""
    return next_occurrence_on_days(days=(day_of_week,), clock=clock, zone=zone, now=now)


def next_occurrence_on_days(*, days: Iterable[int], clock: time, zone: zoneinfo.ZoneInfo, now: datetime) -> datetime:
    """The first UTC instant strictly after `now` at which `clock` (local to `zone`) happens on one
    of the weekdays `days` (0 = Monday); gap shifted, fold first, as :func:`wall_instant`."""
    wanted = frozenset(days)
    if not wanted:
        raise ValueError("give at least one weekday")
    local_today = now.astimezone(zone).date()
    # Start a day early: a shifted (gap) occurrence can land after the local day it belongs to.
    for ahead in range(-1, 8):
        day = local_today + timedelta(days=ahead)
        if day.weekday() not in wanted:
            continue
        instant = wall_instant(day, clock, zone)
        if instant > now:
            return instant
    raise AssertionError("a weekly wall time always occurs within 8 days")


# ---------------------------------------------------------------------------- days and weeks


def local_midnight(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant at which `day` begins in `zone` (skipped midnight: the jump; doubled: the first)."""
    naive = datetime.combine(day, time(0))
    as_utc = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) == naive:
        return as_utc
    # Midnight is in a gap: the day starts at the earliest instant whose local date is `day`.
    candidate = as_utc
    while (candidate - timedelta(minutes=1)).astimezone(zone).date() == day:
        candidate -= timedelta(minutes=1)
    while candidate.astimezone(zone).date() != day:
        candidate += timedelta(minutes=1)
    return candidate


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Week:
    """A local week: Monday 00:00 to the next Monday 00:00 in `zone`, as UTC instants."""

    start_date: date  # the Monday
    starts_at: datetime  # UTC instant of Monday 00:00 local
    ends_at: datetime  # UTC instant of the next Monday 00:00 local (exclusive)
    zone: zoneinfo.ZoneInfo

    @property
    def timezone(self) -> str:
        return self.zone.key

    @property
    def end_date(self) -> date:
        """The Sunday the week ends on."""
        return self.start_date + timedelta(days=6)

    def contains(self, instant: datetime) -> bool:
        return self.starts_at <= instant < self.ends_at


def week_starting(start_date: date, zone: zoneinfo.ZoneInfo) -> Week:
    """The week that starts on `start_date` (any date is moved back to its Monday)."""
    monday = monday_of(start_date)
    return Week(
        start_date=monday,
        starts_at=local_midnight(monday, zone),
        ends_at=local_midnight(monday + timedelta(days=7), zone),
        zone=zone,
    )


def week_containing(instant: datetime, zone: zoneinfo.ZoneInfo) -> Week:
    """The local week in `zone` that `instant` falls in."""
    return week_starting(instant.astimezone(zone).date(), zone)


def local_today(zone: zoneinfo.ZoneInfo, *, now: datetime) -> date:
    return now.astimezone(zone).date()
