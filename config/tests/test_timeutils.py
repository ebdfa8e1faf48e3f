"""The time layer (config/timeutils.py): one DST policy, tested over a table of zones.

The change instants below were read from the zone database once and are written out here, so the
tests do not depend on the code under test to find them; the first test checks that the installed
zone database still agrees with the table.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.exceptions import ApplicationError
from config.timeutils import (
    BAD_CLOCK_TIME,
    BAD_DAY,
    BAD_LOCAL_DATETIME,
    DAY_CHOICES,
    DAY_NAMES,
    NONEXISTENT_LOCAL,
    UNKNOWN_ZONE,
    UNKNOWN_ZONE_SUGGEST,
    Week,
    canonical_zone_name,
    canonical_zones,
    day_name,
    exists_locally,
    local_midnight,
    local_today,
    monday_of,
    next_weekly_occurrence,
    parse_clock,
    parse_day,
    parse_local_datetime,
    wall_instant,
    week_containing,
    week_starting,
    zone_choices,
    zone_error_message,
    zone_or_error,
)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hours(h: float) -> timedelta:
    return timedelta(hours=h)


@dataclass(frozen=True)
class Change:
    """One DST change: at `at` (UTC) the clocks of `zone` go from `before` to `after` on
    `local_day`, and the UTC offset from `offset_before` to `offset_after`. `week_hours` is the
    length of the local week (Monday to Monday) that contains the change."""

    zone: str
    at: datetime
    local_day: date
    before: time
    after: time
    offset_before: timedelta
    offset_after: timedelta
    week_hours: float

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def shift(self) -> timedelta:
        """Positive when the clocks jump forward (a gap), negative when they go back (a fold)."""
        return self.offset_after - self.offset_before

    @property
    def is_gap(self) -> bool:
        return self.shift > timedelta(0)

    @property
    def middle(self) -> time:
        """A wall time inside the gap or the fold (02:30 in New York, 02:15 or 01:45 at Lord Howe)."""
        start = self.before if self.is_gap else self.after
        return (datetime.combine(self.local_day, start) + abs(self.shift) / 2).time()

    def local(self, clock: time, days: int = 0) -> datetime:
        """A naive wall time on the change's day (or `days` later)."""
        return datetime.combine(self.local_day + timedelta(days=days), clock)

    def __str__(self) -> str:
        return f"{self.zone}@{self.local_day}"


# Every 2026 and 2027 change of the DST zones in the table.
CHANGES = [
    # America/New_York: EST (-5) / EDT (-4), at 02:00 local.
    Change("America/New_York", utc(2026, 3, 8, 7), date(2026, 3, 8), time(2), time(3), hours(-5), hours(-4), 167),
    Change("America/New_York", utc(2026, 11, 1, 6), date(2026, 11, 1), time(2), time(1), hours(-4), hours(-5), 169),
    Change("America/New_York", utc(2027, 3, 14, 7), date(2027, 3, 14), time(2), time(3), hours(-5), hours(-4), 167),
    Change("America/New_York", utc(2027, 11, 7, 6), date(2027, 11, 7), time(2), time(1), hours(-4), hours(-5), 169),
    # Europe/London: GMT (0) / BST (+1), at 01:00 UTC.
    Change("Europe/London", utc(2026, 3, 29, 1), date(2026, 3, 29), time(1), time(2), hours(0), hours(1), 167),
    Change("Europe/London", utc(2026, 10, 25, 1), date(2026, 10, 25), time(2), time(1), hours(1), hours(0), 169),
    Change("Europe/London", utc(2027, 3, 28, 1), date(2027, 3, 28), time(1), time(2), hours(0), hours(1), 167),
    Change("Europe/London", utc(2027, 10, 31, 1), date(2027, 10, 31), time(2), time(1), hours(1), hours(0), 169),
    # Australia/Sydney: AEDT (+11) ends in April at 03:00, starts in October at 02:00.
    Change("Australia/Sydney", utc(2026, 4, 4, 16), date(2026, 4, 5), time(3), time(2), hours(11), hours(10), 169),
    Change("Australia/Sydney", utc(2026, 10, 3, 16), date(2026, 10, 4), time(2), time(3), hours(10), hours(11), 167),
    Change("Australia/Sydney", utc(2027, 4, 3, 16), date(2027, 4, 4), time(3), time(2), hours(11), hours(10), 169),
    Change("Australia/Sydney", utc(2027, 10, 2, 16), date(2027, 10, 3), time(2), time(3), hours(10), hours(11), 167),
    # America/St_Johns: NST (-3:30) / NDT (-2:30), at 02:00 local.
    Change("America/St_Johns", utc(2026, 3, 8, 5, 30), date(2026, 3, 8), time(2), time(3), hours(-3.5), hours(-2.5), 167),
    Change("America/St_Johns", utc(2026, 11, 1, 4, 30), date(2026, 11, 1), time(2), time(1), hours(-2.5), hours(-3.5), 169),
    Change("America/St_Johns", utc(2027, 3, 14, 5, 30), date(2027, 3, 14), time(2), time(3), hours(-3.5), hours(-2.5), 167),
    Change("America/St_Johns", utc(2027, 11, 7, 4, 30), date(2027, 11, 7), time(2), time(1), hours(-2.5), hours(-3.5), 169),
    # Australia/Lord_Howe: a 30-minute shift, +11 in summer, +10:30 in winter.
    Change("Australia/Lord_Howe", utc(2026, 4, 4, 15), date(2026, 4, 5), time(2), time(1, 30), hours(11), hours(10.5), 168.5),
    Change("Australia/Lord_Howe", utc(2026, 10, 3, 15, 30), date(2026, 10, 4), time(2), time(2, 30), hours(10.5), hours(11), 167.5),
    Change("Australia/Lord_Howe", utc(2027, 4, 3, 15), date(2027, 4, 4), time(2), time(1, 30), hours(11), hours(10.5), 168.5),
    Change("Australia/Lord_Howe", utc(2027, 10, 2, 15, 30), date(2027, 10, 3), time(2), time(2, 30), hours(10.5), hours(11), 167.5),
]  # fmt: skip
GAPS = [change for change in CHANGES if change.is_gap]
FOLDS = [change for change in CHANGES if not change.is_gap]

