"""The back office lists sessions by user, subject, status and week; its one write goes through a service."""

from datetime import timedelta

import pytest

from timetracking import services
from timetracking.models import FocusSession, TrackedUser
from timetracking.tests.factories import OTHER_USER_ID, T0, USER_ID, session_in_status

pytestmark = pytest.mark.django_db

URL = "/admin/timetracking/focussession/"


@pytest.fixture
def sessions():
    ended = session_in_status(FocusSession.Status.ENDED_UNCONFIRMED)
    running = services.session_clock_in(user_id=OTHER_USER_ID, subject="Gym", now=T0 - timedelta(days=7))
    return ended, running


def ids_listed(response) -> set[int]:
    return {session.pk for session in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"ended", "running"}),
        ({"status__exact": "RUNNING"}, {"running"}),
        ({"week": "2026-11-16"}, {"ended"}),
        ({"week": "2026-11-09"}, {"running"}),
        ({"week": "garbage"}, set()),
        ({"user__id__exact": str(USER_ID)}, {"ended"}),
        ({"q": "Gym"}, {"running"}),
    ],
)
def test_sessions_listed_by_status_week_user_and_subject(admin_client, sessions, query, expected):
    ended, running = sessions
    response = admin_client.get(URL, query)
    assert response.status_code == 200
    by_name = {"ended": ended.pk, "running": running.pk}
    assert ids_listed(response) == {by_name[name] for name in expected}


def test_subject_filter(admin_client, sessions):
    ended, _ = sessions
    response = admin_client.get(URL, {"subject__id__exact": str(ended.subject_id)})
    assert ids_listed(response) == {ended.pk}


def test_confirm_action_goes_through_the_service(admin_client, sessions):
    ended, running = sessions
    response = admin_client.post(
        URL, {"action": "confirm_sessions", "_selected_action": [ended.pk, running.pk]}, follow=True
    )
    assert response.status_code == 200
    assert FocusSession.objects.get(pk=ended.pk).status == FocusSession.Status.ENDED_CONFIRMED
    assert FocusSession.objects.get(pk=running.pk).status == FocusSession.Status.RUNNING
    shown = [str(m) for m in response.context["messages"]]
    assert "1 session(s) confirmed." in shown
    assert f"Not confirmed: #{running.pk}: Clock out first, then confirm." in shown


def test_other_pages_load_and_user_edits_go_through_services(admin_client, sessions):
    for page in ("trackeduser", "subject", "weeklyallocation"):
        assert admin_client.get(f"/admin/timetracking/{page}/").status_code == 200
    assert admin_client.get(f"{URL}{sessions[0].pk}/change/").status_code == 200
    response = admin_client.post(
        f"/admin/timetracking/trackeduser/{USER_ID}/change/", {"timezone": "Europe/Berlin", "weekly_summary": "on"}
    )
    assert response.status_code == 302
    user = TrackedUser.objects.get(pk=USER_ID)
    assert (user.timezone.key, user.weekly_summary) == ("Europe/Berlin", True)
    bad = admin_client.post(f"/admin/timetracking/trackeduser/{USER_ID}/change/", {"timezone": "Mars/Base"})
    assert bad.status_code == 200  # the form shows the error
    assert TrackedUser.objects.get(pk=USER_ID).timezone.key == "Europe/Berlin"
