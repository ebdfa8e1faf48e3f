"""The periodic tasks' candidates: which sessions are due a reminder or the automatic clock-out,
and which users may be due the weekly summary."""

from datetime import date, timedelta

import pytest

from timetracking import selectors, services
from timetracking.models import FocusSession, TrackedUser
from timetracking.tests.factories import T0, USER_ID

pytestmark = pytest.mark.django_db

HOURS = 12


def started(user_id: int, *, hours_ago: float, paused: bool = False, reminded: bool = False) -> FocusSession:
    session = services.session_clock_in(user_id=user_id, subject="x", now=T0 - timedelta(hours=hours_ago))
    if paused:
        session = services.session_pause(user_id=user_id, now=T0 - timedelta(hours=hours_ago) + timedelta(minutes=1))
    if reminded:
        FocusSession.objects.filter(pk=session.pk).update(reminded_at=T0 - timedelta(minutes=1))
    return session


@pytest.fixture
def sessions() -> dict[str, int]:
    return {
        "fresh": started(USER_ID + 1, hours_ago=11.9).pk,
        "due a reminder": started(USER_ID + 2, hours_ago=12).pk,
        "reminded": started(USER_ID + 3, hours_ago=20, reminded=True).pk,
        "forgotten twice over": started(USER_ID + 4, hours_ago=24).pk,
        "forgotten and reminded": started(USER_ID + 5, hours_ago=30, reminded=True).pk,
        "paused": started(USER_ID + 6, hours_ago=40, paused=True).pk,
    }


def test_sessions_to_remind(sessions, django_assert_num_queries):
    with django_assert_num_queries(1):
        ids = set(selectors.sessions_to_remind(hours=HOURS, now=T0).values_list("pk", flat=True))
    assert ids == {sessions["due a reminder"]}


def test_sessions_to_clock_out(sessions, django_assert_num_queries):
    with django_assert_num_queries(1):
        ids = set(selectors.sessions_to_clock_out(hours=HOURS, now=T0).values_list("pk", flat=True))
    assert ids == {sessions["forgotten twice over"], sessions["forgotten and reminded"]}


def test_users_with_weekly_summary_pending(django_assert_num_queries):
    for offset, (opted_in, last_week) in enumerate(
        [(True, None), (True, date(2026, 11, 2)), (True, date(2026, 11, 9)), (True, date(2026, 11, 16)), (False, None)]
    ):
        TrackedUser.objects.create(id=USER_ID + offset, weekly_summary=opted_in, last_summary_week=last_week)
    now = T0 + timedelta(days=6)  # Monday 23 Nov (UTC)
    with django_assert_num_queries(1):
        ids = list(selectors.users_with_weekly_summary_pending(now=now).values_list("pk", flat=True))
    # A summary for the week of 16 Nov is the latest there can be by then; the rest may be due.
    assert ids == [USER_ID, USER_ID + 1, USER_ID + 2]
