"""The services: every action against every status, the effective-time arithmetic, subjects and
allocations, and the database's own guarantees."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.exceptions import ApplicationError
from config.timeutils import zone_error_message
from scheduling.models import MemberZone
from timetracking import rules, selectors, services
from timetracking.models import FocusSession, Subject, TrackedUser, WeeklyAllocation
from timetracking.tests.factories import OTHER_USER_ID, T0, USER_ID, session_in_status

pytestmark = pytest.mark.django_db

S = FocusSession.Status
STATUSES = [S.RUNNING, S.PAUSED, S.ENDED_UNCONFIRMED, S.ENDED_CONFIRMED]
LATER = T0 + timedelta(hours=2)


def act(action: str, session_id: int, *, user_id: int = USER_ID):
    """Perform `action` on a session as `user_id`, two hours after T0."""
    calls = {
        rules.PAUSE: lambda: services.session_pause(user_id=user_id, session_id=session_id, now=LATER),
        rules.RESUME: lambda: services.session_resume(user_id=user_id, session_id=session_id, now=LATER),
        rules.CLOCK_OUT: lambda: services.session_clock_out(user_id=user_id, session_id=session_id, now=LATER),
        rules.ADJUST_TIME: lambda: services.session_adjust_time(
            user_id=user_id, session_id=session_id, effective_seconds=600
        ),
        rules.CONFIRM: lambda: services.session_confirm(user_id=user_id, session_id=session_id),
        rules.REOPEN: lambda: services.session_reopen(user_id=user_id, session_id=session_id, now=LATER),
        rules.EDIT_PURPOSE: lambda: services.session_set_purpose(
            user_id=user_id, session_id=session_id, purpose="new purpose"
        ),
        rules.KEEP_GOING: lambda: services.session_keep_going(user_id=user_id, session_id=session_id, now=LATER),
    }
    return calls[action]()


def snapshot() -> list[dict]:
    return list(FocusSession.objects.order_by("pk").values())


# What each allowed (action, status) leads to.
RESULT_STATUS = {
    rules.PAUSE: S.PAUSED,
    rules.RESUME: S.RUNNING,
    rules.CLOCK_OUT: S.ENDED_UNCONFIRMED,
    rules.ADJUST_TIME: S.ENDED_UNCONFIRMED,
    rules.CONFIRM: S.ENDED_CONFIRMED,
    rules.REOPEN: S.RUNNING,
    rules.KEEP_GOING: S.RUNNING,
}

EXPECTED_REFUSAL = {
    (rules.PAUSE, S.PAUSED): "This session is already paused.",
    (rules.PAUSE, S.ENDED_UNCONFIRMED): "This session is already clocked out.",
    (rules.PAUSE, S.ENDED_CONFIRMED): "This session is already clocked out and confirmed.",
    (rules.RESUME, S.RUNNING): "This session isn't paused.",
    (rules.RESUME, S.ENDED_UNCONFIRMED): "This session is already clocked out.",
    (rules.RESUME, S.ENDED_CONFIRMED): "This session is already clocked out and confirmed.",
    (rules.CLOCK_OUT, S.ENDED_UNCONFIRMED): "This session is already clocked out.",
    (rules.CLOCK_OUT, S.ENDED_CONFIRMED): "This session is already clocked out and confirmed.",
    (rules.ADJUST_TIME, S.RUNNING): "Clock out first: the time can be adjusted once the session has ended.",
    (rules.ADJUST_TIME, S.PAUSED): "Clock out first: the time can be adjusted once the session has ended.",
    (rules.ADJUST_TIME, S.ENDED_CONFIRMED): "This session is confirmed; it can no longer be changed.",
    (rules.CONFIRM, S.RUNNING): "Clock out first, then confirm.",
    (rules.CONFIRM, S.PAUSED): "Clock out first, then confirm.",
    (rules.CONFIRM, S.ENDED_CONFIRMED): "This session is already confirmed.",
    (rules.REOPEN, S.RUNNING): "This session is still open, so there is nothing to reopen.",
    (rules.REOPEN, S.PAUSED): "This session is still open, so there is nothing to reopen.",
    (rules.REOPEN, S.ENDED_CONFIRMED): "This session is confirmed; it can no longer be changed.",
    (rules.EDIT_PURPOSE, S.ENDED_CONFIRMED): "This session is confirmed; it can no longer be changed.",
    (rules.KEEP_GOING, S.PAUSED): "This session is paused. Resume it when you're back.",
    (rules.KEEP_GOING, S.ENDED_UNCONFIRMED): "This session is already clocked out.",
    (rules.KEEP_GOING, S.ENDED_CONFIRMED): "This session is already clocked out and confirmed.",
}


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", rules.ACTIONS)
def test_every_action_against_every_status(action, status):
    session = session_in_status(status)
    refusal = EXPECTED_REFUSAL.get((action, status))
    assert rules.refusal_for(action, status) == refusal
    before = snapshot()
    if refusal is None:
        result = act(action, session.pk)
        assert result.status == RESULT_STATUS.get(action, status)
        stored = FocusSession.objects.get(pk=session.pk)
        assert stored.status == result.status
        assert snapshot() != before
    else:
        with pytest.raises(ApplicationError) as refused:
            act(action, session.pk)
        assert refused.value.message == refusal
        assert snapshot() == before


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", rules.ACTIONS)
def test_every_action_on_someone_elses_session_is_refused(action, status):
    session = session_in_status(status)
    before = snapshot()
    with pytest.raises(ApplicationError) as refused:
        act(action, session.pk, user_id=OTHER_USER_ID)
    assert refused.value.message == rules.NOT_YOURS
    assert snapshot() == before
    assert not TrackedUser.objects.filter(pk=OTHER_USER_ID).exists()


@pytest.mark.parametrize("action", rules.ACTIONS)
def test_every_action_on_a_missing_session_is_refused(action):
    with pytest.raises(ApplicationError) as refused:
        act(action, 987_654)
    assert refused.value.message == rules.SESSION_NOT_FOUND


@pytest.mark.parametrize("status", STATUSES)
def test_clock_in_against_every_status(status):
    session = session_in_status(status)
    before = snapshot()
    if status in FocusSession.ACTIVE:
        with pytest.raises(ApplicationError) as refused:
            services.session_clock_in(user_id=USER_ID, subject="Gym", now=LATER)
        word = "running" if status == S.RUNNING else "paused"
        assert (
            refused.value.message
            == f"You already have a session {word} on **search_engine**. Clock out with `/session out` first."
        )
        assert refused.value.template == rules.ALREADY_ACTIVE
        assert refused.value.params == {"status": word, "subject": "search_engine"}
        assert snapshot() == before
        assert not Subject.objects.filter(name="Gym").exists()
    else:
        new = services.session_clock_in(user_id=USER_ID, subject="Gym", now=LATER)
        assert new.pk != session.pk
        assert new.status == S.RUNNING


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (services.session_pause, rules.NO_ACTIVE_SESSION),
        (services.session_resume, rules.NO_ACTIVE_SESSION),
        (services.session_clock_out, rules.NO_ACTIVE_SESSION),
    ],
)
def test_commands_without_an_active_session(call, message):
    session_in_status(S.ENDED_UNCONFIRMED)
    before = snapshot()
    with pytest.raises(ApplicationError) as refused:
        call(user_id=USER_ID, now=LATER)
    assert refused.value.message == message
    assert snapshot() == before


def test_commands_act_on_the_active_session():
    session = services.session_clock_in(user_id=USER_ID, subject="search_engine", now=T0)
    assert services.session_pause(user_id=USER_ID, now=T0 + timedelta(minutes=10)).pk == session.pk
    assert services.session_resume(user_id=USER_ID, now=T0 + timedelta(minutes=15)).pk == session.pk
    ended = services.session_clock_out(user_id=USER_ID, goal="scraper done", now=T0 + timedelta(minutes=45))
    assert ended.pk == session.pk
    assert (ended.status, ended.goal, ended.total_paused_seconds) == (S.ENDED_UNCONFIRMED, "scraper done", 300)


# ---------------------------------------------------------------------------- effective time


def test_effective_time_without_pauses():
    session = services.session_clock_in(user_id=USER_ID, subject="x", now=T0)
    now = T0 + timedelta(minutes=50)
    assert (session.measured_seconds(now), session.paused_seconds(now), session.effective_seconds(now)) == (
        3000,
        0,
        3000,
    )
    ended = services.session_clock_out(user_id=USER_ID, now=T0 + timedelta(minutes=80))
    # Once ended, time stops: the clock-out is the end, whatever `now` is.
    later = T0 + timedelta(days=3)
    assert (ended.measured_seconds(later), ended.paused_seconds(later), ended.effective_seconds(later)) == (
        4800,
        0,
        4800,
    )


def test_effective_time_with_pauses_including_a_running_one():
    session = services.session_clock_in(user_id=USER_ID, subject="x", now=T0)
    services.session_pause(user_id=USER_ID, now=T0 + timedelta(minutes=20))
    services.session_resume(user_id=USER_ID, now=T0 + timedelta(minutes=30))
    paused = services.session_pause(user_id=USER_ID, now=T0 + timedelta(minutes=60))
    now = T0 + timedelta(minutes=75)
    assert paused.total_paused_seconds == 600
    # 75 min elapsed, 10 min ended pause + 15 min of the pause still running.
    assert (paused.measured_seconds(now), paused.paused_seconds(now), paused.effective_seconds(now)) == (
        4500,
        1500,
        3000,
    )
    # Clocking out while paused accrues the running pause.
    ended = services.session_clock_out(user_id=USER_ID, now=T0 + timedelta(minutes=90))
    assert ended.pause_started_at is None
    assert ended.total_paused_seconds == 600 + 1800
    assert (ended.measured_seconds(now), ended.paused_seconds(now), ended.effective_seconds(now)) == (5400, 2400, 3000)
    assert FocusSession.objects.get(pk=session.pk).effective_seconds(now) == 3000


def test_override_becomes_the_truth():
    session = session_in_status(S.ENDED_UNCONFIRMED)  # 60 min, 0 paused
    adjusted = services.session_adjust_time(user_id=USER_ID, session_id=session.pk, effective_seconds=45 * 60)
    assert adjusted.status == S.ENDED_UNCONFIRMED
    assert adjusted.effective_seconds(LATER) == 2700
    assert adjusted.computed_seconds(LATER) == 3600
    # Adjusting again replaces it; more than measured is allowed (a late clock-in).
    again = services.session_adjust_time(user_id=USER_ID, session_id=session.pk, effective_seconds=7200)
    assert again.effective_seconds(LATER) == 7200
    confirmed = services.session_confirm(user_id=USER_ID, session_id=session.pk)
    assert confirmed.effective_seconds(LATER) == 7200


@pytest.mark.parametrize("seconds", [-1, 24 * 3600 + 1])
def test_override_out_of_range_is_refused(seconds):
    session = session_in_status(S.ENDED_UNCONFIRMED)
    with pytest.raises(ApplicationError) as refused:
        services.session_adjust_time(user_id=USER_ID, session_id=session.pk, effective_seconds=seconds)
    assert refused.value.message == services.OVERRIDE_INVALID
    assert FocusSession.objects.get(pk=session.pk).effective_override_seconds is None


def test_reopen_counts_the_gap_as_paused_and_drops_the_override():
    session = services.session_clock_in(user_id=USER_ID, subject="x", now=T0)
    services.session_pause(user_id=USER_ID, now=T0 + timedelta(minutes=10))
    services.session_resume(user_id=USER_ID, now=T0 + timedelta(minutes=20))
    services.session_clock_out(user_id=USER_ID, now=T0 + timedelta(minutes=60))
    services.session_adjust_time(user_id=USER_ID, session_id=session.pk, effective_seconds=100)
    reopened = services.session_reopen(user_id=USER_ID, session_id=session.pk, now=T0 + timedelta(minutes=90))
    assert reopened.status == S.RUNNING
    assert reopened.ended_at is None
    assert reopened.effective_override_seconds is None
    assert reopened.total_paused_seconds == 600 + 1800
    now = T0 + timedelta(minutes=100)
    # 100 min elapsed - 40 min paused (10 + the 30 min gap) = 60 min.
    assert reopened.effective_seconds(now) == 3600
    again = services.session_clock_out(user_id=USER_ID, now=now)
    assert again.effective_seconds(now + timedelta(hours=5)) == 3600


def test_reopen_is_refused_while_another_session_is_active():
    first = session_in_status(S.ENDED_UNCONFIRMED)
    services.session_clock_in(user_id=USER_ID, subject="Gym", now=LATER)
    before = snapshot()
    with pytest.raises(ApplicationError) as refused:
        services.session_reopen(user_id=USER_ID, session_id=first.pk, now=LATER)
    assert refused.value.message == (
        "You have another session running on **Gym**. Clock that one out before reopening this one."
    )
    assert (refused.value.template, refused.value.params) == (
        rules.OTHER_SESSION_ACTIVE,
        {"status": "running", "subject": "Gym"},
    )
    assert snapshot() == before


def test_purpose_and_note():
    session = session_in_status(S.RUNNING)
    assert services.session_set_purpose(user_id=USER_ID, session_id=session.pk, purpose="  read  ").goal == "read"
    assert services.session_set_purpose(user_id=USER_ID, session_id=session.pk, purpose="").goal == ""
    assert services.session_set_note(user_id=USER_ID, session_id=session.pk, note="n").note == "n"
    with pytest.raises(ApplicationError) as refused:
        services.session_set_purpose(user_id=USER_ID, session_id=session.pk, purpose="x" * 301)
    assert refused.value.message == services.PURPOSE_TOO_LONG


def test_a_blank_purpose_at_clock_out_keeps_the_old_one():
    session_in_status(S.RUNNING)
    ended = services.session_clock_out(user_id=USER_ID, goal="   ", now=LATER)
    assert ended.goal == "finish web scraper"


# ---------------------------------------------------------------------------- subjects, allocations, users


def test_subjects_are_matched_ignoring_case_and_spaces():
    first = services.session_clock_in(user_id=USER_ID, subject="  Search   Engine ", now=T0)
    services.session_clock_out(user_id=USER_ID, now=T0 + timedelta(minutes=5))
    second = services.session_clock_in(user_id=USER_ID, subject="search engine", now=T0 + timedelta(minutes=6))
    assert first.subject_id == second.subject_id
    assert Subject.objects.get().name == "Search Engine"
    # Another user's subject of the same name is theirs.
    other = services.session_clock_in(user_id=OTHER_USER_ID, subject="Search Engine", now=T0)
    assert other.subject_id != first.subject_id


@pytest.mark.parametrize(("name", "message"), [("   ", services.SUBJECT_BLANK), ("x" * 101, services.SUBJECT_TOO_LONG)])
def test_bad_subject_names_are_refused(name, message):
    with pytest.raises(ApplicationError) as refused:
        services.session_clock_in(user_id=USER_ID, subject=name, now=T0)
    assert refused.value.message == message
    assert not TrackedUser.objects.exists()


def test_subject_create_refuses_a_duplicate():
    services.subject_create(user_id=USER_ID, name="Gym")
    with pytest.raises(ApplicationError) as refused:
        services.subject_create(user_id=USER_ID, name="GYM")
    assert refused.value.message == "You already have a subject called **Gym**."
    assert (refused.value.template, refused.value.params) == (services.SUBJECT_EXISTS, {"name": "Gym"})


def test_the_database_refuses_a_second_subject_of_the_same_name_in_another_case():
    services.subject_create(user_id=USER_ID, name="Gym")
    with pytest.raises(IntegrityError), transaction.atomic():
        Subject.objects.create(user_id=USER_ID, name="gYM")


def test_allocation_set_creates_then_replaces_in_the_users_week():
    allocation = services.allocation_set(user_id=USER_ID, subject="search_engine", minutes=360, now=T0)
    assert allocation.week_start_date == date(2026, 11, 16)
    again = services.allocation_set(user_id=USER_ID, subject="SEARCH_ENGINE", minutes=120, now=T0)
    assert again.pk == allocation.pk
    assert WeeklyAllocation.objects.get().minutes_allocated == 120
    # In Los Angeles T0 (Monday 16:00 there) is the same week; a Sunday-evening instant is not.
    services.tracked_user_set_timezone(user_id=USER_ID, zone="America/Los_Angeles")
    earlier = services.allocation_set(
        user_id=USER_ID, subject="search_engine", minutes=60, now=T0 - timedelta(hours=20)
    )
    assert earlier.week_start_date == date(2026, 11, 9)


@pytest.mark.parametrize("minutes", [-1, 7 * 24 * 60 + 1])
def test_allocation_out_of_range_is_refused(minutes):
    with pytest.raises(ApplicationError) as refused:
        services.allocation_set(user_id=USER_ID, subject="x", minutes=minutes, now=T0)
    assert refused.value.message == services.MINUTES_INVALID
    assert not WeeklyAllocation.objects.exists()


def test_allocation_for_someone_elses_subject_is_refused():
    theirs = services.subject_create(user_id=OTHER_USER_ID, name="Secret")
    with pytest.raises(ApplicationError) as refused:
        services.allocation_set(user_id=USER_ID, subject_id=theirs.pk, minutes=60, now=T0)
    assert refused.value.message == services.SUBJECT_NOT_YOURS


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("  AMERICA/new york ", "America/New_York"),
        ("utc", "UTC"),
        (zoneinfo.ZoneInfo("Asia/Kolkata"), "Asia/Kolkata"),
    ],
)
def test_timezone_is_stored_under_its_canonical_name(typed, stored):
    user = services.tracked_user_set_timezone(user_id=USER_ID, zone=typed)
    assert user.timezone == zoneinfo.ZoneInfo(stored)
    assert MemberZone.objects.values_list("timezone", flat=True).get(discord_user_id=USER_ID).key == stored
    assert MemberZone.objects.filter(timezone=stored).exists()
    assert TrackedUser.objects.get(pk=USER_ID).timezone == zoneinfo.ZoneInfo(stored)


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("Mars/Olympus", None),
        ("localtime", None),
        ("posixrules", None),
        ("Factory", None),
        ("US/Eastern", "America/New_York"),
        ("Europe/Berln", "Europe/Berlin"),
        ("", None),
    ],
)
def test_a_name_that_is_not_a_canonical_zone_is_refused_with_a_suggestion(typed, suggestion):
    services.tracked_user_set_timezone(user_id=USER_ID, zone="Australia/Sydney")
    with pytest.raises(ApplicationError) as refused:
        services.tracked_user_set_timezone(user_id=USER_ID, zone=typed)
    assert refused.value.message == zone_error_message(typed)
    assert (refused.value.field, refused.value.code) == ("zone", "invalid_timezone")
    if suggestion is not None:
        assert refused.value.message.endswith(f"Did you mean {suggestion}?")
    assert TrackedUser.objects.get(pk=USER_ID).timezone.key == "Australia/Sydney"


def test_a_session_keeps_the_week_it_started_in_when_the_zone_changes():
    start = T0 - timedelta(hours=10, minutes=30)  # Sun 15 Nov 13:30 UTC = Mon 16 Nov 00:30 in Sydney
    session = services.session_clock_in(user_id=USER_ID, subject="x", now=start)
    assert session.week_start_date == date(2026, 11, 16)
    services.tracked_user_set_timezone(user_id=USER_ID, zone="Europe/Berlin")  # there it was Sunday
    report = selectors.weekly_report(user_id=USER_ID, week_start=date(2026, 11, 16), now=T0)
    assert [line.subject for line in report.lines] == ["x"]
    assert selectors.weekly_report(user_id=USER_ID, week_start=date(2026, 11, 9), now=T0).is_empty


@pytest.mark.parametrize(
    ("zone", "start", "monday"),
    [
        # Sydney springs forward on Sunday 4 Oct 2026 (02:00 AEST -> 03:00 AEDT).
        ("Australia/Sydney", datetime(2026, 9, 27, 13, 59, tzinfo=UTC), date(2026, 9, 21)),  # Sun 23:59 AEST
        ("Australia/Sydney", datetime(2026, 9, 27, 14, 0, tzinfo=UTC), date(2026, 9, 28)),  # Mon 00:00 AEST
        ("Australia/Sydney", datetime(2026, 10, 3, 16, 0, tzinfo=UTC), date(2026, 9, 28)),  # Sun 03:00 AEDT
        ("Australia/Sydney", datetime(2026, 10, 4, 12, 59, tzinfo=UTC), date(2026, 9, 28)),  # Sun 23:59 AEDT
        ("Australia/Sydney", datetime(2026, 10, 4, 13, 0, tzinfo=UTC), date(2026, 10, 5)),  # Mon 00:00 AEDT
        # West of UTC: Monday in UTC is still Sunday evening in Los Angeles.
        ("America/Los_Angeles", datetime(2026, 10, 26, 6, 59, tzinfo=UTC), date(2026, 10, 19)),
        ("America/Los_Angeles", datetime(2026, 10, 26, 7, 0, tzinfo=UTC), date(2026, 10, 26)),
        ("America/Los_Angeles", datetime(2026, 11, 2, 7, 59, tzinfo=UTC), date(2026, 10, 26)),  # after fall-back
        ("America/Los_Angeles", datetime(2026, 11, 2, 8, 0, tzinfo=UTC), date(2026, 11, 2)),
    ],
)
def test_a_session_and_an_allocation_count_in_the_users_local_week(zone, start, monday):
    services.tracked_user_set_timezone(user_id=USER_ID, zone=zone)
    session = services.session_clock_in(user_id=USER_ID, subject="x", now=start)
    assert session.week_start_date == monday
    assert services.allocation_set(user_id=USER_ID, subject="x", minutes=60, now=start).week_start_date == monday
    report = selectors.weekly_report(user_id=USER_ID, now=start)
    assert report.week.start_date == monday
    assert report.week.contains(start)
    assert [(line.subject, line.sessions) for line in report.lines] == [("x", 1)]


@pytest.mark.parametrize(
    ("zone", "week_start", "hours"),
    [
        ("Australia/Sydney", date(2026, 9, 28), 167),  # spring forward inside the week
        ("Australia/Sydney", date(2026, 3, 30), 169),  # fall back inside the week
        ("Australia/Sydney", date(2026, 11, 16), 168),
        ("America/Los_Angeles", date(2026, 10, 26), 169),
    ],
)
def test_the_weekly_report_spans_the_users_local_week(zone, week_start, hours):
    services.tracked_user_set_timezone(user_id=USER_ID, zone=zone)
    week = selectors.weekly_report(user_id=USER_ID, week_start=week_start + timedelta(days=3), now=T0).week
    assert (week.start_date, week.timezone) == (week_start, zone)
    assert week.ends_at - week.starts_at == timedelta(hours=hours)


# ---------------------------------------------------------------------------- the database's guarantees


def test_the_partial_unique_index_allows_one_active_session_per_user():
    session = session_in_status(S.RUNNING)
    for status in (S.RUNNING, S.PAUSED):
        with pytest.raises(IntegrityError), transaction.atomic():
            FocusSession.objects.create(
                user_id=USER_ID,
                subject=session.subject,
                started_at=T0,
                week_start_date=date(2026, 11, 16),
                status=status,
                pause_started_at=T0 if status == S.PAUSED else None,
                last_activity_at=T0,
            )
    # Ended sessions are not limited.
    for _ in range(2):
        FocusSession.objects.create(
            user_id=USER_ID,
            subject=session.subject,
            started_at=T0,
            ended_at=T0,
            week_start_date=date(2026, 11, 16),
            status=S.ENDED_CONFIRMED,
            last_activity_at=T0,
        )


@pytest.mark.parametrize(
    "changes",
    [
        {"total_paused_seconds": -1},
        {"effective_override_seconds": -1},
        {"status": "LOST"},
        {"ended_at": T0 + timedelta(hours=1)},  # running but ended
        {"status": S.PAUSED},  # paused without a pause start
        {"effective_override_seconds": 5},  # an override on a running session
        {"week_start_date": date(2026, 11, 17)},  # not a Monday
    ],
)
def test_check_constraints(changes):
    session = session_in_status(S.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        FocusSession.objects.filter(pk=session.pk).update(**changes)


def test_ended_before_start_is_refused_by_the_database():
    session = session_in_status(S.ENDED_UNCONFIRMED)
    with pytest.raises(IntegrityError), transaction.atomic():
        FocusSession.objects.filter(pk=session.pk).update(ended_at=T0 - timedelta(seconds=1))


# ---------------------------------------------------------------------------- an invariant for all sequences


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(st.tuples(st.sampled_from(["pause", "resume", "out", "reopen"]), st.integers(0, 7200)), max_size=12)
)
def test_measured_is_effective_plus_paused_whatever_the_sequence(steps):
    """Without an override, effective + paused = measured at every step, and paused time only grows."""
    with transaction.atomic():
        session = services.session_clock_in(user_id=USER_ID, subject="x", now=T0)
        now = T0
        previous_paused = 0
        for action, gap in steps:
            now += timedelta(seconds=gap)
            call = {
                "pause": lambda n: services.session_pause(user_id=USER_ID, session_id=session.pk, now=n),
                "resume": lambda n: services.session_resume(user_id=USER_ID, session_id=session.pk, now=n),
                "out": lambda n: services.session_clock_out(user_id=USER_ID, session_id=session.pk, now=n),
                "reopen": lambda n: services.session_reopen(user_id=USER_ID, session_id=session.pk, now=n),
            }[action]
            try:
                current = call(now)
            except ApplicationError:
                current = FocusSession.objects.get(pk=session.pk)
            assert current.measured_seconds(now) == current.effective_seconds(now) + current.paused_seconds(now)
            assert current.paused_seconds(now) >= previous_paused
            previous_paused = current.paused_seconds(now)
        transaction.set_rollback(True)
