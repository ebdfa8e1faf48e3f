"""The REST API under /api/timetracking/: staff only, filters, writes through services, the
weekly report as JSON and CSV."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model

from timetracking import services
from timetracking.models import FocusSession, WeeklyAllocation
from timetracking.tests.factories import OTHER_USER_ID, T0, USER_ID, session_in_status

pytestmark = pytest.mark.django_db

BASE = "/api/timetracking"


def test_members_and_anonymous_are_refused(client):
    assert client.get(f"{BASE}/sessions/").status_code in (401, 403)
    user = get_user_model().objects.create_user("member", password="pw-12345-long")
    client.force_login(user)
    response = client.get(f"{BASE}/sessions/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_sessions_list_with_filters(admin_client, clock):
    session_in_status(FocusSession.Status.ENDED_UNCONFIRMED)
    services.session_clock_in(user_id=USER_ID, subject="Gym", now=T0 + timedelta(hours=2))
    services.session_clock_in(user_id=OTHER_USER_ID, subject="Gym", now=T0 - timedelta(days=7))
    clock.now = T0 + timedelta(hours=3)
    rows = admin_client.get(f"{BASE}/sessions/", {"user": USER_ID}).json()["results"]
    assert [(r["subject_name"], r["status"]) for r in rows] == [
        ("Gym", "RUNNING"),
        ("search_engine", "ENDED_UNCONFIRMED"),
    ]
    running = rows[0]
    assert (running["measured_seconds"], running["paused_seconds"], running["effective_seconds"]) == (3600, 0, 3600)
    assert rows[1]["purpose"] == "finish web scraper"
    assert len(admin_client.get(f"{BASE}/sessions/", {"status": "RUNNING"}).json()["results"]) == 2
    assert len(admin_client.get(f"{BASE}/sessions/", {"week": "2026-11-18"}).json()["results"]) == 2
    assert len(admin_client.get(f"{BASE}/sessions/", {"week": "2026-11-09"}).json()["results"]) == 1
    gym = rows[0]["subject"]
    assert len(admin_client.get(f"{BASE}/sessions/", {"subject": gym}).json()["results"]) == 1
    bad = admin_client.get(f"{BASE}/sessions/", {"status": "LOST", "week": "soon"})
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"status", "week"}


def test_subjects_create_and_refuse_duplicates(admin_client):
    response = admin_client.post(f"{BASE}/subjects/", {"user": USER_ID, "name": "Gym"}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["name"] == "Gym"
    again = admin_client.post(f"{BASE}/subjects/", {"user": USER_ID, "name": "gym"}, content_type="application/json")
    assert again.status_code == 400
    assert again.json()["detail"] == "You already have a subject called **Gym**."
    assert admin_client.get(f"{BASE}/subjects/", {"user": USER_ID}).json()["count"] == 1
    assert admin_client.get(f"{BASE}/subjects/", {"user": "x"}).status_code == 400


def test_allocations_set_and_list(admin_client, clock):
    body = {"user": USER_ID, "subject_name": "search_engine", "minutes_allocated": 360}
    response = admin_client.post(f"{BASE}/allocations/", body, content_type="application/json")
    assert response.status_code == 200
    created = response.json()
    assert (created["week_start_date"], created["minutes_allocated"]) == ("2026-11-16", 360)
    body = {"user": USER_ID, "subject": created["subject"], "minutes_allocated": 120, "week_start_date": "2026-11-20"}
    assert (
        admin_client.post(f"{BASE}/allocations/", body, content_type="application/json").json()["id"] == created["id"]
    )
    assert WeeklyAllocation.objects.get().minutes_allocated == 120
    assert admin_client.get(f"{BASE}/allocations/", {"week": "2026-11-22"}).json()["count"] == 1
    assert admin_client.get(f"{BASE}/allocations/", {"week": "2026-11-23"}).json()["count"] == 0
    bad = admin_client.post(
        f"{BASE}/allocations/", {"user": USER_ID, "minutes_allocated": -5}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"minutes_allocated"}
    no_subject = admin_client.post(
        f"{BASE}/allocations/", {"user": USER_ID, "minutes_allocated": 5}, content_type="application/json"
    )
    assert no_subject.json()["fields"] == {"subject": ["Give exactly one of subject and subject_name."]}
    theirs = services.subject_create(user_id=OTHER_USER_ID, name="x")
    refused = admin_client.post(
        f"{BASE}/allocations/",
        {"user": USER_ID, "subject": theirs.pk, "minutes_allocated": 5},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"subject_id": [services.SUBJECT_NOT_YOURS]}


def test_weekly_report_json_and_csv(admin_client, clock):
    services.allocation_set(user_id=USER_ID, subject="search_engine", minutes=360, now=T0)
    session_in_status(FocusSession.Status.ENDED_CONFIRMED)  # 60 min of search_engine
    services.session_clock_in(user_id=USER_ID, subject="Gym", now=T0 + timedelta(hours=2))
    clock.now = T0 + timedelta(hours=2, minutes=30)
    report = admin_client.get(f"{BASE}/users/{USER_ID}/report/").json()
    assert report["timezone"] == "Australia/Sydney"
    assert (report["week_start"], report["week_end"]) == ("2026-11-16", "2026-11-22")
    assert report["starts_at"] == "2026-11-15T13:00:00Z"
    assert report["subjects"] == [
        {
            "subject_id": report["subjects"][0]["subject_id"],
            "subject": "Gym",
            "allocated_minutes": None,
            "tracked_seconds": 1800,
            "tracked": "30m",
            "remaining_seconds": -1800,
            "progress_percent": None,
            "sessions": 1,
            "running": True,
        },
        {
            "subject_id": report["subjects"][1]["subject_id"],
            "subject": "search_engine",
            "allocated_minutes": 360,
            "tracked_seconds": 3600,
            "tracked": "1h 00m",
            "remaining_seconds": 18000,
            "progress_percent": 17,
            "sessions": 1,
            "running": False,
        },
    ]
    assert report["totals"] == {"allocated_minutes": 360, "tracked_seconds": 5400, "remaining_seconds": 16200}

    response = admin_client.get(f"{BASE}/users/{USER_ID}/report/", {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="timetracking-' in response["Content-Disposition"]
    assert response.content.decode().splitlines() == [
        "week_start,subject_id,subject,allocated_minutes,tracked_seconds,tracked,remaining_seconds,progress_percent,sessions",
        f"2026-11-16,{report['subjects'][0]['subject_id']},Gym,,1800,30m,-1800,,1",
        f"2026-11-16,{report['subjects'][1]['subject_id']},search_engine,360,3600,1h 00m,18000,17,1",
        "2026-11-16,,TOTAL,360,5400,1h 30m,16200,,2",
    ]
    last_week = admin_client.get(f"{BASE}/users/{USER_ID}/report/", {"week": "2026-11-12"}).json()
    assert (last_week["week_start"], last_week["subjects"]) == ("2026-11-09", [])
    assert admin_client.get(f"{BASE}/users/{USER_ID}/report/", {"week": "nope"}).status_code == 400
    assert admin_client.get(f"{BASE}/users/{USER_ID}/report/", {"week": "nope", "format": "csv"}).status_code == 400
    assert admin_client.get(f"{BASE}/users/42/report/").status_code == 404
    assert admin_client.get(f"{BASE}/users/abc/report/").status_code == 404
    assert admin_client.get(f"{BASE}/sessions/99999999999999999999/").status_code == 404
    assert date.fromisoformat(admin_client.get(f"{BASE}/users/{USER_ID}/").json()["created_at"][:10])
