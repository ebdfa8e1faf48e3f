"""Weeks start on Monday 00:00 in the user's zone, across DST changes and west of UTC."""

from datetime import UTC, date, datetime, timedelta

import pytest

from timetracking.weeks import local_midnight, week_containing, week_starting

SYDNEY = "Australia/Sydney"
LOS_ANGELES = "America/Los_Angeles"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


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
    start = local_midnight(date(2026, 3, 8), __import__("zoneinfo").ZoneInfo("America/Havana"))
    assert start == utc(2026, 3, 8, 5)  # 00:00 CST (-5) is the instant clocks show 01:00 CDT


def test_a_midnight_that_exists_twice_starts_the_day_at_the_first():
    # Havana falls back at 01:00 -> 00:00 (Sunday 1 Nov 2026): local 00:00-01:00 happens twice.
    start = local_midnight(date(2026, 11, 1), __import__("zoneinfo").ZoneInfo("America/Havana"))
    assert start == utc(2026, 11, 1, 4)  # the first 00:00, still CDT (-4)
