"""Ticket statistics at each scope, figures computed by hand from the tickets of
`support.tests.stats_world` (see its table), boundaries included; the snapshot row each request
stores; refusals; the weekly bins of a long scope; the query count of reading the rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from config.actors import Actor
from config.exceptions import ApplicationError
from support import services
from support.models import TicketMetrics
from support.services.stats import SeriesBin, TicketRow, compute_stats, ticket_metrics_create, ticket_stats
from support.tests.factories import GUILD, MOD, OTHER_GUILD, SUPPORTER
from support.tests.stats_world import DAY, MODERATOR, NOW, build_world, make_ticket

pytestmark = pytest.mark.django_db

COUNTS_NOW = {"open": 1, "claimed": 1, "waiting_for_user": 0, "escalated": 0, "closed": 5, "archived": 0}


@pytest.fixture
def world():
    return build_world()


def staff(stats) -> list[tuple[int, int, int]]:
    return [(line.user_id, line.claimed, line.closed) for line in stats.staff]


def topics(stats) -> list[tuple[str, int]]:
    return [(t.topic, t.count) for t in stats.top_topics]


def test_the_world_is_as_its_table_says(world):
    assert world["T0"].status == "closed" and world["T0"].closed_by is None
    assert world["T5"].status == "claimed" and world["T6"].status == "open"
    assert world["T3"].first_response_at - world["T3"].status_changes.first().changed_at == timedelta(minutes=20)


def test_seven_days_a_ticket_opened_exactly_7_days_ago_counts(world):
    stats = ticket_stats(guild_id=GUILD, scope="7d", now=NOW)
    assert stats.since == NOW - 7 * DAY and stats.until == NOW
    assert stats.counts == COUNTS_NOW
    assert (stats.opened, stats.closed) == (3, 2)  # T3 (on the boundary), T5, T6; closed T3, T4
    # First response of T3 and T5: 20 and 60 minutes.
    assert (stats.first_response.count, stats.first_response.median_seconds) == (2, 2400)
    assert stats.first_response.average_seconds == 2400
    # Resolution of T3 (1 day) and T4 (5 days and 1 second).
    assert stats.resolution.count == 2
    assert stats.resolution.median_seconds == stats.resolution.average_seconds == (86400 + 432001) / 2
    assert staff(stats) == [(MOD, 2, 1), (SUPPORTER, 0, 1)]
    assert stats.auto_closed == 0
    assert (stats.rating_average, stats.rating_count) == (4, 1)
    assert topics(stats) == [("login", 2), ("Crash", 1)]
    assert stats.bin == "day"
    assert stats.series == [
        SeriesBin(date(2026, 6, 23), 1, 0),
        SeriesBin(date(2026, 6, 24), 0, 1),
        SeriesBin(date(2026, 6, 25), 0, 0),
        SeriesBin(date(2026, 6, 26), 0, 0),
        SeriesBin(date(2026, 6, 27), 0, 0),
        SeriesBin(date(2026, 6, 28), 1, 1),
        SeriesBin(date(2026, 6, 29), 0, 0),
        SeriesBin(date(2026, 6, 30), 1, 0),
    ]


def test_thirty_days(world):
    stats = ticket_stats(guild_id=GUILD, scope="30d", now=NOW)
    assert stats.counts == COUNTS_NOW
    assert (stats.opened, stats.closed) == (5, 3)  # T2 (on the boundary) to T6; closed T2, T3, T4
    # First responses 10, 20, 40, 60 minutes: median (20 + 40) / 2, average 130 / 4 minutes.
    assert (stats.first_response.count, stats.first_response.median_seconds) == (4, 1800)
    assert stats.first_response.average_seconds == 1950
    # Resolutions 1 day, 1 day, 5 days + 1 s.
    assert (stats.resolution.count, stats.resolution.median_seconds) == (3, 86400)
    assert stats.resolution.average_seconds == pytest.approx((2 * 86400 + 432001) / 3)
    # Both have 3; more closes first.
    assert staff(stats) == [(SUPPORTER, 1, 2), (MOD, 2, 1)]
    assert (stats.rating_average, stats.rating_count) == (3.5, 2)
    # Opening order T2, T4, T3, T5, T6: ties keep the first to appear.
    assert topics(stats) == [("Billing", 2), ("login", 2), ("Crash", 1)]
    assert len(stats.series) == 31 and stats.series[0].start == date(2026, 5, 31)
    assert sum(b.opened for b in stats.series) == 5 and sum(b.closed for b in stats.series) == 3
    assert stats.series[0] == SeriesBin(date(2026, 5, 31), 1, 0) and stats.series[1] == SeriesBin(
        date(2026, 6, 1), 0, 1
    )


def test_all_time(world):
    stats = ticket_stats(guild_id=GUILD, scope="all", now=NOW)
    assert stats.since is None
    assert (stats.opened, stats.closed) == (7, 5)
    # 10, 20, 30, 40, 60 minutes.
    assert (stats.first_response.count, stats.first_response.median_seconds) == (5, 1800)
    assert stats.first_response.average_seconds == 1920
    # 1, 1, 1, 5 days + 1 s, 14 days.
    assert (stats.resolution.count, stats.resolution.median_seconds) == (5, 86400)
    assert stats.resolution.average_seconds == pytest.approx(1900801 / 5)
    assert staff(stats) == [(MOD, 3, 2), (SUPPORTER, 1, 2)]
    assert stats.auto_closed == 1  # T0
    assert (stats.rating_average, stats.rating_count) == (4, 3)
    assert topics(stats) == [("Login", 3), ("Crash", 2), ("Billing", 2)]
    # From T0's day (1 May) to today: 61 days, fewer than 90, so per day.
    assert stats.bin == "day" and len(stats.series) == 61 and stats.series[0].start == date(2026, 5, 1)
    assert stats.series[0].opened == 1 and stats.series[14] == SeriesBin(date(2026, 5, 15), 0, 1)


def test_one_second_before_the_boundary_it_is_out(world):
    """The same world seen one second later: T3 (opened exactly 7 days before NOW) drops out."""
    later = ticket_stats(guild_id=GUILD, scope="7d", now=NOW + timedelta(seconds=1))
    assert later.opened == 2
    assert ticket_stats(guild_id=GUILD, scope="30d", now=NOW + timedelta(seconds=1)).opened == 4


def test_events_after_now_are_not_counted(world):
    """Seen 30 minutes after T5 was opened: before its first response and its claim, and before
    T6 was opened."""
    earlier = ticket_stats(guild_id=GUILD, scope="7d", now=NOW - 2 * DAY + timedelta(minutes=30))
    assert earlier.opened == 3  # T4, T3, T5 (the scope starts 9 days before NOW, T6 is not open yet)
    assert staff(earlier) == [(MOD, 1, 1), (SUPPORTER, 0, 1)]  # T5's claim is still to come
    # T4 (40 min) and T3 (20 min); T5's response comes 30 minutes later.
    assert (earlier.first_response.count, earlier.first_response.median_seconds) == (2, 1800)


def test_other_guilds_tickets_are_not_counted(world):
    make_ticket("Elsewhere", NOW - DAY, guild_id=OTHER_GUILD)
    stats = ticket_stats(guild_id=GUILD, scope="all", now=NOW)
    assert stats.opened == 7
    assert ticket_stats(guild_id=OTHER_GUILD, scope="all", now=NOW).opened == 1


def test_the_snapshot_row_holds_the_seeds_columns_and_every_figure(world):
    row, stats = ticket_metrics_create(guild_id=GUILD, actor=MODERATOR, scope="30d", now=NOW)
    stored = TicketMetrics.objects.get()
    assert stored.pk == row.pk
    assert (stored.guild_id, stored.scope, stored.computed_at, stored.triggered_by) == (GUILD, "30d", NOW, MOD)
    assert stored.counts == COUNTS_NOW
    assert stored.average_cycle_time == round((2 * 86400 + 432001) / 3) == 201600
    assert stored.snapshot == stats.as_json()
    assert stored.snapshot["opened"] == 5 and stored.snapshot["since"] == "2026-05-31T12:00:00+00:00"
    assert stored.snapshot["staff"][0] == {"user_id": str(SUPPORTER), "claimed": 1, "closed": 2}
    assert stored.snapshot["series"][0] == {"start": "2026-05-31", "opened": 1, "closed": 0}
    ticket_metrics_create(guild_id=GUILD, actor=MODERATOR, scope="7d", now=NOW)
    assert TicketMetrics.objects.count() == 2  # one per request


def test_refusals_write_nothing(world):
    member = Actor(user_id=12345)
    with pytest.raises(ApplicationError) as refused:
        ticket_metrics_create(guild_id=GUILD, actor=member, scope="7d", now=NOW)
    assert refused.value.message == services.NOT_STAFF
    with pytest.raises(ApplicationError) as bad:
        ticket_metrics_create(guild_id=GUILD, actor=MODERATOR, scope="1y", now=NOW)
    assert bad.value.message == "The scope must be one of: 7d, 30d, all." and bad.value.field_errors() == {
        "scope": ["The scope must be one of: 7d, 30d, all."]
    }
    assert not TicketMetrics.objects.exists()


def test_no_tickets():
    stats = ticket_stats(guild_id=GUILD, scope="all", now=NOW)
    assert (stats.opened, stats.closed, stats.series, stats.top_topics) == (0, 0, [], [])
    assert stats.first_response.median_seconds is None and stats.rating_average is None
    week = ticket_stats(guild_id=GUILD, scope="7d", now=NOW)
    assert len(week.series) == 8 and not any(b.opened or b.closed for b in week.series)


def test_a_long_all_scope_is_binned_by_week_from_monday():
    opened = NOW - 100 * DAY  # Saturday 2026-03-22
    rows = [
        TicketRow(status="closed", topic="a", opened_at=opened, closed_at=opened + 2 * DAY),
        TicketRow(status="open", topic="b", opened_at=NOW - DAY),
    ]
    stats = compute_stats(rows, guild_id=GUILD, scope="all", now=NOW)
    assert stats.bin == "week"
    assert stats.series[0] == SeriesBin(date(2026, 3, 16), 1, 0)  # the Monday of the opening's week
    assert stats.series[1] == SeriesBin(date(2026, 3, 23), 0, 1)  # closed on Tuesday the 24th
    assert stats.series[-1] == SeriesBin(date(2026, 6, 29), 1, 0)  # NOW is Tuesday 30 June
    assert all(b.start.weekday() == 0 for b in stats.series) and len(stats.series) == 16


def test_reading_the_rows_is_one_query_whatever_their_number(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        ticket_stats(guild_id=GUILD, scope="all", now=NOW)
    for day in range(5):
        make_ticket(f"More {day}", NOW - day * DAY - timedelta(hours=3))
    with django_assert_num_queries(1):
        assert ticket_stats(guild_id=GUILD, scope="all", now=NOW).opened == 12


def test_erasing_a_member_anonymises_who_asked_and_their_staff_lines(world):
    asked, _ = ticket_metrics_create(guild_id=GUILD, actor=MODERATOR, scope="all", now=NOW)
    other, _ = ticket_metrics_create(
        guild_id=GUILD, actor=Actor(user_id=SUPPORTER, is_moderator=True), scope="all", now=NOW
    )
    services.gdpr_erase(subject_user_id=MOD, actor=Actor(user_id=MOD), source="discord", confirmation="DELETE")
    asked.refresh_from_db()
    other.refresh_from_db()
    assert asked.triggered_by != MOD and other.triggered_by == SUPPORTER
    for row in (asked, other):
        ids = [line["user_id"] for line in row.snapshot["staff"]]
        assert str(MOD) not in ids and str(SUPPORTER) in ids and len(ids) == 2
        assert row.snapshot["opened"] == 7  # the figures stay
