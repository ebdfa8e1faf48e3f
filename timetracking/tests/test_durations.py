"""The duration parser of the Adjust-time modal, as a table."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.exceptions import ApplicationError
from timetracking.durations import (
    ACCEPTED_FORMS,
    DURATION_EMPTY,
    DURATION_NEGATIVE,
    DURATION_TOO_LONG,
    DURATION_UNREADABLE,
    format_duration,
    format_duration_input,
    parse_duration,
)


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [
        ("1h 20m", 4800),
        ("1h20m", 4800),
        ("80m", 4800),
        ("1:20", 4800),
        ("4800s", 4800),
        ("80", 4800),
        ("  1H 20M  ", 4800),
        ("1 h 20 m", 4800),
        ("1 hour 20 minutes", 4800),
        ("2 hours", 7200),
        ("90 mins", 5400),
        ("1h 0m 30s", 3630),
        ("1.5h", 5400),
        ("0", 0),
        ("0m", 0),
        ("0:00", 0),
        ("0:05", 300),
        ("12:59", 12 * 3600 + 59 * 60),
        ("24:00", 86400),
        ("24h", 86400),
        ("1440", 86400),
        ("86400s", 86400),
        ("45s", 45),
        ("2.5", 150),
        ("20m 1h", 4800),
    ],
)
def test_accepted_forms(typed, seconds):
    assert parse_duration(typed) == seconds


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", DURATION_EMPTY),
        ("   ", DURATION_EMPTY),
        (None, DURATION_EMPTY),
        ("-5", DURATION_NEGATIVE),
        ("-1h", DURATION_NEGATIVE),
        ("- 20m", DURATION_NEGATIVE),
        ("24:01", DURATION_TOO_LONG),
        ("25h", DURATION_TOO_LONG),
        ("1441", DURATION_TOO_LONG),
        ("86401s", DURATION_TOO_LONG),
        ("1d", DURATION_UNREADABLE),
        ("abc", DURATION_UNREADABLE),
        ("1h 20", DURATION_UNREADABLE),
        ("1h1h", DURATION_UNREADABLE),
        ("1:2", DURATION_UNREADABLE),
        ("1:60", DURATION_UNREADABLE),
        ("1:20:30", DURATION_UNREADABLE),
        ("h", DURATION_UNREADABLE),
        ("1,5h", DURATION_UNREADABLE),
        ("1h-20m", DURATION_UNREADABLE),
        ("one hour", DURATION_UNREADABLE),
    ],
)
def test_refusals_name_the_accepted_forms(typed, message):
    with pytest.raises(ApplicationError) as refused:
        parse_duration(typed)
    shown = (typed or "").strip()
    assert refused.value.message == message.format(value=shown)
    assert refused.value.template == message
    if "{value}" in message:
        assert refused.value.params == {"value": shown}
    assert refused.value.message.endswith(ACCEPTED_FORMS)
    assert refused.value.field == "duration"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0m"), (40, "40s"), (60, "1m"), (4800, "1h 20m"), (3600 * 2 + 5 * 60 + 59, "2h 05m"), (-1800, "-30m")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


PREFILLED = [
    (0, "0m"),
    (59, "59s"),
    (60, "1m"),
    (2700, "45m"),
    (3600, "1h"),
    (3605, "1h 5s"),
    (4800, "1h 20m"),
    (4823, "1h 20m 23s"),
    (7200, "2h"),
    (7261, "2h 1m 1s"),
    (86400, "24h"),
]


@pytest.mark.parametrize(("seconds", "text"), PREFILLED)
def test_the_adjust_time_box_is_prefilled_in_hours_and_minutes(seconds, text):
    assert format_duration_input(seconds) == text


@pytest.mark.parametrize(("seconds", "text"), PREFILLED)
def test_the_prefilled_value_reads_back_as_the_same_duration(seconds, text):
    assert parse_duration(format_duration_input(seconds)) == seconds


@given(st.integers(min_value=0, max_value=24 * 3600))
def test_every_prefilled_value_reads_back(seconds):
    text = format_duration_input(seconds)
    assert "s" not in text or seconds % 60  # seconds only when there are any
    assert parse_duration(text) == seconds
