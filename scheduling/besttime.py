"""The best raid time: score every candidate start on a UTC grid by the rank weights of the
players whose availability covers the whole slot.

Pure computation over plain values (no database), so the oracle test and the benchmark call it
directly; `scheduling.selectors.best_raid_times` loads a guild's roster and calls it.

Semantics (docs/scheduling.md):
- A window is `earliest_start` wall time on a local date whose weekday is `day_of_week`, in the
  player's zone on that date, lasting `available_hours` of elapsed time (so it may run past
  midnight into the next day). A start in a spring-forward gap is read with the offset before the
  gap (zoneinfo's fold=0: 02:30 becomes 03:30 summer time); an ambiguous fall-back start is its
  first occurrence (fold=0).
- A player's windows are joined where they touch or overlap; the player covers a slot when one
  joined stretch contains all of [start, start + length).
- Score = sum of the covering players' weights. Weight-0 players never change a score; they are
  still listed as in or missing and counted in the head count, which breaks ties (then the
  earlier start wins).

Algorithm: each player's windows are turned into UTC intervals once; each interval adds its
weight to the contiguous run of grid starts it covers via a difference array; one prefix sum
gives every slot's score and head count. O(players × windows + slots), then the top slots'
rosters are read off the intervals with a binary search per player.
"""

from __future__ import annotations

import datetime as dt
import heapq
import zoneinfo
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import NamedTuple

from config.timeutils import local_midnight, wall_instant
from scheduling.reference_data import OFFICER_LEVEL

UTC = dt.UTC


class Window(NamedTuple):
    """A weekly availability window. A named tuple, not a dataclass: a roster holds thousands and
    builds them at every request, and a tuple is cheaper to make and to collect."""

    day_of_week: int  # 0 = Monday
    earliest_start: dt.time
    hours: float


@dataclass(frozen=True)
class RosterEntry:
    player_id: int
    name: str  # the display name; may be empty
    weight: int
    zone: zoneinfo.ZoneInfo
    windows: tuple[Window, ...]
    discord_user_id: int = 0
    rank_level: int = 0  # the rank's level: officers are OFFICER_LEVEL and up (scheduling.reference_data)


@dataclass
class Slot:
    start: dt.datetime
    end: dt.datetime
    score: int
    head_count: int
    present: list[RosterEntry] = field(default_factory=list)  # heaviest first
    missing: list[RosterEntry] = field(default_factory=list)  # heaviest first

    @property
    def missing_count(self) -> int:
        return len(self.missing)

    @property
    def missing_officers(self) -> list[RosterEntry]:
        """The missing players of rank Officer or higher, heaviest first."""
        return [entry for entry in self.missing if entry.rank_level >= OFFICER_LEVEL]


class LocalDays:
    """The local dates `first_day`..`last_day` of one zone, by weekday, each with the UTC second of
    its local midnight when the whole local day keeps one UTC offset (then a wall time on it is
    that midnight plus the time of day: no `zoneinfo` call per window), else None (a day with a
    clock change: its wall times go through `wall_instant`, gap and fold rules included).

    A day keeps one offset when it lasts 24 hours from midnight to midnight and its noon is 12
    hours after midnight; a day with a change but no net change (two changes undoing each other
    within one day) has never been in the tz database, and the oracle tests would catch it."""

    def __init__(self, zone: zoneinfo.ZoneInfo, first_day: dt.date, last_day: dt.date):
        self.by_weekday: dict[int, list[tuple[dt.date, int | None]]] = {}
        one_day = dt.timedelta(days=1)
        day = first_day
        midnight = int(wall_instant(day, dt.time(0), zone).timestamp())
        while day <= last_day:
            following = day + one_day
            next_midnight = int(wall_instant(following, dt.time(0), zone).timestamp())
            steady = (
                next_midnight - midnight == 86_400
                and int(wall_instant(day, dt.time(12), zone).timestamp()) - midnight == 43_200
            )
            self.by_weekday.setdefault(day.weekday(), []).append((day, midnight if steady else None))
            day, midnight = following, next_midnight


