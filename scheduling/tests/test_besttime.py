"""The best-raid-time finder: worked examples and a brute-force oracle on random rosters."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.timeutils import local_midnight, wall_instant
from scheduling import selectors, services
from scheduling.actors import SYSTEM
from scheduling.besttime import LocalDays, RosterEntry, Window, find_best_slots, window_intervals
from scheduling.models import MemberZone, Player, PlayerAvailability
from scheduling.tests.factories import GUILD_ID, PlayerFactory, rank

UTC = dt.UTC
BEFORE_2026 = dt.datetime(2025, 12, 1, tzinfo=UTC)  # "now" for ranges that have not begun
ZONES = [
    "UTC",
    "America/Chicago",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "Asia/Kathmandu",  # +05:45
    "Pacific/Auckland",
]


def entry(pid, weight, zone, *windows):
    windows = tuple(Window(d, dt.time(*t), h) for d, t, h in windows)
    return RosterEntry(pid, f"p{pid}", weight, zoneinfo.ZoneInfo(zone), windows)


# --- the oracle: every slot, every player, straight from the definition ----------------------


def oracle(roster, range_start, range_end, length, grid):
    """Score and head count of every slot, computed without joining, sweeping or bisecting: a
    player covers [s, s+length) when the windows overlapping it, walked in start order, leave no
    gap. Windows are built from each slot's own neighbourhood of local dates."""
    results = []
    start = range_start
    while start < range_end:
        end = start + length
        score = heads = 0
        for player in roster:
            zone = player.zone
            windows = []
            local_day = start.astimezone(zone).date()
            for offset in range(-2, 2):
                day = local_day + dt.timedelta(days=offset)
                for window in player.windows:
                    if window.day_of_week == day.weekday():
                        w_start = dt.datetime.combine(day, window.earliest_start, tzinfo=zone).astimezone(UTC)
                        windows.append((w_start, w_start + dt.timedelta(hours=window.hours)))
            reached = start
            for w_start, w_end in sorted(windows):
                if w_start <= reached < w_end:
                    reached = w_end
            if reached >= end:
                score += player.weight
                heads += 1
        results.append((start, score, heads))
        start += grid
    return results


def check_against_oracle(roster, range_start, days, length, grid):
    range_end = range_start + dt.timedelta(days=days)
    expected = oracle(roster, range_start, range_end, length, grid)
    top = find_best_slots(
        roster, range_start=range_start, range_end=range_end, length=length, grid=grid, top=len(expected)
    )
    expected_order = sorted(expected, key=lambda r: (-r[1], -r[2], r[0]))
    assert [(s.start, s.score, s.head_count) for s in top] == expected_order
    for slot in top[:3]:
        assert sum(p.weight for p in slot.present) == slot.score
        assert len(slot.present) == slot.head_count
        assert {p.player_id for p in slot.present} | {p.player_id for p in slot.missing} == {
            p.player_id for p in roster
        }
        assert [p.weight for p in slot.missing] == sorted((p.weight for p in slot.missing), reverse=True)


window_st = st.tuples(
    st.integers(0, 6),
    st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 7])),
    st.integers(1, 160).map(lambda tenths: tenths / 10),
)
player_st = st.tuples(
    st.sampled_from([0, 1, 3, 5]),
    st.sampled_from(ZONES),
    st.lists(window_st, max_size=7, unique_by=lambda w: w[0]),
)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    players=st.lists(player_st, min_size=1, max_size=8),
    start=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31)).map(
        lambda d: d.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
    ),
    length=st.sampled_from([dt.timedelta(hours=2), dt.timedelta(minutes=90), dt.timedelta(hours=3)]),
    grid=st.sampled_from([dt.timedelta(minutes=30), dt.timedelta(minutes=15), dt.timedelta(minutes=60)]),
)
def test_matches_the_oracle_on_random_rosters(players, start, length, grid):
    roster = [entry(i + 1, weight, zone, *windows) for i, (weight, zone, windows) in enumerate(players)]
    check_against_oracle(roster, start, 2, length, grid)


def oracle_midnight(day, zone):
    """The first instant whose local date in `zone` is `day`, found by walking a UTC clock in
    quarter hours (every offset and clock change of these zones is on a quarter hour)."""
    instant = dt.datetime.combine(day, dt.time(0), tzinfo=UTC) - dt.timedelta(hours=15)
    while instant.astimezone(zone).date() < day:
        instant += dt.timedelta(minutes=15)
    return instant


