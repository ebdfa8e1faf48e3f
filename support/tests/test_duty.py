"""Who is on duty (the live shift roster) and when the next shift starts: claimed shifts, a
moderator's own slot occurrences (assigned) unless dropped, cancelled drops, boundaries, DST,
and the query counts, which do not grow with the roster."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shifts.selectors import duty_spans, next_duty_start, on_duty
from shifts.tests.factories import MOD_A, MOD_B, NOW, ModScheduleFactory, ShiftFactory
from support.services.duty import Duty, duty_at
from support.tests.factories import STAFF_ROLE, SupportSettingsFactory

pytestmark = pytest.mark.django_db

GUILD = 700_000_000_000_000_001  # the shifts factories' guild
OTHER = 700_000_000_000_000_002
MOD_C = 720_000_000_000_000_004


def claimed(start: datetime, hours: float = 1.0, by: int = MOD_A, **extra):
    return ShiftFactory(
        start_time_utc=start, duration_hours=hours, claimed_by=by, claimed_at=start - timedelta(days=1), **extra
    )


def monday_noon_slot(user_id: int = MOD_B, **extra):
    """A weekly slot on Mondays 11:00-13:00 UTC (NOW is Monday 2026-06-01 12:00 UTC)."""
    return ModScheduleFactory(user_id=user_id, day_of_week=0, hour=11, timezone="UTC", duration_hours=2.0, **extra)


def test_a_claimed_shift_covering_now_puts_its_claimer_on_duty():
    claimed(NOW - timedelta(minutes=30))
    assert on_duty(guild_id=GUILD, now=NOW) == [MOD_A]
    assert on_duty(guild_id=OTHER, now=NOW) == []


def test_start_is_covered_end_is_not():
    claimed(NOW, hours=1)
    assert on_duty(guild_id=GUILD, now=NOW) == [MOD_A]
    assert on_duty(guild_id=GUILD, now=NOW + timedelta(hours=1)) == []
    assert on_duty(guild_id=GUILD, now=NOW - timedelta(seconds=1)) == []


def test_open_cancelled_and_other_guilds_shifts_cover_nobody():
    ShiftFactory(start_time_utc=NOW - timedelta(minutes=10))  # dropped, never claimed
    claimed(NOW - timedelta(minutes=10), by=MOD_B, cancelled=True, cancelled_at=NOW - timedelta(hours=2))
    claimed(NOW - timedelta(minutes=10), guild_id=OTHER)
    assert on_duty(guild_id=GUILD, now=NOW) == []


def test_an_assigned_slot_covering_now_puts_its_moderator_on_duty():
    monday_noon_slot()
    assert on_duty(guild_id=GUILD, now=NOW) == [MOD_B]
    assert on_duty(guild_id=GUILD, now=NOW + timedelta(hours=1)) == []  # 13:00: the slot has ended
    assert on_duty(guild_id=GUILD, now=NOW + timedelta(days=7)) == [MOD_B]


def test_a_dropped_occurrence_is_covered_by_its_claimer_or_nobody_and_a_cancelled_drop_gives_it_back():
    slot = monday_noon_slot()
    occurrence = NOW - timedelta(hours=1)
    drop = ShiftFactory(
        start_time_utc=occurrence, duration_hours=2.0, created_by=MOD_B, assigned_user_id=MOD_B, schedule=slot
    )
    assert on_duty(guild_id=GUILD, now=NOW) == []
    drop.claimed_by, drop.claimed_at = MOD_A, NOW - timedelta(days=1)
    drop.save()
    assert on_duty(guild_id=GUILD, now=NOW) == [MOD_A]
    drop.cancelled, drop.cancelled_at = True, NOW - timedelta(hours=3)
    drop.save()
    assert on_duty(guild_id=GUILD, now=NOW) == [MOD_B]
    # Next week's occurrence was not dropped.
    assert on_duty(guild_id=GUILD, now=NOW + timedelta(days=7)) == [MOD_B]


def test_two_on_duty_at_once_in_id_order():
    monday_noon_slot(user_id=MOD_C)
    claimed(NOW - timedelta(minutes=5), by=MOD_A)
    assert on_duty(guild_id=GUILD, now=NOW) == [MOD_A, MOD_C]


def test_next_shift_start_skips_dropped_unclaimed_occurrences():
    slot = monday_noon_slot()
    later = NOW + timedelta(hours=2)  # Monday 14:00: nobody
    assert next_duty_start(guild_id=GUILD, now=later) == datetime(2026, 6, 8, 11, 0, tzinfo=UTC)
    ShiftFactory(
        start_time_utc=datetime(2026, 6, 8, 11, 0, tzinfo=UTC),
        duration_hours=2.0,
        created_by=MOD_B,
        assigned_user_id=MOD_B,
        schedule=slot,
    )
    assert next_duty_start(guild_id=GUILD, now=later) == datetime(2026, 6, 15, 11, 0, tzinfo=UTC)
    claimed(datetime(2026, 6, 10, 20, 0, tzinfo=UTC), by=MOD_A)
    assert next_duty_start(guild_id=GUILD, now=later) == datetime(2026, 6, 10, 20, 0, tzinfo=UTC)


def test_no_upcoming_shift():
    assert next_duty_start(guild_id=GUILD, now=NOW) is None
    claimed(NOW + timedelta(days=60))  # beyond the five weeks looked at
    assert next_duty_start(guild_id=GUILD, now=NOW) is None


def test_a_slot_keeps_its_wall_time_across_dst():
    """Sundays 01:00-03:00 in New York. On 2026-03-08 clocks jump 02:00 -> 03:00: the slot starts
    01:00 EST (06:00 UTC) and lasts its two hours, to 08:00 UTC (04:00 EDT). The next Sunday
    01:00 is EDT: 05:00 UTC. On 2026-11-01 (01:00-02:00 happens twice) it is the first 01:00
    (EDT, 05:00 UTC)."""
    ModScheduleFactory(user_id=MOD_B, day_of_week=6, hour=1, timezone="America/New_York", duration_hours=2.0)
    spring = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert on_duty(guild_id=GUILD, now=spring) == [MOD_B]
    assert on_duty(guild_id=GUILD, now=datetime(2026, 3, 8, 8, 0, tzinfo=UTC)) == []
    assert next_duty_start(guild_id=GUILD, now=spring) == datetime(2026, 3, 15, 5, 0, tzinfo=UTC)
    assert on_duty(guild_id=GUILD, now=datetime(2026, 3, 15, 5, 0, tzinfo=UTC)) == [MOD_B]
    assert on_duty(guild_id=GUILD, now=datetime(2026, 3, 15, 6, 59, tzinfo=UTC)) == [MOD_B]
    assert on_duty(guild_id=GUILD, now=datetime(2026, 3, 15, 7, 0, tzinfo=UTC)) == []
    autumn = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    assert next_duty_start(guild_id=GUILD, now=autumn) == datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
    assert on_duty(guild_id=GUILD, now=datetime(2026, 11, 1, 6, 30, tzinfo=UTC)) == [MOD_B]


def test_spans_say_what_covers_what():
    monday_noon_slot()
    claimed(NOW + timedelta(hours=3), by=MOD_A)
    spans = duty_spans(guild_id=GUILD, start=NOW, end=NOW + timedelta(hours=4))
    assert [(s.user_id, s.kind, s.start) for s in spans] == [
        (MOD_B, "assigned", NOW - timedelta(hours=1)),
        (MOD_A, "claimed", NOW + timedelta(hours=3)),
    ]


@pytest.mark.parametrize("slots", [1, 10])
def test_query_counts_do_not_grow_with_the_roster(slots, django_assert_num_queries):
    SupportSettingsFactory(guild_id=GUILD)
    for n in range(slots):
        ModScheduleFactory(user_id=MOD_C + n, day_of_week=2, hour=n, timezone="Europe/Berlin")
        claimed(NOW + timedelta(days=3, hours=n), by=MOD_A)
    with django_assert_num_queries(2):
        assert on_duty(guild_id=GUILD, now=NOW) == []
    with django_assert_num_queries(2):
        assert next_duty_start(guild_id=GUILD, now=NOW) is not None
    with django_assert_num_queries(5):  # on duty (2), the staff roles (1), the next start (2)
        duty = duty_at(guild_id=GUILD, now=NOW)
    assert duty.role_ids == (STAFF_ROLE,) and duty.next_start is not None
    with django_assert_num_queries(3):  # the ping needs no next start
        assert duty_at(guild_id=GUILD, now=NOW, with_next_start=False) == Duty(role_ids=(STAFF_ROLE,))


def test_duty_at_on_duty_or_the_staff_roles_with_the_next_start(django_assert_num_queries):
    SupportSettingsFactory(guild_id=GUILD)
    monday_noon_slot()
    with django_assert_num_queries(2):
        assert duty_at(guild_id=GUILD, now=NOW) == Duty(user_ids=(MOD_B,))
    later = NOW + timedelta(hours=2)
    assert duty_at(guild_id=GUILD, now=later) == Duty(
        role_ids=(STAFF_ROLE,), next_start=datetime(2026, 6, 8, 11, 0, tzinfo=UTC)
    )