# Zones without DST: one offset all year.
FIXED = [("Asia/Kolkata", hours(5.5)), ("Asia/Kathmandu", timedelta(hours=5, minutes=45))]

TABLE_ZONES = sorted({change.zone for change in CHANGES} | {zone for zone, _ in FIXED})


def test_the_table_matches_the_installed_zone_database():
    for change in CHANGES:
        just_before = change.at - timedelta(seconds=1)
        assert just_before.astimezone(change.tz).utcoffset() == change.offset_before, change
        assert change.at.astimezone(change.tz).utcoffset() == change.offset_after, change
        assert (change.at + change.offset_before).replace(tzinfo=None) == change.local(change.before), change
        assert change.at.astimezone(change.tz).replace(tzinfo=None) == change.local(change.after), change
        assert change.local_day.weekday() == 6, change  # every change in the table is on a Sunday
    for zone, offset in FIXED:
        for instant in (utc(2026, 1, 1), utc(2026, 7, 1), utc(2027, 1, 1), utc(2027, 7, 1)):
            assert instant.astimezone(ZoneInfo(zone)).utcoffset() == offset


# ---------------------------------------------------------------------------- parse_clock


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("18:30", time(18, 30)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("9:05", time(9, 5)),
        ("09:05", time(9, 5)),
        ("  07:45 ", time(7, 45)),
    ],
)
def test_parse_clock_reads_a_24_hour_time(value, expected):
    assert parse_clock(value) == expected


@pytest.mark.parametrize(
    "value",
    ["24:00", "7", "12:60", "ab:cd", "", "12:5", "12:30:00", "012:30", "-1:30", "12.30", "1230", "7pm", "١٢:٣٠", None],
)
def test_parse_clock_refuses_what_is_not_a_time_of_day(value):
    with pytest.raises(ApplicationError) as refused:
        parse_clock(value)
    assert refused.value.field == "time"
    assert refused.value.message == BAD_CLOCK_TIME.format(value=value or "")


def test_parse_clock_names_the_field_it_is_given():
    with pytest.raises(ApplicationError) as refused:
        parse_clock("25:00", field="start_time")
    assert refused.value.field == "start_time"


# ---------------------------------------------------------------------------- parse_local_datetime


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("America/New_York", utc(2026, 7, 1, 22)),  # EDT, -4
        ("Europe/London", utc(2026, 7, 1, 17)),  # BST, +1
        ("Australia/Sydney", utc(2026, 7, 1, 8)),  # AEST, +10
        ("Asia/Kolkata", utc(2026, 7, 1, 12, 30)),  # +5:30
        ("America/St_Johns", utc(2026, 7, 1, 20, 30)),  # NDT, -2:30
        ("Australia/Lord_Howe", utc(2026, 7, 1, 7, 30)),  # LHST, +10:30
        ("Asia/Kathmandu", utc(2026, 7, 1, 12, 15)),  # +5:45
        ("UTC", utc(2026, 7, 1, 18)),
    ],
)
def test_parse_local_datetime_is_the_utc_instant_of_the_wall_time(zone, expected):
    assert parse_local_datetime("2026-07-01 18:00", ZoneInfo(zone)) == expected
    assert parse_local_datetime("2026-07-01T18:00", ZoneInfo(zone)) == expected
    assert parse_local_datetime("  2026-07-01 18:00 ", ZoneInfo(zone)) == expected


def test_parse_local_datetime_takes_a_one_digit_hour_and_returns_utc():
    result = parse_local_datetime("2026-01-15 8:05", ZoneInfo("America/New_York"))
    assert result == utc(2026, 1, 15, 13, 5)
    assert result.tzinfo is UTC