# Local ranges (first day, number of days) across both clock changes of each zone. Havana changes
# at midnight (00:00 is skipped in March and happens twice in November); Santiago skips Sunday's
# 00:00 in September and repeats Saturday's 23:00 in April; Lord Howe moves by 30 minutes.
ZONED_RANGES = [
    ("America/Chicago", dt.date(2026, 3, 3), 6),  # the issue's example: spring forward 8 March
    ("America/Chicago", dt.date(2026, 10, 27), 7),  # fall back 1 November
    ("Europe/Berlin", dt.date(2026, 3, 23), 7),
    ("Europe/Berlin", dt.date(2026, 10, 20), 7),
    ("Australia/Lord_Howe", dt.date(2026, 4, 1), 7),  # 30 minutes back on 5 April
    ("Australia/Lord_Howe", dt.date(2026, 9, 29), 7),  # 30 minutes forward on 4 October
    ("Australia/Sydney", dt.date(2026, 10, 1), 5),
    ("America/Havana", dt.date(2026, 3, 2), 6),  # ends at a skipped midnight
    ("America/Havana", dt.date(2026, 3, 8), 3),  # starts at a skipped midnight
    ("America/Havana", dt.date(2026, 11, 1), 2),  # starts at a doubled midnight
    ("America/Santiago", dt.date(2026, 4, 2), 5),
    ("America/Santiago", dt.date(2026, 9, 6), 2),
]


@pytest.mark.parametrize(("zone_name", "date_from", "days"), ZONED_RANGES)
@settings(max_examples=6, deadline=None, database=None)
@given(players=st.lists(player_st, min_size=3, max_size=8), local=st.lists(window_st, min_size=1, max_size=7))
def test_matches_the_oracle_over_local_ranges_across_dst_changes(zone_name, date_from, days, players, local):
    """The range is local midnight to local midnight in a zone, passed as datetimes that share
    one ZoneInfo (they subtract as wall times); the oracle walks UTC between the midnights it
    finds itself. Every slot starts on one of the requested local days."""
    zone = zoneinfo.ZoneInfo(zone_name)
    roster = [entry(i + 1, weight, z, *windows) for i, (weight, z, windows) in enumerate(players)]
    roster.append(entry(len(roster) + 1, 5, zone_name, *{w[0]: w for w in local}.values()))
    first, last = date_from, date_from + dt.timedelta(days=days)
    expected_start, expected_end = oracle_midnight(first, zone), oracle_midnight(last, zone)
    assert (local_midnight(first, zone), local_midnight(last, zone)) == (expected_start, expected_end)

    range_start = dt.datetime.combine(first, dt.time(0), tzinfo=zone)
    range_end = dt.datetime.combine(last, dt.time(0), tzinfo=zone)
    expected = oracle(roster, expected_start, expected_end, dt.timedelta(hours=2), dt.timedelta(minutes=30))
    slots = find_best_slots(roster, range_start=range_start, range_end=range_end, top=len(expected))
    assert [(s.start, s.score, s.head_count) for s in slots] == sorted(expected, key=lambda r: (-r[1], -r[2], r[0]))
    assert all(first <= slot.start.astimezone(zone).date() < last for slot in slots)


