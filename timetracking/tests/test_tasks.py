"""The periodic tasks' effects: forgotten sessions (reminder, automatic clock-out) and the
weekly summary, each at most once. (The DMs they cause are tested in botworker's tests.)"""

from datetime import UTC, date, datetime, timedelta

import pytest

from timetracking import services, signals, tasks
from timetracking.models import FocusSession, TrackedUser
from timetracking.tests.factories import T0, USER_ID

pytestmark = pytest.mark.django_db

S = FocusSession.Status


@pytest.fixture
def events():
    """The domain signals sent, as (name, kwargs)."""
    seen = []

    def collector(name):
        def collect(sender, **kwargs):
            kwargs.pop("signal", None)
            seen.append((name, kwargs))

        return collect

    receivers = {
        "forgotten": collector("forgotten"),
        "auto": collector("auto"),
        "weekly": collector("weekly"),
    }
    signals.session_forgotten.connect(receivers["forgotten"])
    signals.session_auto_clocked_out.connect(receivers["auto"])
    signals.weekly_summary_due.connect(receivers["weekly"])
    yield seen
    signals.session_forgotten.disconnect(receivers["forgotten"])
    signals.session_auto_clocked_out.disconnect(receivers["auto"])
    signals.weekly_summary_due.disconnect(receivers["weekly"])


def test_forgotten_session_is_reminded_once_then_clocked_out_at_the_last_sign_of_life(clock, events, settings):
    settings.TIMETRACKING_FORGOTTEN_HOURS = 12
    session = services.session_clock_in(user_id=USER_ID, subject="x", now=T0)
    services.session_pause(user_id=USER_ID, now=T0 + timedelta(hours=1))
    services.session_resume(user_id=USER_ID, now=T0 + timedelta(hours=2))  # the last sign of life

    clock.now = T0 + timedelta(hours=13, minutes=59)
    assert tasks.check_forgotten_sessions() == {"reminded": 0, "clocked_out": 0}
    clock.now = T0 + timedelta(hours=14)
    assert tasks.check_forgotten_sessions() == {"reminded": 1, "clocked_out": 0}
    assert tasks.check_forgotten_sessions() == {"reminded": 0, "clocked_out": 0}  # once
    assert [name for name, _ in events] == ["forgotten"]
    assert events[0][1]["hours"] == 12
    assert FocusSession.objects.get(pk=session.pk).reminded_at == clock.now

    clock.now = T0 + timedelta(hours=25, minutes=59)
    assert tasks.check_forgotten_sessions() == {"reminded": 0, "clocked_out": 0}
    clock.now = T0 + timedelta(hours=26)
    assert tasks.check_forgotten_sessions() == {"reminded": 0, "clocked_out": 1}
    assert tasks.check_forgotten_sessions() == {"reminded": 0, "clocked_out": 0}
    ended = FocusSession.objects.get(pk=session.pk)
    assert ended.status == S.ENDED_UNCONFIRMED
    assert ended.auto_clocked_out
    assert ended.ended_at == T0 + timedelta(hours=2)
    assert ended.effective_seconds(clock.now) == 3600  # 2 h minus the 1 h pause
    assert [name for name, _ in events] == ["forgotten", "auto"]


@pytest.mark.parametrize(
    "sign_of_life",
    [
        lambda sid, now: services.session_set_purpose(user_id=USER_ID, session_id=sid, purpose="p", now=now),
        lambda sid, now: services.session_set_note(user_id=USER_ID, session_id=sid, note="n", now=now),
        lambda sid, now: services.session_keep_going(user_id=USER_ID, session_id=sid, now=now),
    ],
    ids=["purpose", "note", "keep_going"],
)
def test_the_automatic_clock_out_counts_up_to_the_last_action_on_the_session(clock, events, settings, sign_of_life):
    settings.TIMETRACKING_FORGOTTEN_HOURS = 12
    session = services.session_clock_in(user_id=USER_ID, subject="x", now=T0)
    sign_of_life(session.pk, T0 + timedelta(hours=3))
    clock.now = T0 + timedelta(hours=3 + 24)
    assert tasks.check_forgotten_sessions() == {"reminded": 0, "clocked_out": 1}
    ended = FocusSession.objects.get(pk=session.pk)
    assert ended.ended_at == T0 + timedelta(hours=3)
    assert ended.effective_seconds(clock.now) == 3 * 3600


def test_a_sign_of_life_allows_a_new_reminder(clock, events, settings):
    settings.TIMETRACKING_FORGOTTEN_HOURS = 12
    session = services.session_clock_in(user_id=USER_ID, subject="x", now=T0)
    clock.now = T0 + timedelta(hours=12)
    assert tasks.check_forgotten_sessions() == {"reminded": 1, "clocked_out": 0}
    services.session_set_purpose(user_id=USER_ID, session_id=session.pk, purpose="p", now=clock.now)
    clock.now = T0 + timedelta(hours=24)
    assert tasks.check_forgotten_sessions() == {"reminded": 1, "clocked_out": 0}
    assert FocusSession.objects.get(pk=session.pk).status == S.RUNNING