@pytest.mark.parametrize("change", GAPS, ids=str)
def test_a_typed_time_in_a_gap_is_refused_naming_the_zone(change):
    value = f"{change.local_day} {change.middle:%H:%M}"
    with pytest.raises(ApplicationError) as refused:
        parse_local_datetime(value, change.tz)
    assert refused.value.message == NONEXISTENT_LOCAL.format(value=value, zone=change.zone)
    assert change.zone in refused.value.message
    assert refused.value.field == "start"
    # The gap's first minute does not exist either; its end is the change itself.
    with pytest.raises(ApplicationError):
        parse_local_datetime(f"{change.local_day} {change.before:%H:%M}", change.tz)
    assert parse_local_datetime(f"{change.local_day} {change.after:%H:%M}", change.tz) == change.at
    # The minute before the gap is the minute before the change.
    last = (change.local(change.before) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    assert parse_local_datetime(last, change.tz) == change.at - timedelta(minutes=1)


@pytest.mark.parametrize("change", FOLDS, ids=str)
def test_a_typed_time_in_a_fold_is_its_first_occurrence(change):
    result = parse_local_datetime(f"{change.local_day} {change.middle:%H:%M}", change.tz)
    assert result == (change.local(change.middle) - change.offset_before).replace(tzinfo=UTC)
    assert result < change.at
    assert result.astimezone(change.tz).utcoffset() == change.offset_before
    # The fold's first minute is its first occurrence too, |shift| before the change.
    assert parse_local_datetime(f"{change.local_day} {change.after:%H:%M}", change.tz) == change.at + change.shift
    # The wall time the clocks went back from happens once, after the change.
    after_fold = parse_local_datetime(f"{change.local_day} {change.before:%H:%M}", change.tz)
    assert after_fold == change.at - change.shift


@pytest.mark.parametrize(
    "value",
    [
        "2026-02-30 10:00",
        "2026-02-29 10:00",
        "tomorrow",
        "2026-03-01",
        "01/03/2026 10:00",
        "2026-3-01 10:00",
        "2026-03-01 10:00:00",
        "2026-03-01 24:00",
        "2026-03-01 10:60",
        "2026-13-01 10:00",
        "0000-01-01 00:00",
        "２０２６-03-01 10:00",
        "",
        None,
    ],
)
def test_parse_local_datetime_refuses_bad_formats(value):
    with pytest.raises(ApplicationError) as refused:
        parse_local_datetime(value, ZoneInfo("UTC"))
    assert refused.value.message == BAD_LOCAL_DATETIME.format(value=value or "")
    assert refused.value.field == "start"


@pytest.mark.parametrize(
    ("value", "zone"),
    [
        ("0001-01-01 00:00", "Asia/Kolkata"),  # before the first UTC instant Python has
        ("0001-01-01 03:00", "Asia/Kathmandu"),
        ("9999-12-31 23:59", "America/New_York"),  # after the last one
        ("9999-12-31 22:00", "America/St_Johns"),
    ],
)
def test_dates_at_the_edge_of_the_calendar_are_refused_cleanly(value, zone):
    with pytest.raises(ApplicationError) as refused:
        parse_local_datetime(value, ZoneInfo(zone))
    assert refused.value.message == BAD_LOCAL_DATETIME.format(value=value)


def test_dates_at_the_edge_of_the_calendar_that_exist_in_utc_are_read():
    assert parse_local_datetime("0001-01-01 00:00", ZoneInfo("UTC")) == utc(1, 1, 1)
    assert parse_local_datetime("9999-12-31 23:59", ZoneInfo("UTC")) == utc(9999, 12, 31, 23, 59)
    assert parse_local_datetime("9999-12-31 23:59", ZoneInfo("Asia/Kolkata")) == utc(9999, 12, 31, 18, 29)


def test_parse_local_datetime_names_the_field_it_is_given():
    with pytest.raises(ApplicationError) as refused:
        parse_local_datetime("soon", ZoneInfo("UTC"), field="starts_at")
    assert refused.value.field == "starts_at"


def test_exists_locally():
    zone = ZoneInfo("America/New_York")
    assert exists_locally(datetime(2026, 3, 8, 1, 59, tzinfo=zone))
    assert not exists_locally(datetime(2026, 3, 8, 2, 30, tzinfo=zone))
    assert exists_locally(datetime(2026, 11, 1, 1, 30, tzinfo=zone))
    assert exists_locally(datetime(2026, 11, 1, 1, 30, tzinfo=zone, fold=1))


# ---------------------------------------------------------------------------- wall_instant


@pytest.mark.parametrize("change", GAPS, ids=str)
def test_wall_instant_in_a_gap_is_shifted_forward_by_the_gap(change):
    result = wall_instant(change.local_day, change.middle, change.tz)
    assert result == (change.local(change.middle) - change.offset_before).replace(tzinfo=UTC)
    shown = result.astimezone(change.tz).replace(tzinfo=None)
    assert shown == change.local(change.middle) + change.shift
    assert shown - change.local(change.middle) == change.shift  # 30 minutes at Lord Howe, an hour elsewhere


def test_wall_instant_gap_at_lord_howe_moves_thirty_minutes():
    result = wall_instant(date(2026, 10, 4), time(2, 15), ZoneInfo("Australia/Lord_Howe"))
    assert result == utc(2026, 10, 3, 15, 45)
    assert result.astimezone(ZoneInfo("Australia/Lord_Howe")).strftime("%H:%M") == "02:45"


@pytest.mark.parametrize("change", FOLDS, ids=str)
def test_wall_instant_in_a_fold_is_the_first_occurrence(change):
    result = wall_instant(change.local_day, change.middle, change.tz)
    assert result == (change.local(change.middle) - change.offset_before).replace(tzinfo=UTC)
    assert result.astimezone(change.tz).replace(tzinfo=None) == change.local(change.middle)
    assert result < change.at


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_wall_instant_keeps_the_wall_time_on_either_side_of_the_change(change):
    saturday, monday = change.local_day - timedelta(days=1), change.local_day + timedelta(days=1)
    assert wall_instant(saturday, time(12), change.tz) == (change.local(time(12), -1) - change.offset_before).replace(
        tzinfo=UTC
    )
    assert wall_instant(monday, time(12), change.tz) == (change.local(time(12), 1) - change.offset_after).replace(
        tzinfo=UTC
    )


@pytest.mark.parametrize(("zone", "offset"), FIXED)
def test_zones_without_dst_keep_one_offset(zone, offset):
    for day in (date(2026, 3, 8), date(2026, 11, 1), date(2027, 3, 14), date(2027, 11, 7)):
        expected = (datetime.combine(day, time(2, 30)) - offset).replace(tzinfo=UTC)
        assert wall_instant(day, time(2, 30), ZoneInfo(zone)) == expected
        assert parse_local_datetime(f"{day} 02:30", ZoneInfo(zone)) == expected
        assert week_containing(expected, ZoneInfo(zone)).ends_at - week_containing(
            expected, ZoneInfo(zone)
        ).starts_at == hours(168)


def test_kathmandu_is_a_quarter_of_an_hour_off_india():
    assert parse_local_datetime("2026-03-08 02:30", ZoneInfo("Asia/Kathmandu")) == utc(2026, 3, 7, 20, 45)
    assert parse_local_datetime("2026-03-08 02:30", ZoneInfo("Asia/Kolkata")) == utc(2026, 3, 7, 21, 0)


# ---------------------------------------------------------------------------- next_weekly_occurrence


def _assert_weekly(result: datetime, *, day: int, clock: time, zone: ZoneInfo, now: datetime):
    assert result > now
    local = result.astimezone(zone)
    assert (local.weekday(), local.hour, local.minute) == (day, clock.hour, clock.minute)


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_next_weekly_occurrence_keeps_the_wall_time_across_the_change(change):
    noon = time(12)
    # A week before the change, still on the old offset: that Sunday's noon, later the same day.
    now = change.at - timedelta(days=7)
    result = next_weekly_occurrence(day_of_week=6, clock=noon, zone=change.tz, now=now)
    assert result == (change.local(noon, -7) - change.offset_before).replace(tzinfo=UTC)
    _assert_weekly(result, day=6, clock=noon, zone=change.tz, now=now)
    # At the change: the same Sunday's noon on the new offset.
    result = next_weekly_occurrence(day_of_week=6, clock=noon, zone=change.tz, now=change.at)
    assert result == (change.local(noon) - change.offset_after).replace(tzinfo=UTC)
    _assert_weekly(result, day=6, clock=noon, zone=change.tz, now=change.at)
    # The day before the change, Monday 09:00 is the Monday after it, on the new offset.
    now = change.at - timedelta(days=1)
    result = next_weekly_occurrence(day_of_week=0, clock=time(9), zone=change.tz, now=now)
    assert result == (change.local(time(9), 1) - change.offset_after).replace(tzinfo=UTC)
    _assert_weekly(result, day=0, clock=time(9), zone=change.tz, now=now)


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_next_weekly_occurrence_is_strictly_after_now(change):
    occurrence = (change.local(time(12)) - change.offset_after).replace(tzinfo=UTC)
    following = (change.local(time(12), 7) - change.offset_after).replace(tzinfo=UTC)
    assert next_weekly_occurrence(day_of_week=6, clock=time(12), zone=change.tz, now=occurrence) == following
    just_before = occurrence - timedelta(microseconds=1)
    assert next_weekly_occurrence(day_of_week=6, clock=time(12), zone=change.tz, now=just_before) == occurrence


@pytest.mark.parametrize("change", GAPS, ids=str)
def test_next_weekly_occurrence_in_a_gap_is_shifted_that_day_only(change):
    now = change.at - timedelta(days=3)
    first = next_weekly_occurrence(day_of_week=6, clock=change.middle, zone=change.tz, now=now)
    assert first == (change.local(change.middle) - change.offset_before).replace(tzinfo=UTC)
    assert first.astimezone(change.tz).replace(tzinfo=None) == change.local(change.middle) + change.shift
    second = next_weekly_occurrence(day_of_week=6, clock=change.middle, zone=change.tz, now=first)
    assert second == (change.local(change.middle, 7) - change.offset_after).replace(tzinfo=UTC)
    _assert_weekly(second, day=6, clock=change.middle, zone=change.tz, now=first)


def test_a_gap_across_midnight_shifts_the_occurrence_into_the_next_day():
    # America/Nuuk jumps from Saturday 23:00 (-2) to Sunday 00:00 (-1) at 01:00 UTC on 2026-03-29:
    # Saturday 23:30 happens at 01:30 UTC, which the clocks show as Sunday 00:30.
    nuuk = ZoneInfo("America/Nuuk")
    assert wall_instant(date(2026, 3, 28), time(23, 30), nuuk) == utc(2026, 3, 29, 1, 30)
    sunday_0010 = utc(2026, 3, 29, 1, 10)
    assert sunday_0010.astimezone(nuuk).strftime("%a %H:%M") == "Sun 00:10"
    # Already Sunday locally, but Saturday's shifted occurrence is still ahead.
    result = next_weekly_occurrence(day_of_week=5, clock=time(23, 30), zone=nuuk, now=sunday_0010)
    assert result == utc(2026, 3, 29, 1, 30)
    after = next_weekly_occurrence(day_of_week=5, clock=time(23, 30), zone=nuuk, now=result)
    assert after == utc(2026, 4, 5, 0, 30)  # Saturday 4 April 23:30 at -1


@pytest.mark.parametrize("change", FOLDS, ids=str)
def test_next_weekly_occurrence_in_a_fold_is_the_first_only(change):
    now = change.at - timedelta(days=3)
    first = next_weekly_occurrence(day_of_week=6, clock=change.middle, zone=change.tz, now=now)
    assert first == (change.local(change.middle) - change.offset_before).replace(tzinfo=UTC)
    # Between the two occurrences the next one is next week's, not the repeated wall time.
    between = first + timedelta(minutes=1)
    after_first = next_weekly_occurrence(day_of_week=6, clock=change.middle, zone=change.tz, now=between)
    assert after_first == (change.local(change.middle, 7) - change.offset_after).replace(tzinfo=UTC)


# ---------------------------------------------------------------------------- weeks and local midnight


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_the_week_of_a_change_is_shorter_or_longer_by_the_shift(change):
    monday = change.local_day - timedelta(days=6)
    week = week_starting(change.local_day, change.tz)
    assert week == Week(
        start_date=monday,
        starts_at=(datetime.combine(monday, time(0)) - change.offset_before).replace(tzinfo=UTC),
        ends_at=(change.local(time(0), 1) - change.offset_after).replace(tzinfo=UTC),
        zone=change.tz,
    )
    assert week.ends_at - week.starts_at == hours(change.week_hours)
    assert week.end_date == change.local_day
    assert week.timezone == change.zone
    for instant in (change.at - timedelta(seconds=1), change.at, week.starts_at, week.ends_at - timedelta(seconds=1)):
        assert week.contains(instant)
        assert week_containing(instant, change.tz) == week
    assert not week.contains(week.ends_at)
    following = week_starting(change.local_day + timedelta(days=1), change.tz)
    assert following.starts_at == week.ends_at
    assert following.ends_at - following.starts_at == hours(168)


def test_week_lengths_by_name():
    def length(zone: str, day: date) -> timedelta:
        week = week_starting(day, ZoneInfo(zone))
        return week.ends_at - week.starts_at

    assert length("America/New_York", date(2026, 3, 8)) == hours(167)
    assert length("America/New_York", date(2026, 6, 1)) == hours(168)
    assert length("America/New_York", date(2026, 11, 1)) == hours(169)
    assert length("Australia/Lord_Howe", date(2026, 10, 4)) == hours(167.5)
    assert length("Australia/Lord_Howe", date(2026, 4, 5)) == hours(168.5)
    assert length("Asia/Kathmandu", date(2026, 3, 8)) == hours(168)


# Zones whose clocks jump at local midnight, so that midnight does not exist: (zone, day, the jump).
SKIPPED_MIDNIGHTS = [
    ("America/Havana", date(2026, 3, 8), utc(2026, 3, 8, 5)),  # 00:00 CST (-5) → 01:00 CDT (-4)
    ("America/Havana", date(2027, 3, 14), utc(2027, 3, 14, 5)),
    ("Asia/Beirut", date(2026, 3, 29), utc(2026, 3, 28, 22)),  # 00:00 EET (+2) → 01:00 EEST (+3)
    ("Asia/Beirut", date(2027, 3, 28), utc(2027, 3, 27, 22)),
    ("America/Santiago", date(2026, 9, 6), utc(2026, 9, 6, 4)),  # 00:00 -04 → 01:00 -03
    ("America/Santiago", date(2027, 9, 5), utc(2027, 9, 5, 4)),
]


@pytest.mark.parametrize(("zone", "day", "jump"), SKIPPED_MIDNIGHTS)
def test_a_skipped_midnight_starts_the_day_at_the_jump(zone, day, jump):
    tz = ZoneInfo(zone)
    assert local_midnight(day, tz) == jump
    assert jump.astimezone(tz).replace(tzinfo=None) == datetime.combine(day, time(1))
    assert (jump - timedelta(seconds=1)).astimezone(tz).date() == day - timedelta(days=1)
    week = week_starting(day, tz)
    assert week.ends_at - week.starts_at == hours(167)
    assert week_containing(jump, tz) == week


def test_a_midnight_that_happens_twice_starts_the_day_at_the_first():
    # Havana falls back at 01:00 CDT → 00:00 CST: local 00:00–01:00 happens twice.
    assert local_midnight(date(2026, 11, 1), ZoneInfo("America/Havana")) == utc(2026, 11, 1, 4)
    assert local_midnight(date(2027, 11, 7), ZoneInfo("America/Havana")) == utc(2027, 11, 7, 4)


def test_clocks_going_back_over_midnight_make_a_25_hour_day():
    # Santiago goes from 00:00 -03 on Sunday 5 April 2026 back to 23:00 -04 on Saturday.
    santiago = ZoneInfo("America/Santiago")
    assert local_midnight(date(2026, 4, 4), santiago) == utc(2026, 4, 4, 3)
    assert local_midnight(date(2026, 4, 5), santiago) == utc(2026, 4, 5, 4)
    week = week_starting(date(2026, 4, 1), santiago)
    assert week.ends_at - week.starts_at == hours(169)
    assert week_containing(utc(2026, 4, 5, 3, 30), santiago) == week  # the second Saturday 23:30


def test_local_midnight_on_an_ordinary_day():
    assert local_midnight(date(2026, 7, 1), ZoneInfo("Asia/Kathmandu")) == utc(2026, 6, 30, 18, 15)
    assert local_midnight(date(2026, 7, 1), ZoneInfo("America/St_Johns")) == utc(2026, 7, 1, 2, 30)


def test_monday_of_and_local_today():
    assert monday_of(date(2026, 3, 8)) == date(2026, 3, 2)
    assert monday_of(date(2026, 3, 2)) == date(2026, 3, 2)
    assert local_today(ZoneInfo("Australia/Sydney"), now=utc(2026, 3, 1, 14)) == date(2026, 3, 2)
    assert local_today(ZoneInfo("America/New_York"), now=utc(2026, 3, 2, 3)) == date(2026, 3, 1)


# ---------------------------------------------------------------------------- days


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mon", 0),
        ("Monday", 0),
        ("MONDAY", 0),
        (" tu ", 1),
        ("tuesday", 1),
        ("we", 2),
        ("th", 3),
        ("Fri", 4),
        ("sa", 5),
        ("su", 6),
        ("0", 0),
        ("6", 6),
        ("06", 6),
        (0, 0),
        (6, 6),
    ],
)
def test_parse_day(value, expected):
    assert parse_day(value) == expected