@pytest.mark.parametrize(
    "zone_name",
    ["America/Chicago", "Australia/Lord_Howe", "America/Havana", "America/Santiago", "Asia/Kathmandu", "UTC"],
)
def test_local_days_read_every_wall_time_of_a_year_as_the_time_layer_does(zone_name):
    """The shortcut for days without a clock change (midnight plus the time of day) against
    `wall_instant` on every day of two years, at times inside and around each zone's changes."""
    zone = zoneinfo.ZoneInfo(zone_name)
    first, last = dt.date(2026, 1, 1), dt.date(2027, 12, 31)
    clocks = [dt.time(h, m) for h in range(24) for m in (0, 30)] + [dt.time(2, 15), dt.time(23, 59, 59)]
    days = LocalDays(zone, first, last)
    assert sum(len(dates) for dates in days.by_weekday.values()) == (last - first).days + 1
    changed = sum(1 for dates in days.by_weekday.values() for _, midnight in dates if midnight is None)
    assert changed == (0 if zone_name in {"UTC", "Asia/Kathmandu"} else 4)  # two changes a year
    # Each start through the shortcut and through the time layer; and a player's intervals.
    for weekday, dates in days.by_weekday.items():
        for date, midnight in dates:
            for clock in clocks:
                exact = int(wall_instant(date, clock, zone).timestamp()) // 60
                if midnight is not None:
                    assert (midnight + clock.hour * 3600 + clock.minute * 60 + clock.second) // 60 == exact
                assert date.weekday() == weekday
    player = RosterEntry(1, "p1", 1, zone, tuple(Window(day, clock, 1.0) for day in range(7) for clock in clocks))
    joined = window_intervals(player, first, last, days)
    assert joined[0][0] == int(wall_instant(first, dt.time(0), zone).timestamp()) // 60
    assert joined[-1][1] == int(wall_instant(last, dt.time(23, 59, 59), zone).timestamp()) // 60 + 60


def test_dst_exact_window_in_the_players_own_zone():
    # Monday 19:00 Chicago for 3 h: 01:00-04:00 UTC before US DST, 00:00-03:00 after.
    roster = [entry(1, 5, "America/Chicago", (0, (19, 0), 3.0))]
    before = find_best_slots(
        roster, range_start=dt.datetime(2026, 3, 2, tzinfo=UTC), range_end=dt.datetime(2026, 3, 4, tzinfo=UTC), top=2
    )
    after = find_best_slots(
        roster, range_start=dt.datetime(2026, 3, 9, tzinfo=UTC), range_end=dt.datetime(2026, 3, 11, tzinfo=UTC), top=2
    )
    assert [s.start.hour for s in before] == [1, 1] and before[0].start.minute == 0 and before[1].start.minute == 30
    assert [(s.start.hour, s.start.minute) for s in after] == [(0, 0), (0, 30)]
    assert before[0].score == after[0].score == 5


def test_window_past_midnight_continues_into_the_next_day():
    roster = [entry(1, 3, "UTC", (6, (23, 0), 3.0))]  # Sunday 23:00 to Monday 02:00
    best = find_best_slots(
        roster, range_start=dt.datetime(2026, 3, 2, tzinfo=UTC), range_end=dt.datetime(2026, 3, 3, tzinfo=UTC), top=1
    )
    assert best[0].start == dt.datetime(2026, 3, 2, 0, 0, tzinfo=UTC) and best[0].score == 3


def test_touching_windows_join():
    roster = [entry(1, 1, "UTC", (0, (22, 0), 2.0), (1, (0, 0), 2.0))]  # Mon 22-24, Tue 0-2
    best = find_best_slots(
        roster,
        range_start=dt.datetime(2026, 3, 2, 22, tzinfo=UTC),
        range_end=dt.datetime(2026, 3, 3, 1, tzinfo=UTC),
        length=dt.timedelta(hours=3),
        top=3,
    )
    # Mon 22:00 to Tue 02:00 is one stretch: 3-hour slots at 22:00, 22:30 and 23:00 fit in it.
    assert [(s.start.hour, s.start.minute, s.score) for s in best] == [(22, 0, 1), (22, 30, 1), (23, 0, 1)]


def test_weight_zero_never_changes_a_score_and_ties_go_to_head_count():
    officer = entry(1, 5, "UTC", (0, (18, 0), 4.0))
    initiate = entry(2, 0, "UTC", (0, (20, 0), 2.0))
    range_start, range_end = dt.datetime(2026, 3, 2, tzinfo=UTC), dt.datetime(2026, 3, 3, tzinfo=UTC)
    alone = find_best_slots([officer], range_start=range_start, range_end=range_end, top=3)
    both = find_best_slots([officer, initiate], range_start=range_start, range_end=range_end, top=3)
    assert [s.score for s in alone] == [s.score for s in both] == [5, 5, 5]
    assert both[0].start == dt.datetime(2026, 3, 2, 20, tzinfo=UTC)  # the tie goes to the slot with more people
    assert [p.player_id for p in both[0].present] == [1, 2]
    assert [p.player_id for p in both[1].missing] == [2]


