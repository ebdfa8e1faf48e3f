"""Next occurrence of a weekly slot across the 2026 DST changes, and the gap and fold decisions."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from config.exceptions import ApplicationError
from shifts.timeutils import NONEXISTENT_LOCAL, next_occurrence, parse_clock, parse_local_start, zone_or_error


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# (zone, now, weekday, hh, mm, expected UTC instant): the week before and the week after each change.
CASES = [
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


@pytest.mark.parametrize(("zone", "now", "day", "hour", "minute", "expected"), CASES)
def test_next_occurrence_keeps_the_local_wall_time_across_dst(zone, now, day, hour, minute, expected):
    result = next_occurrence(day_of_week=day, hour=hour, minute=minute, zone=ZoneInfo(zone), now=now)
    assert result == expected
    local = result.astimezone(ZoneInfo(zone))
    assert (local.weekday(), local.hour, local.minute) == (day, hour, minute)


def test_next_occurrence_is_strictly_after_now():
    zone = ZoneInfo("Europe/London")
    at = utc(2026, 6, 1, 8, 0)  # Monday 09:00 BST
    assert next_occurrence(day_of_week=0, hour=9, minute=0, zone=zone, now=at) == utc(2026, 6, 8, 8, 0)
    assert next_occurrence(day_of_week=0, hour=9, minute=0, zone=zone, now=utc(2026, 6, 1, 7, 59)) == at


def test_spring_forward_gap_slot_moves_an_hour_later_on_that_day_only():
    """02:30 does not exist on Sunday 2026-03-08 in New York: the slot happens at 03:30 EDT (07:30 UTC),
    the instant "02:30 EST" would have been; the next Sunday it is 02:30 EDT again."""
    zone = ZoneInfo("America/New_York")
    first = next_occurrence(day_of_week=6, hour=2, minute=30, zone=zone, now=utc(2026, 3, 2))
    assert first == utc(2026, 3, 8, 7, 30)
    assert first.astimezone(zone).strftime("%H:%M %Z") == "03:30 EDT"
    second = next_occurrence(day_of_week=6, hour=2, minute=30, zone=zone, now=first)
    assert second == utc(2026, 3, 15, 6, 30)
    assert second.astimezone(zone).strftime("%H:%M %Z") == "02:30 EDT"


def test_fall_back_fold_slot_is_the_first_occurrence():
    """01:30 happens twice on Sunday 2026-11-01 in New York: the slot is the first (01:30 EDT, 05:30 UTC)."""
    zone = ZoneInfo("America/New_York")
    first = next_occurrence(day_of_week=6, hour=1, minute=30, zone=zone, now=utc(2026, 10, 27))
    assert first == utc(2026, 11, 1, 5, 30)
    assert first.astimezone(zone).strftime("%H:%M %Z") == "01:30 EDT"
    # Between the two 01:30s the slot is next week's, not the repeated hour's.
    after_first = next_occurrence(day_of_week=6, hour=1, minute=30, zone=zone, now=utc(2026, 11, 1, 6, 0))
    assert after_first == utc(2026, 11, 8, 6, 30)


def test_sydney_gap_slot():
    zone = ZoneInfo("Australia/Sydney")  # 02:00 → 03:00 on Sunday 2026-10-04
    result = next_occurrence(day_of_week=6, hour=2, minute=30, zone=zone, now=utc(2026, 9, 30))
    assert result.astimezone(zone).strftime("%Y-%m-%d %H:%M") == "2026-10-04 03:30"


def test_typed_start_in_a_gap_is_refused_and_in_a_fold_is_the_first():
    zone = ZoneInfo("America/New_York")
    with pytest.raises(ApplicationError) as refused:
        parse_local_start("2026-03-08 02:30", zone)
    assert refused.value.message == NONEXISTENT_LOCAL.format(value="2026-03-08 02:30", zone="America/New_York")
    assert refused.value.field == "start"
    assert parse_local_start("2026-11-01 01:30", zone) == utc(2026, 11, 1, 5, 30)
    assert parse_local_start("2026-07-01 18:00", zone) == utc(2026, 7, 1, 22, 0)


@pytest.mark.parametrize("value", ["24:00", "7", "12:60", "ab:cd", "", "12:5"])
def test_bad_clock_times(value):
    with pytest.raises(ApplicationError) as refused:
        parse_clock(value)
    assert refused.value.field == "time"


@pytest.mark.parametrize("value", ["2026-02-30 10:00", "tomorrow", "2026-03-01", "01/03/2026 10:00"])
def test_bad_starts(value):
    with pytest.raises(ApplicationError) as refused:
        parse_local_start(value, ZoneInfo("UTC"))
    assert refused.value.field == "start"


def test_bad_zone_gets_a_suggestion():
    with pytest.raises(ApplicationError) as refused:
        zone_or_error("America/New_Yrok")
    assert "Did you mean America/New_York?" in refused.value.message
    with pytest.raises(ApplicationError) as lower:
        zone_or_error("europe/london")
    assert "Did you mean Europe/London?" in lower.value.message
    with pytest.raises(ApplicationError) as nothing:
        zone_or_error("qqqqqqqq")
    assert "is not an IANA time zone" in nothing.value.message
    assert zone_or_error("Australia/Sydney").key == "Australia/Sydney"