@pytest.mark.parametrize("value", ["t", "s", "m", "", "7", "-1", "Montag", "mo nday", "²", "٣", 7, None])
def test_parse_day_refuses_what_is_not_a_day(value):
    with pytest.raises(ApplicationError) as refused:
        parse_day(value)
    assert refused.value.message == BAD_DAY.format(value="" if value is None else str(value))
    assert refused.value.field == "day"


def test_day_names():
    assert DAY_NAMES[0] == "Monday" and DAY_NAMES[6] == "Sunday"
    assert DAY_CHOICES[3] == (3, "Thursday")
    assert [day_name(day) for day in range(7)] == list(DAY_NAMES)


# ---------------------------------------------------------------------------- zones


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("America/New_York", "America/New_York"),
        ("UTC", "UTC"),
        ("Etc/GMT+5", "Etc/GMT+5"),
        ("Asia/Kathmandu", "Asia/Kathmandu"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("europe/berlin", "Europe/Berlin"),
        ("EUROPE/LONDON", "Europe/London"),
        ("europe/london", "Europe/London"),
        ("utc", "UTC"),
        ("America/New York", "America/New_York"),
        ("america/st johns", "America/St_Johns"),
        (" Australia/Lord_Howe ", "Australia/Lord_Howe"),
        (ZoneInfo("Asia/Kolkata"), "Asia/Kolkata"),
    ],
)
def test_zone_or_error_accepts_canonical_names_in_any_case(typed, canonical):
    zone = zone_or_error(typed)
    assert zone == ZoneInfo(canonical)
    assert zone.key == canonical
    assert canonical_zone_name(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("localtime", "UTC"),
        ("posixrules", "America/New_York"),
        ("Factory", "UTC"),
        ("US/Eastern", "America/New_York"),
        ("us/eastern", "America/New_York"),
        ("Europe/Berln", "Europe/Berlin"),
        ("America/New_Yrok", "America/New_York"),
        ("EST", "America/New_York"),
        ("PST8PDT", "America/Los_Angeles"),
        ("berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        (ZoneInfo("US/Eastern"), "America/New_York"),
    ],
)
def test_zone_or_error_refuses_other_names_with_a_suggestion(typed, suggestion):
    name = typed.key if isinstance(typed, zoneinfo.ZoneInfo) else typed
    with pytest.raises(ApplicationError) as refused:
        zone_or_error(typed)
    assert refused.value.message == UNKNOWN_ZONE_SUGGEST.format(zone=name, suggestion=suggestion)
    assert f"Did you mean {suggestion}?" in refused.value.message
    assert refused.value.code == "invalid_timezone"
    assert refused.value.field == "timezone"
    assert canonical_zone_name(typed) is None