def test_missing_players_are_listed_heaviest_first():
    roster = [entry(1, 1, "UTC"), entry(2, 5, "UTC"), entry(3, 3, "UTC"), entry(4, 0, "UTC", (0, (0, 0), 16.0))]
    best = find_best_slots(
        roster, range_start=dt.datetime(2026, 3, 2, tzinfo=UTC), range_end=dt.datetime(2026, 3, 3, tzinfo=UTC), top=1
    )
    assert [p.weight for p in best[0].missing] == [5, 3, 1]


@pytest.mark.django_db
def test_best_raid_times_reads_the_guild_roster(django_assert_num_queries):
    officer = PlayerFactory(rank=rank(level=4), timezone="Europe/Berlin")
    member = PlayerFactory(rank=rank(level=2), timezone="America/New_York")
    PlayerFactory(guild_id=5, rank=rank(5, level=5))
    services.availability_set(player=officer, day_of_week=2, earliest_start="20:00", available_hours=4)
    services.availability_set(player=member, day_of_week=2, earliest_start="14:00", available_hours=3)
    with django_assert_num_queries(1):
        slots = selectors.best_raid_times(
            actor=SYSTEM,
            guild_id=GUILD_ID,
            date_from=dt.date(2026, 6, 1),
            days=7,
            top=3,
            timezone="Europe/Berlin",
            now=BEFORE_2026,
        )
    # Wednesday 3 June: officer 18:00-22:00 UTC, member 18:00-21:00 UTC.
    assert slots[0].start == dt.datetime(2026, 6, 3, 18, tzinfo=UTC)
    assert (slots[0].score, slots[0].head_count, slots[0].missing_count) == (6, 2, 0)
    assert [(s.start.time(), s.score, s.missing_officers) for s in slots[1:]] == [
        (dt.time(18, 30), 6, []),
        (dt.time(19), 6, []),
    ]


@pytest.mark.django_db
def test_roster_for_scoring_is_one_query_of_plain_rows_whatever_the_roster_size(django_assert_num_queries):
    """Each player with availability, with their rank's weight and level, their stored zone (UTC
    when they never set one) and their windows; players without windows and other guilds' are
    left out. One query for 3 players and for 300."""
    lead = PlayerFactory(rank=rank(level=5), timezone="Asia/Kathmandu", display_name="Lead")
    services.availability_set(player=lead, day_of_week=4, earliest_start="21:30", available_hours=2.5)
    services.availability_set(player=lead, day_of_week=1, earliest_start="06:00", available_hours=1)
    zoneless = PlayerFactory(rank=rank(level=1), display_name="")
    services.availability_set(player=zoneless, day_of_week=0, earliest_start="00:00", available_hours=16)
    MemberZone.objects.filter(discord_user_id=zoneless.discord_user_id).delete()
    PlayerFactory(rank=rank(level=3))  # no windows
    elsewhere = PlayerFactory(guild_id=5, rank=rank(5, level=5))
    services.availability_set(player=elsewhere, day_of_week=0, earliest_start="20:00", available_hours=2)
    with django_assert_num_queries(1):
        roster = selectors.roster_for_scoring(guild_id=GUILD_ID)
    assert roster == [
        RosterEntry(
            player_id=lead.pk,
            name="Lead",
            weight=5,
            zone=zoneinfo.ZoneInfo("Asia/Kathmandu"),
            windows=(Window(1, dt.time(6), 1.0), Window(4, dt.time(21, 30), 2.5)),
            discord_user_id=lead.discord_user_id,
            rank_level=5,
        ),
        RosterEntry(
            player_id=zoneless.pk,
            name="",
            weight=0,
            zone=zoneinfo.ZoneInfo("UTC"),
            windows=(Window(0, dt.time(0), 16.0),),
            discord_user_id=zoneless.discord_user_id,
            rank_level=1,
        ),
    ]
    member = rank(level=2)
    many = Player.objects.bulk_create(
        Player(guild_id=GUILD_ID, discord_user_id=930_000_000_000_000_000 + n, rank=member) for n in range(300)
    )
    PlayerAvailability.objects.bulk_create(
        PlayerAvailability(player=p, day_of_week=d, earliest_start=dt.time(20), available_hours=Decimal(2))
        for p in many
        for d in (1, 3)
    )
    with django_assert_num_queries(1):
        assert len(selectors.roster_for_scoring(guild_id=GUILD_ID)) == 302


