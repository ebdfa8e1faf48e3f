"""Weeks in a user's zone: they start on Monday 00:00 local time.

Instants are UTC; a week is a local calendar thing, so its length in hours changes when the zone
changes its offset inside it (167 or 169 hours). Local midnight that does not exist (a zone whose
clocks jump at 00:00) starts the week at the instant the clocks jump; local midnight that exists
twice starts it at the first occurrence.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True)
class Week:
    start_date: date  # the Monday
    starts_at: datetime  # UTC instant of Monday 00:00 local
    ends_at: datetime  # UTC instant of the next Monday 00:00 local (exclusive)
    timezone: str

    @property
    def end_date(self) -> date:
        """The Sunday the week ends on."""
        return self.start_date + timedelta(days=6)

    def contains(self, instant: datetime) -> bool:
        return self.starts_at <= instant < self.ends_at


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_midnight(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant at which `day` begins in `zone` (see the module docstring for gaps and folds)."""
    naive = datetime.combine(day, time(0))
    first = naive.replace(tzinfo=zone, fold=0)
    # A local time in a gap round-trips to a different wall time; fold=0 then carries the offset
    # from before the jump, which lands exactly on the jump's instant or after it, so take the
    # earliest instant at which the local date is `day`.
    as_utc = first.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != naive:
        # Walk back to the jump: the earliest UTC minute whose local date is `day`.
        candidate = as_utc
        while (candidate - timedelta(minutes=1)).astimezone(zone).date() == day:
            candidate -= timedelta(minutes=1)
        while candidate.astimezone(zone).date() != day:
            candidate += timedelta(minutes=1)
        return candidate
    return as_utc


def week_containing(instant: datetime, timezone: str) -> Week:
    """The week (in `timezone`) that `instant` falls in."""
    zone = zoneinfo.ZoneInfo(timezone)
    return week_starting(monday_of(instant.astimezone(zone).date()), timezone)


def week_starting(start_date: date, timezone: str) -> Week:
    """The week that starts on `start_date` (any date is moved back to its Monday)."""
    zone = zoneinfo.ZoneInfo(timezone)
    monday = monday_of(start_date)
    return Week(
        start_date=monday,
        starts_at=local_midnight(monday, zone),
        ends_at=local_midnight(monday + timedelta(days=7), zone),
        timezone=timezone,
    )