@pytest.mark.parametrize("typed", ["xyzzy", "qqqqqqqq", "", None])
def test_zone_or_error_refuses_nonsense_without_a_suggestion(typed):
    with pytest.raises(ApplicationError) as refused:
        zone_or_error(typed, field="tz")
    assert refused.value.message == UNKNOWN_ZONE.format(zone=typed or "")
    assert "Did you mean" not in refused.value.message
    assert refused.value.field == "tz"


def test_zone_error_message_is_bounded():
    assert len(zone_error_message("x" * 500)) < 200


def test_canonical_zones():
    zones = canonical_zones()
    assert list(zones) == sorted(zones)
    assert {"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"} <= set(zones)
    for not_canonical in ("US/Eastern", "EST", "EST5EDT", "localtime", "posixrules", "Factory", "GMT", "Zulu"):
        assert not_canonical not in zones
    assert not [zone for zone in zones if zone.startswith(("posix/", "right/"))]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("", ["UTC", "Europe/London", "Europe/Berlin", "America/New_York"]),
        ("new york", ["America/New_York"]),
        ("america/new", ["America/New_York", "America/North_Dakota/New_Salem"]),
        ("europe/lo", ["Europe/London"]),
        ("york", ["America/New_York"]),
        ("lord", ["Australia/Lord_Howe"]),
        ("kath", ["Asia/Kathmandu"]),
        # The city starts with the query before the query is elsewhere in the name.
        ("lon", ["Arctic/Longyearbyen", "Europe/London", "America/Blanc-Sablon"]),
    ],
)
def test_zone_choices_puts_the_best_matches_first(query, first):
    choices = zone_choices(query)
    assert choices[: len(first)] == first
    assert set(choices) <= set(canonical_zones())