@pytest.mark.django_db
def test_best_time_present_is_one_query_and_the_finders_reading_of_the_slot(django_assert_num_queries):
    officer = PlayerFactory(rank=rank(level=4), timezone="Europe/Berlin", display_name="Officer")
    member = PlayerFactory(rank=rank(level=2), timezone="America/New_York", display_name="Member")
    services.availability_set(player=officer, day_of_week=2, earliest_start="20:00", available_hours=4)
    services.availability_set(player=member, day_of_week=2, earliest_start="14:00", available_hours=3)
    [best] = selectors.best_raid_times(
        actor=SYSTEM, guild_id=GUILD_ID, date_from=dt.date(2026, 6, 1), top=1, now=BEFORE_2026
    )
    with django_assert_num_queries(1):
        page = selectors.best_time_present(actor=SYSTEM, guild_id=GUILD_ID, start=best.start, page_size=1)
    assert (page.slot.start, page.slot.end, page.slot.score, page.slot.head_count) == (
        best.start,
        best.end,
        best.score,
        best.head_count,
    )
    assert (page.pages, [entry.name for entry in page.players]) == (2, ["Officer"])
    # 21:00 UTC, the member's window has ended: the officer alone.
    later = selectors.best_time_present(
        actor=SYSTEM, guild_id=GUILD_ID, start=dt.datetime(2026, 6, 3, 21, tzinfo=UTC), length=dt.timedelta(hours=1)
    )
    assert ([entry.name for entry in later.players], later.slot.score) == (["Officer"], 5)
    assert [entry.name for entry in later.slot.missing] == ["Member"] and later.slot.missing_officers == []


def test_missing_officers_are_the_missing_players_of_officer_rank_and_up():
    roster = [
        RosterEntry(1, "lead", 5, zoneinfo.ZoneInfo("UTC"), (), rank_level=5),
        RosterEntry(2, "officer", 5, zoneinfo.ZoneInfo("UTC"), (), rank_level=4),
        RosterEntry(3, "veteran", 3, zoneinfo.ZoneInfo("UTC"), (), rank_level=3),
        RosterEntry(4, "here", 5, zoneinfo.ZoneInfo("UTC"), (Window(0, dt.time(0), 16.0),), rank_level=4),
    ]
    [slot] = find_best_slots(
        roster, range_start=dt.datetime(2026, 3, 2, tzinfo=UTC), range_end=dt.datetime(2026, 3, 3, tzinfo=UTC), top=1
    )
    assert [entry.name for entry in slot.missing_officers] == ["lead", "officer"]
    assert slot.missing_count == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"days": 0}, "days"),
        ({"days": 15}, "days"),
        ({"grid": dt.timedelta(minutes=7)}, "grid_minutes"),
        ({"length": dt.timedelta(hours=9)}, "length_hours"),
        ({"timezone": "Nowhere/Land"}, "timezone"),
    ],
)
def test_best_raid_times_refuses_bad_input(kwargs, field):
    from config.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as error:
        selectors.best_raid_times(
            actor=SYSTEM, guild_id=GUILD_ID, date_from=dt.date(2026, 6, 1), now=BEFORE_2026, **kwargs
        )
    assert error.value.field == field


@pytest.mark.django_db
def test_best_raid_times_range_ends_at_local_midnight_across_a_dst_change():
    # The week of 23 March 2026 in Berlin is 167 hours long (the clocks skip 02:00 on Sunday 29th):
    # the range ends at Monday 30 March 00:00 CEST (22:00 UTC), not an hour later.
    player = PlayerFactory(rank=rank(level=4), timezone="Europe/Berlin")
    services.availability_set(player=player, day_of_week=0, earliest_start="00:00", available_hours=2)
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    slots = selectors.best_raid_times(
        actor=SYSTEM,
        guild_id=GUILD_ID,
        date_from=dt.date(2026, 3, 23),
        days=7,
        length=dt.timedelta(hours=1),
        top=25,
        timezone=berlin,
        now=BEFORE_2026,
    )
    range_end = dt.datetime(2026, 3, 29, 22, tzinfo=UTC)
    assert all(slot.start < range_end for slot in slots)
    # Only Monday 23 March's window is inside the range.
    covered = [slot.start for slot in slots if slot.head_count]
    first = dt.datetime(2026, 3, 22, 23, tzinfo=UTC)
    assert sorted(covered) == [first + dt.timedelta(minutes=30 * step) for step in range(3)]