def test_keep_going_restarts_the_count(clock, events, settings):
    settings.TIMETRACKING_FORGOTTEN_HOURS = 12
    session = services.session_clock_in(user_id=USER_ID, subject="x", now=T0)
    clock.now = T0 + timedelta(hours=12)
    tasks.check_forgotten_sessions()
    services.session_keep_going(user_id=USER_ID, session_id=session.pk, now=clock.now)
    clock.now = T0 + timedelta(hours=24)  # 24 h after the start, 12 after the sign of life
    assert tasks.check_forgotten_sessions() == {"reminded": 1, "clocked_out": 0}
    clock.now = T0 + timedelta(hours=36)
    assert tasks.check_forgotten_sessions() == {"reminded": 0, "clocked_out": 1}
    assert FocusSession.objects.get(pk=session.pk).ended_at == T0 + timedelta(hours=12)
    assert [name for name, _ in events] == ["forgotten", "forgotten", "auto"]


def test_a_session_found_late_is_clocked_out_without_a_reminder_first(clock, events, settings):
    settings.TIMETRACKING_FORGOTTEN_HOURS = 3
    services.session_clock_in(user_id=USER_ID, subject="x", now=T0)
    clock.now = T0 + timedelta(hours=7)
    assert tasks.check_forgotten_sessions() == {"reminded": 0, "clocked_out": 1}
    assert [name for name, _ in events] == ["auto"]


def test_paused_and_ended_sessions_are_left_alone(clock, events):
    services.session_clock_in(user_id=USER_ID, subject="x", now=T0)
    services.session_pause(user_id=USER_ID, now=T0 + timedelta(minutes=1))
    services.session_clock_in(user_id=USER_ID + 1, subject="x", now=T0)
    services.session_clock_out(user_id=USER_ID + 1, now=T0 + timedelta(minutes=1))
    clock.now = T0 + timedelta(days=5)
    assert tasks.check_forgotten_sessions() == {"reminded": 0, "clocked_out": 0}
    assert events == []


# ---------------------------------------------------------------------------- weekly summary

# Monday 23 Nov 2026, 08:00 in Sydney (AEDT, +11) is Sunday 22 Nov 21:00 UTC.
SYDNEY_MONDAY_8AM = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)


def opt_in(user_id: int = USER_ID, zone: str = "Australia/Sydney") -> None:
    services.tracked_user_set_timezone(user_id=user_id, zone=zone)
    services.tracked_user_set_weekly_summary(user_id=user_id, enabled=True)


def test_weekly_summary_goes_out_on_monday_morning_once(clock, events):
    opt_in()
    services.allocation_set(user_id=USER_ID, subject="search_engine", minutes=360, now=T0)
    session = services.session_clock_in(user_id=USER_ID, subject="search_engine", now=T0)
    services.session_clock_out(user_id=USER_ID, session_id=session.pk, now=T0 + timedelta(minutes=90))

    clock.now = SYDNEY_MONDAY_8AM - timedelta(minutes=1)
    assert tasks.send_weekly_summaries() == 0
    clock.now = SYDNEY_MONDAY_8AM
    assert tasks.send_weekly_summaries() == 1
    assert tasks.send_weekly_summaries() == 0
    clock.now = SYDNEY_MONDAY_8AM + timedelta(hours=5)
    assert tasks.send_weekly_summaries() == 0
    [(name, kwargs)] = events
    report = kwargs["report"]
    assert report.week.start_date == date(2026, 11, 16)
    assert [(line.subject, line.allocated_minutes, line.tracked_seconds) for line in report.lines] == [
        ("search_engine", 360, 5400)
    ]
    assert TrackedUser.objects.get(pk=USER_ID).last_summary_week == date(2026, 11, 16)


def test_weekly_summary_follows_each_users_zone(clock, events):
    opt_in(USER_ID, "Australia/Sydney")
    opt_in(USER_ID + 1, "America/Los_Angeles")
    for user_id in (USER_ID, USER_ID + 1):
        services.allocation_set(user_id=user_id, subject="x", minutes=60, week_start=date(2026, 11, 16))
    clock.now = SYDNEY_MONDAY_8AM
    assert tasks.send_weekly_summaries() == 1  # Sunday afternoon in Los Angeles
    # Monday 08:00 PST (-8) is 16:00 UTC.
    clock.now = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    assert tasks.send_weekly_summaries() == 1
    assert [kwargs["user"].pk for _, kwargs in events] == [USER_ID, USER_ID + 1]
    assert {kwargs["report"].week.start_date for _, kwargs in events} == {date(2026, 11, 16)}


def test_no_summary_without_opting_in_or_after_opting_out_or_for_an_empty_week(clock, events):
    services.allocation_set(user_id=USER_ID, subject="x", minutes=60, week_start=date(2026, 11, 16))
    clock.now = SYDNEY_MONDAY_8AM
    assert tasks.send_weekly_summaries() == 0
    opt_in()
    services.tracked_user_set_weekly_summary(user_id=USER_ID, enabled=False)
    assert tasks.send_weekly_summaries() == 0
    opt_in(USER_ID + 1)  # nothing planned or tracked
    assert tasks.send_weekly_summaries() == 0
    assert TrackedUser.objects.get(pk=USER_ID + 1).last_summary_week == date(2026, 11, 16)
    assert events == []


def test_tuesday_is_too_late(clock, events):
    opt_in()
    services.allocation_set(user_id=USER_ID, subject="x", minutes=60, week_start=date(2026, 11, 16))
    clock.now = SYDNEY_MONDAY_8AM + timedelta(days=1)
    assert tasks.send_weekly_summaries() == 0
    assert events == []