def test_zone_choices_ordering_and_limit():
    america = zone_choices("america")
    assert len(america) == 25
    assert america == sorted(america)
    assert all(zone.startswith("America/") for zone in america)
    assert len(zone_choices("a", limit=5)) == 5
    assert zone_choices("xyzzy") == []
    assert zone_choices("US/Eastern") == []


# ---------------------------------------------------------------------------- properties

TABLE_ZONE_INFOS = st.sampled_from(TABLE_ZONES).map(ZoneInfo)
# The years the table is about, and then some; before 2000 St John's had a two-hour change (1988).
INSTANTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
LOCAL_MINUTES = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)
CLOCKS = st.builds(time, st.integers(0, 23), st.integers(0, 59))


@settings(max_examples=300, deadline=None, database=None)
@given(instant=INSTANTS, zone=TABLE_ZONE_INFOS)
def test_property_the_week_containing_an_instant_contains_it(instant, zone):
    week = week_containing(instant, zone)
    assert week.contains(instant)
    assert week.start_date.weekday() == 0
    assert hours(167) <= week.ends_at - week.starts_at <= hours(169)


@settings(max_examples=300, deadline=None, database=None)
@given(local=LOCAL_MINUTES, zone=TABLE_ZONE_INFOS)
def test_property_parse_local_datetime_round_trips(local, zone):
    # The instants this wall time could be: it minus either offset zoneinfo knows for it.
    candidates = sorted(
        (local - local.replace(tzinfo=zone, fold=fold).utcoffset()).replace(tzinfo=UTC) for fold in (0, 1)
    )
    real = [instant for instant in candidates if instant.astimezone(zone).replace(tzinfo=None) == local]
    typed = local.strftime("%Y-%m-%d %H:%M")
    if not real:  # a gap
        with pytest.raises(ApplicationError) as refused:
            parse_local_datetime(typed, zone)
        assert refused.value.message == NONEXISTENT_LOCAL.format(value=typed, zone=zone.key)
        return
    result = parse_local_datetime(typed, zone)
    assert result == real[0]  # the first occurrence when there are two
    assert result.astimezone(zone).replace(tzinfo=None) == local


@settings(max_examples=300, deadline=None, database=None)
@given(now=INSTANTS, day=st.integers(0, 6), clock=CLOCKS, zone=TABLE_ZONE_INFOS)
def test_property_next_weekly_occurrence(now, day, clock, zone):
    result = next_weekly_occurrence(day_of_week=day, clock=clock, zone=zone, now=now)
    assert now < result <= now + timedelta(days=7, hours=1)
    local = result.astimezone(zone)
    assert local.weekday() == day
    if (local.hour, local.minute) != (clock.hour, clock.minute):
        # Only a wall time the clocks skip that day is moved, and then forward, within the hour.
        wall = datetime.combine(local.date(), clock)
        assert not exists_locally(wall.replace(tzinfo=zone))
        assert timedelta(0) < local.replace(tzinfo=None) - wall <= hours(1)


# ---------------------------------------------------------------------------- cases carried over
# From the apps' former copies of the time layer (shifts' weekly slots and typed starts,
# timetracking's weeks), adapted to the shared names.