@pytest.mark.django_db
def test_the_issues_chicago_spring_forward_week_answers_only_days_in_the_range():
    # One officer available Monday 00:00 for 2.5 h in Chicago; 3 to 8 March 2026 (clocks spring
    # forward on Sunday 8th): the range ends at Monday 9 March 00:00 CDT, so that Monday's window
    # is outside it and no slot may start there.
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    officer = PlayerFactory(rank=rank(level=4), timezone="America/Chicago")
    services.availability_set(player=officer, day_of_week=0, earliest_start="00:00", available_hours=2.5)
    slots = selectors.best_raid_times(
        actor=SYSTEM,
        guild_id=GUILD_ID,
        date_from=dt.date(2026, 3, 3),
        days=6,
        top=25,
        timezone=chicago,
        now=BEFORE_2026,
    )
    assert len(slots) == 25
    assert all(dt.date(2026, 3, 3) <= slot.start.astimezone(chicago).date() <= dt.date(2026, 3, 8) for slot in slots)
    assert {slot.score for slot in slots} == {0}


# --- no start that has passed -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_range_that_has_begun_starts_at_the_next_grid_point_after_now():
    # Wednesday 3 June 2026, 19:10 in Berlin; the officer is available from 18:00 to 23:00.
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    officer = PlayerFactory(rank=rank(level=4), timezone="Europe/Berlin")
    services.availability_set(player=officer, day_of_week=2, earliest_start="18:00", available_hours=5)
    now = dt.datetime(2026, 6, 3, 19, 10, tzinfo=berlin)
    slots = selectors.best_raid_times(
        actor=SYSTEM, guild_id=GUILD_ID, date_from=dt.date(2026, 6, 3), days=1, top=5, timezone=berlin, now=now
    )
    # Before the fix the top four were 18:00 to 19:30 (two of them, and 19:00, already begun).
    starts = [slot.start.astimezone(berlin).strftime("%H:%M") for slot in slots]
    assert starts == ["19:30", "20:00", "20:30", "21:00", "21:30"]
    assert [slot.score for slot in slots] == [5, 5, 5, 5, 0]
    # On a grid point exactly, that start has begun: the next one is offered.
    on_the_dot = selectors.best_raid_times(
        actor=SYSTEM,
        guild_id=GUILD_ID,
        date_from=dt.date(2026, 6, 3),
        days=1,
        top=1,
        timezone=berlin,
        now=dt.datetime(2026, 6, 3, 19, 30, tzinfo=berlin),
    )
    assert on_the_dot[0].start == dt.datetime(2026, 6, 3, 20, 0, tzinfo=berlin)


@pytest.mark.django_db
def test_a_range_that_has_ended_is_refused():
    from config.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as error:
        selectors.best_raid_times(
            actor=SYSTEM,
            guild_id=GUILD_ID,
            date_from=dt.date(2026, 6, 1),
            days=2,
            timezone="UTC",
            now=dt.datetime(2026, 6, 3, 0, 0, tzinfo=UTC),
        )
    assert error.value.field == "date_from"
    assert error.value.template == selectors.RANGE_OVER
    assert error.value.params == {"end": dt.datetime(2026, 6, 3, tzinfo=UTC)}


def test_the_next_grid_point_counts_from_local_midnight_at_lord_howe():
    # Lord Howe is UTC+10:30 in June: 19:10 local is 08:40 UTC; the next 30-minute start is 19:30.
    lord_howe = zoneinfo.ZoneInfo("Australia/Lord_Howe")
    now = dt.datetime(2026, 6, 3, 8, 40, tzinfo=UTC)
    start = selectors.next_grid_start(now=now, zone=lord_howe, grid=dt.timedelta(minutes=30))
    assert start.astimezone(lord_howe).replace(tzinfo=None) == dt.datetime(2026, 6, 3, 19, 30)
    hourly = selectors.next_grid_start(now=now, zone=lord_howe, grid=dt.timedelta(hours=1))
    assert hourly.astimezone(lord_howe).replace(tzinfo=None) == dt.datetime(2026, 6, 3, 20, 0)