def window_intervals(
    entry: RosterEntry, first_day: dt.date, last_day: dt.date, days: LocalDays | None = None
) -> list[tuple[int, int]]:
    """The player's windows starting on local dates first_day..last_day, as joined, sorted UTC
    intervals in whole minutes since the epoch. `days` are the dates in the player's zone (built
    here when not given; a sweep shares one per zone)."""
    zone = entry.zone
    if days is None:
        days = LocalDays(zone, first_day, last_day)
    raw: list[tuple[int, int]] = []
    for day_of_week, clock, hours in entry.windows:
        second_of_day = clock.hour * 3600 + clock.minute * 60 + clock.second
        minutes = round(hours * 60)
        for day, midnight in days.by_weekday.get(day_of_week, ()):
            if midnight is None:
                start = int(wall_instant(day, clock, zone).timestamp()) // 60
            else:
                start = (midnight + second_of_day) // 60
            raw.append((start, start + minutes))
    raw.sort()
    joined: list[tuple[int, int]] = []
    for start, end in raw:
        if joined and start <= joined[-1][1]:
            if end > joined[-1][1]:
                joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _sweep(
    roster: list[RosterEntry], *, starts: list[int], length_min: int
) -> tuple[list[int], list[int], list[list[tuple[int, int]]]]:
    """Score and head count of a slot of `length_min` minutes at each of `starts` (sorted UTC
    minutes), and each player's joined UTC intervals."""
    if not starts:
        return [], [], [[] for _ in roster]
    first_day = dt.datetime.fromtimestamp(starts[0] * 60, UTC).date() - dt.timedelta(days=2)
    last_day = dt.datetime.fromtimestamp(starts[-1] * 60, UTC).date() + dt.timedelta(days=1)
    slots = len(starts)
    score_diff = [0] * (slots + 1)
    count_diff = [0] * (slots + 1)
    intervals: list[list[tuple[int, int]]] = []
    days_of: dict[zoneinfo.ZoneInfo, LocalDays] = {}
    for entry in roster:
        days = days_of.get(entry.zone)
        if days is None:
            days = days_of[entry.zone] = LocalDays(entry.zone, first_day, last_day)
        joined = window_intervals(entry, first_day, last_day, days)
        intervals.append(joined)
        weight = entry.weight
        for start, end in joined:
            # The starts t with start <= t and t + length <= end are a contiguous run.
            low = bisect_left(starts, start)
            high = bisect_right(starts, end - length_min) - 1
            if low > high:
                continue
            score_diff[low] += weight
            score_diff[high + 1] -= weight
            count_diff[low] += 1
            count_diff[high + 1] -= 1
    scores, counts = [0] * slots, [0] * slots
    score = count = 0
    for index in range(slots):
        score += score_diff[index]
        count += count_diff[index]
        scores[index], counts[index] = score, count
    return scores, counts, intervals


def find_best_slots(
    roster: list[RosterEntry],
    *,
    range_start: dt.datetime,
    range_end: dt.datetime,
    length: dt.timedelta = dt.timedelta(hours=2),
    grid: dt.timedelta = dt.timedelta(minutes=30),
    top: int = 5,
) -> list[Slot]:
    """The `top` best slots whose start is on the grid from `range_start` (inclusive) to
    `range_end` (exclusive), best first: higher score, then more players, then earlier. The grid
    steps in elapsed time from `range_start`; the bounds may be in any zone (they are read as
    instants, never subtracted as wall times)."""
    length_min = int(length.total_seconds()) // 60
    grid_min = int(grid.total_seconds()) // 60
    origin = int(range_start.astimezone(UTC).timestamp()) // 60
    # Timestamps, not `range_end - range_start`: two datetimes in one zone subtract as wall times.
    span = (int(range_end.timestamp()) - int(range_start.timestamp())) // 60
    if length_min <= 0 or grid_min <= 0 or span <= 0 or top <= 0:
        return []
    slots = (span + grid_min - 1) // grid_min
    starts = [origin + index * grid_min for index in range(slots)]
    scores, counts, intervals = _sweep(roster, starts=starts, length_min=length_min)
    best = heapq.nlargest(top, range(slots), key=lambda index: (scores[index], counts[index], -index))

    ordered = _heaviest_first(roster, intervals)
    return [
        _slot_at(ordered, start_min=origin + index * grid_min, length_min=length_min, score=scores[index])
        for index in best
    ]


def _heaviest_first(roster: list[RosterEntry], intervals: list[list[tuple[int, int]]]) -> list[tuple]:
    """The players with their intervals, heaviest first, then by name (a stable sort: roster order
    after that), once for all the slots read off them."""
    return sorted(zip(roster, intervals, strict=True), key=lambda pair: (-pair[0].weight, pair[0].name))