# (zone, now, weekday, hh, mm, expected UTC instant): the week before and the week after each change.
SLOT_CASES = [
    # America/New_York: spring forward 2026-03-08, fall back 2026-11-01.
    ("America/New_York", utc(2026, 2, 24), 0, 9, 0, utc(2026, 3, 2, 14, 0)),  # EST, UTC-5
    ("America/New_York", utc(2026, 3, 3), 0, 9, 0, utc(2026, 3, 9, 13, 0)),  # EDT, UTC-4
    ("America/New_York", utc(2026, 3, 7), 6, 12, 0, utc(2026, 3, 8, 16, 0)),  # the changeover Sunday itself
    ("America/New_York", utc(2026, 10, 27), 0, 9, 0, utc(2026, 11, 2, 14, 0)),  # EST again
    ("America/New_York", utc(2026, 10, 20), 0, 9, 0, utc(2026, 10, 26, 13, 0)),  # still EDT
    # Europe/London: BST from 2026-03-29, GMT from 2026-10-25.
    ("Europe/London", utc(2026, 3, 17), 0, 9, 0, utc(2026, 3, 23, 9, 0)),
    ("Europe/London", utc(2026, 3, 24), 0, 9, 0, utc(2026, 3, 30, 8, 0)),
    ("Europe/London", utc(2026, 10, 13), 0, 9, 0, utc(2026, 10, 19, 8, 0)),
    ("Europe/London", utc(2026, 10, 20), 0, 9, 0, utc(2026, 10, 26, 9, 0)),
    # Australia/Sydney: AEDT ends 2026-04-05, starts again 2026-10-04.
    ("Australia/Sydney", utc(2026, 3, 24), 0, 9, 0, utc(2026, 3, 29, 22, 0)),  # Mon 30 Mar 09:00 AEDT (+11)
    ("Australia/Sydney", utc(2026, 3, 31), 0, 9, 0, utc(2026, 4, 5, 23, 0)),  # Mon 6 Apr 09:00 AEST (+10)
    ("Australia/Sydney", utc(2026, 9, 22), 0, 9, 0, utc(2026, 9, 27, 23, 0)),  # AEST
    ("Australia/Sydney", utc(2026, 9, 29), 0, 9, 0, utc(2026, 10, 4, 22, 0)),  # AEDT
]


@pytest.mark.parametrize(("zone", "now", "day", "hour", "minute", "expected"), SLOT_CASES)
def test_next_occurrence_keeps_the_local_wall_time_across_dst(zone, now, day, hour, minute, expected):
    result = next_weekly_occurrence(day_of_week=day, clock=time(hour, minute), zone=ZoneInfo(zone), now=now)
    assert result == expected
    local = result.astimezone(ZoneInfo(zone))
    assert (local.weekday(), local.hour, local.minute) == (day, hour, minute)


def test_next_occurrence_is_strictly_after_now():
    zone = ZoneInfo("Europe/London")
    at = utc(2026, 6, 1, 8, 0)  # Monday 09:00 BST
    assert next_weekly_occurrence(day_of_week=0, clock=time(9), zone=zone, now=at) == utc(2026, 6, 8, 8, 0)
    assert next_weekly_occurrence(day_of_week=0, clock=time(9), zone=zone, now=utc(2026, 6, 1, 7, 59)) == at


def test_spring_forward_gap_slot_moves_an_hour_later_on_that_day_only():
    """02:30 does not exist on Sunday 2026-03-08 in New York: the slot happens at 03:30 EDT (07:30 UTC),
    the instant "02:30 EST" would have been; the next Sunday it is 02:30 EDT again."""
    zone = ZoneInfo("America/New_York")
    first = next_weekly_occurrence(day_of_week=6, clock=time(2, 30), zone=zone, now=utc(2026, 3, 2))
    assert first == utc(2026, 3, 8, 7, 30)
    assert first.astimezone(zone).strftime("%H:%M %Z") == "03:30 EDT"
    second = next_weekly_occurrence(day_of_week=6, clock=time(2, 30), zone=zone, now=first)
    assert second == utc(2026, 3, 15, 6, 30)
    assert second.astimezone(zone).strftime("%H:%M %Z") == "02:30 EDT"


def test_fall_back_fold_slot_is_the_first_occurrence():
    """01:30 happens twice on Sunday 2026-11-01 in New York: the slot is the first (01:30 EDT, 05:30 UTC)."""
    zone = ZoneInfo("America/New_York")
    first = next_weekly_occurrence(day_of_week=6, clock=time(1, 30), zone=zone, now=utc(2026, 10, 27))
    assert first == utc(2026, 11, 1, 5, 30)
    assert first.astimezone(zone).strftime("%H:%M %Z") == "01:30 EDT"
    # Between the two 01:30s the slot is next week's, not the repeated hour's.
    after_first = next_weekly_occurrence(day_of_week=6, clock=time(1, 30), zone=zone, now=utc(2026, 11, 1, 6, 0))
    assert after_first == utc(2026, 11, 8, 6, 30)


def test_sydney_gap_slot():
    zone = ZoneInfo("Australia/Sydney")  # 02:00 → 03:00 on Sunday 2026-10-04
    result = next_weekly_occurrence(day_of_week=6, clock=time(2, 30), zone=zone, now=utc(2026, 9, 30))
    assert result.astimezone(zone).strftime("%Y-%m-%d %H:%M") == "2026-10-04 03:30"


def test_typed_start_in_a_gap_is_refused_and_in_a_fold_is_the_first():
    zone = ZoneInfo("America/New_York")
    with pytest.raises(ApplicationError) as refused:
        parse_local_datetime("2026-03-08 02:30", zone)
    assert refused.value.message == NONEXISTENT_LOCAL.format(value="2026-03-08 02:30", zone="America/New_York")
    assert refused.value.field == "start"
    assert parse_local_datetime("2026-11-01 01:30", zone) == utc(2026, 11, 1, 5, 30)
    assert parse_local_datetime("2026-07-01 18:00", zone) == utc(2026, 7, 1, 22, 0)


@pytest.mark.parametrize("value", ["24:00", "7", "12:60", "ab:cd", "", "12:5"])
def test_bad_clock_times(value):
    with pytest.raises(ApplicationError) as refused:
        parse_clock(value)
    assert refused.value.field == "time"