def _slot_at(ordered: list[tuple], *, start_min: int, length_min: int, score: int) -> Slot:
    """The slot at `start_min` with its present and missing players, each list in the order of
    `ordered` (`_heaviest_first`), read off the players' joined intervals with one binary search
    each."""
    end_min = start_min + length_min
    present, missing = [], []
    after_start = (start_min, float("inf"))
    for entry, joined in ordered:
        position = bisect_right(joined, after_start) - 1
        if position >= 0 and joined[position][1] >= end_min:
            present.append(entry)
        else:
            missing.append(entry)
    return Slot(
        start=dt.datetime.fromtimestamp(start_min * 60, UTC),
        end=dt.datetime.fromtimestamp(end_min * 60, UTC),
        score=score,
        head_count=len(present),
        present=present,
        missing=missing,
    )


def slot_roster(roster: list[RosterEntry], *, start: dt.datetime, length: dt.timedelta) -> Slot:
    """One slot, any start instant: who is present and who is missing, and its score. The same
    reading of the windows as `find_best_slots` (it is the slot that finder would list there)."""
    start_min = int(start.timestamp()) // 60
    length_min = int(length.total_seconds()) // 60
    first_day = dt.datetime.fromtimestamp(start_min * 60, UTC).date() - dt.timedelta(days=2)
    last_day = dt.datetime.fromtimestamp(start_min * 60, UTC).date() + dt.timedelta(days=1)
    days_of: dict[zoneinfo.ZoneInfo, LocalDays] = {}
    intervals = []
    for entry in roster:
        days = days_of.get(entry.zone)
        if days is None:
            days = days_of[entry.zone] = LocalDays(entry.zone, first_day, last_day)
        intervals.append(window_intervals(entry, first_day, last_day, days))
    slot = _slot_at(_heaviest_first(roster, intervals), start_min=start_min, length_min=length_min, score=0)
    slot.score = sum(entry.weight for entry in slot.present)
    return slot


@dataclass
class Heatmap:
    """Weighted availability per local day and wall-clock time: `rows[d][c]` is the total weight
    of the players available for the whole cell that starts at wall time `c × grid` on local day
    `d` in `zone`, or None where the clocks skip that wall time (spring forward). A wall time the
    clocks repeat (fall back) is its first occurrence, as everywhere (docs/time.md).
    `instants[d][c]` is the cell's UTC start (None where skipped). Cells starting before
    `not_before` have passed (they are drawn as such)."""

    days: list[dt.date]
    grid: dt.timedelta
    zone: zoneinfo.ZoneInfo
    rows: list[list[int | None]]
    instants: list[list[dt.datetime | None]]
    day_hours: list[float]  # each local day's length in hours (23, 24, 25; 23.5 at Lord Howe)
    not_before: dt.datetime | None = None

    @property
    def peak(self) -> int:
        return max((value for row in self.rows for value in row if value is not None), default=0)

    def has_passed(self, instant: dt.datetime | None) -> bool:
        return instant is not None and self.not_before is not None and instant < self.not_before


def weighted_heatmap(
    roster: list[RosterEntry],
    *,
    date_from: dt.date,
    days: int,
    zone: zoneinfo.ZoneInfo,
    grid: dt.timedelta,
    not_before: dt.datetime | None = None,
) -> Heatmap:
    """One sweep with the raid length set to one cell, over the cells' own instants: each cell
    is a local wall time read through the time layer (so on a 23- or 25-hour day every cell still
    sits under its hour), not an offset from midnight."""
    grid_min = int(grid.total_seconds()) // 60
    per_day = 24 * 60 // grid_min
    dates = [date_from + dt.timedelta(days=d) for d in range(days)]
    instants: list[list[dt.datetime | None]] = []
    for day in dates:
        row: list[dt.datetime | None] = []
        for column in range(per_day):
            minutes = column * grid_min
            wall = dt.time(minutes // 60, minutes % 60)
            instant = wall_instant(day, wall, zone)
            local = instant.astimezone(zone)
            row.append(instant if (local.date(), local.time()) == (day, wall) else None)
        instants.append(row)
    starts = sorted({int(i.timestamp()) // 60 for row in instants for i in row if i is not None})
    scores, _, _ = _sweep(roster, starts=starts, length_min=grid_min)
    score_at = dict(zip(starts, scores, strict=True))
    rows = [[None if i is None else score_at[int(i.timestamp()) // 60] for i in row] for row in instants]
    midnights = [local_midnight(day, zone) for day in [*dates, date_from + dt.timedelta(days=days)]]
    day_hours = [(midnights[d + 1] - midnights[d]).total_seconds() / 3600 for d in range(days)]
    return Heatmap(
        days=dates, grid=grid, zone=zone, rows=rows, instants=instants, day_hours=day_hours, not_before=not_before
    )