@pytest.mark.parametrize("value", ["2026-02-30 10:00", "tomorrow", "2026-03-01", "01/03/2026 10:00"])
def test_bad_starts(value):
    with pytest.raises(ApplicationError) as refused:
        parse_local_datetime(value, ZoneInfo("UTC"))
    assert refused.value.field == "start"


def test_bad_zone_gets_a_suggestion():
    with pytest.raises(ApplicationError) as refused:
        zone_or_error("America/New_Yrok")
    assert "Did you mean America/New_York?" in refused.value.message
    # A zone typed in another case is now accepted in its canonical spelling (it used to be
    # refused with "Did you mean Europe/London?").
    assert zone_or_error("europe/london").key == "Europe/London"
    with pytest.raises(ApplicationError) as nothing:
        zone_or_error("qqqqqqqq")
    assert "is not an IANA time zone" in nothing.value.message
    assert zone_or_error("Australia/Sydney").key == "Australia/Sydney"


SYDNEY = ZoneInfo("Australia/Sydney")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def test_sydney_week_across_the_october_dst_change():
    # Clocks go forward on Sunday 4 Oct 2026, 02:00 AEST -> 03:00 AEDT.
    week = week_starting(date(2026, 9, 30), SYDNEY)
    assert week.start_date == date(2026, 9, 28)
    assert week.starts_at == utc(2026, 9, 27, 14)  # Monday 00:00 at +10
    assert week.ends_at == utc(2026, 10, 4, 13)  # next Monday 00:00 at +11
    assert week.ends_at - week.starts_at == timedelta(hours=167)
    nxt = week_starting(date(2026, 10, 5), SYDNEY)
    assert nxt.starts_at == week.ends_at
    assert nxt.ends_at - nxt.starts_at == timedelta(hours=168)


@pytest.mark.parametrize(
    ("instant", "monday"),
    [
        (utc(2026, 9, 27, 13, 59), date(2026, 9, 21)),  # Sunday 23:59 AEST
        (utc(2026, 9, 27, 14, 0), date(2026, 9, 28)),  # Monday 00:00 AEST
        (utc(2026, 10, 3, 15, 59), date(2026, 9, 28)),  # Sunday 01:59 AEST, just before the jump
        (utc(2026, 10, 3, 16, 0), date(2026, 9, 28)),  # Sunday 03:00 AEDT, just after it
        (utc(2026, 10, 4, 12, 59), date(2026, 9, 28)),  # Sunday 23:59 AEDT
        (utc(2026, 10, 4, 13, 0), date(2026, 10, 5)),  # Monday 00:00 AEDT
        # Still Sunday in UTC, already Monday in Sydney.
        (utc(2026, 11, 15, 13, 30), date(2026, 11, 16)),
    ],
)
def test_sydney_instants_fall_in_their_local_week(instant, monday):
    week = week_containing(instant, SYDNEY)
    assert week.start_date == monday
    assert week.contains(instant)


def test_sydney_week_across_the_april_change_is_169_hours():
    # Clocks go back on Sunday 5 Apr 2026, 03:00 AEDT -> 02:00 AEST.
    week = week_starting(date(2026, 3, 30), SYDNEY)
    assert week.starts_at == utc(2026, 3, 29, 13)
    assert week.ends_at == utc(2026, 4, 5, 14)
    assert week.ends_at - week.starts_at == timedelta(hours=169)


@pytest.mark.parametrize(
    ("instant", "monday"),
    [
        # Monday in UTC, still Sunday evening in Los Angeles (PDT, -7).
        (utc(2026, 10, 26, 5, 0), date(2026, 10, 19)),
        (utc(2026, 10, 26, 6, 59), date(2026, 10, 19)),
        (utc(2026, 10, 26, 7, 0), date(2026, 10, 26)),
        # DST ends Sunday 1 Nov 2026 in Los Angeles; the next Monday starts at 08:00 UTC (PST, -8).
        (utc(2026, 11, 2, 7, 59), date(2026, 10, 26)),
        (utc(2026, 11, 2, 8, 0), date(2026, 11, 2)),
    ],
)
def test_west_of_utc(instant, monday):
    assert week_containing(instant, LOS_ANGELES).start_date == monday


def test_los_angeles_week_with_the_fall_back_is_169_hours():
    week = week_starting(date(2026, 10, 28), LOS_ANGELES)
    assert week.starts_at == utc(2026, 10, 26, 7)
    assert week.ends_at == utc(2026, 11, 2, 8)
    assert week.ends_at - week.starts_at == timedelta(hours=169)


def test_a_midnight_that_does_not_exist_starts_the_day_at_the_jump():
    # Havana springs forward at 00:00 -> 01:00 (Sunday 8 Mar 2026): that day begins at the jump.
    start = local_midnight(date(2026, 3, 8), ZoneInfo("America/Havana"))
    assert start == utc(2026, 3, 8, 5)  # 00:00 CST (-5) is the instant clocks show 01:00 CDT


def test_a_midnight_that_exists_twice_starts_the_day_at_the_first():
    # Havana falls back at 01:00 -> 00:00 (Sunday 1 Nov 2026): local 00:00-01:00 happens twice.
    start = local_midnight(date(2026, 11, 1), ZoneInfo("America/Havana"))
    assert start == utc(2026, 11, 1, 4)  # the first 00:00, still CDT (-4)


@pytest.mark.parametrize(
    ("stored", "becomes"),
    [
        ("Australia/Sydney", "Australia/Sydney"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("America/New York", "America/New_York"),
        ("US/Eastern", "America/New_York"),  # a legacy alias with the same rules: its zone
        ("GMT", "Etc/GMT"),
        ("localtime", "UTC"),  # files that are not zones
        ("posixrules", "UTC"),
        ("Factory", "UTC"),
        ("Mars/Olympus", "UTC"),  # no longer (or never) in the zone database
        ("", "UTC"),
    ],
)
def test_stored_zone_names_become_canonical_or_utc(stored, becomes):
    """The rule every data migration applies before a column becomes a zone field."""
    from config.timeutils import stored_zone_name

    assert stored_zone_name(stored) == becomes
