"""The REST API under /api/timetracking/: staff only, filters, writes through services, the
weekly report as JSON and CSV."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from timetracking import services
from timetracking.models import FocusSession, Subject, TrackedUser, WeeklyAllocation
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
    services.tracked_user_set_timezone(user_id=USER_ID, zone="Australia/Sydney")  # a new member counts in UTC
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
            "tracked_minutes": 30,
            "tracked": "30m",
            "remaining_seconds": -1800,
            "remaining_minutes": -30,
            "progress_percent": None,
            "sessions": 1,
            "running": True,
        },
        {
            "subject_id": report["subjects"][1]["subject_id"],
            "subject": "search_engine",
            "allocated_minutes": 360,
            "tracked_seconds": 3600,
            "tracked_minutes": 60,
            "tracked": "1h 00m",
            "remaining_seconds": 18000,
            "remaining_minutes": 300,
            "progress_percent": 17,
            "sessions": 1,
            "running": False,
        },
    ]
    assert report["totals"] == {
        "allocated_minutes": 360,
        "tracked_seconds": 5400,
        "remaining_seconds": 16200,
        "tracked_minutes": 90,
        "remaining_minutes": 270,
    }

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


def test_weekly_report_minutes_are_whole_and_add_up(admin_client, clock):
    """3 h planned, 26 min 59 s tracked: 26 min tracked and 2 h 34 min left, as `/alloc show` says
    (the seconds stay exact in the *_seconds fields)."""
    services.allocation_set(user_id=USER_ID, subject="Maths", minutes=180, now=T0)
    services.session_clock_in(user_id=USER_ID, subject="Maths", now=T0)
    services.session_clock_out(user_id=USER_ID, now=T0 + timedelta(minutes=26, seconds=59))
    clock.now = T0 + timedelta(hours=1)
    report = admin_client.get(f"{BASE}/users/{USER_ID}/report/").json()
    [line] = report["subjects"]
    assert (line["tracked_seconds"], line["tracked_minutes"], line["tracked"]) == (1619, 26, "26m")
    assert (line["remaining_seconds"], line["remaining_minutes"], line["progress_percent"]) == (9181, 154, 14)
    assert (report["totals"]["tracked_minutes"], report["totals"]["remaining_minutes"]) == (26, 154)
    assert date.fromisoformat(admin_client.get(f"{BASE}/users/{USER_ID}/").json()["created_at"][:10])


# ---------------------------------------------------------------------------- one API style


def test_discord_ids_are_strings_in_every_response_and_accepted_as_string_or_int(admin_client, clock):
    created = admin_client.post(
        f"{BASE}/subjects/", {"user": str(USER_ID), "name": "Gym"}, content_type="application/json"
    ).json()
    assert created["user"] == str(USER_ID)
    body = {"user": USER_ID, "subject_name": "Gym", "minutes_allocated": 60}
    allocation = admin_client.post(f"{BASE}/allocations/", body, content_type="application/json").json()
    assert allocation["user"] == str(USER_ID)
    session_in_status(FocusSession.Status.RUNNING)
    pages = {
        "users": admin_client.get(f"{BASE}/users/").json()["results"][0]["id"],
        "user": admin_client.get(f"{BASE}/users/{USER_ID}/").json()["id"],
        "subjects": admin_client.get(f"{BASE}/subjects/", {"user": str(USER_ID)}).json()["results"][0]["user"],
        "allocations": admin_client.get(f"{BASE}/allocations/").json()["results"][0]["user"],
        "sessions": admin_client.get(f"{BASE}/sessions/", {"user": USER_ID}).json()["results"][0]["user"],
        "report": admin_client.get(f"{BASE}/users/{USER_ID}/report/").json()["user_id"],
    }
    assert pages == dict.fromkeys(pages, str(USER_ID))
    for bad in ("0", "-3", "12x", True, 1 << 63):
        response = admin_client.post(f"{BASE}/subjects/", {"user": bad, "name": "x"}, content_type="application/json")
        assert response.status_code == 400, bad
        assert set(response.json()["fields"]) == {"user"}


def test_the_schema_gives_discord_ids_and_zones_as_strings(admin_client):
    schema = admin_client.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    for component, field in [
        ("TrackedUser", "id"),
        ("TrackedUser", "timezone"),
        ("Subject", "user"),
        ("SubjectCreate", "user"),
        ("Allocation", "user"),
        ("AllocationSet", "user"),
        ("Session", "user"),
        ("WeeklyReport", "user_id"),
        ("WeeklyReport", "timezone"),
    ]:
        assert components[component]["properties"][field]["type"] == "string", (component, field)
    sessions = schema["paths"]["/api/timetracking/sessions/"]["get"]["parameters"]
    assert {p["name"]: p["schema"]["type"] for p in sessions if p["name"] in ("user", "subject")} == {
        "user": "string",
        "subject": "integer",
    }


def test_a_refusals_body_carries_no_discord_markup(admin_client, clock):
    services.subject_create(user_id=USER_ID, name="Gym")
    theirs = services.subject_create(user_id=OTHER_USER_ID, name="x")
    refusals = [
        admin_client.post(f"{BASE}/subjects/", {"user": USER_ID, "name": "GYM"}, content_type="application/json"),
        admin_client.post(
            f"{BASE}/allocations/",
            {"user": USER_ID, "subject": theirs.pk, "minutes_allocated": 5},
            content_type="application/json",
        ),
        admin_client.get(f"{BASE}/sessions/", {"user": "<@1>", "week": "<t:1:F>"}),
    ]
    for response in refusals:
        assert response.status_code == 400
        text = response.content.decode()
        assert "detail" in response.json()
        for markup in ("<t:", "<@", "<#"):
            assert markup not in text


def make_rows(count: int) -> None:
    """`count` users, each with a subject, an allocation and an ended session, in bulk."""
    users = [TrackedUser(id=USER_ID + i) for i in range(count)]
    TrackedUser.objects.bulk_create(users)
    subjects = Subject.objects.bulk_create([Subject(user=user, name=f"s{user.pk}") for user in users])
    WeeklyAllocation.objects.bulk_create(
        [
            WeeklyAllocation(user_id=s.user_id, subject=s, week_start_date=date(2026, 11, 16), minutes_allocated=60)
            for s in subjects
        ]
    )
    FocusSession.objects.bulk_create(
        [
            FocusSession(
                user_id=s.user_id,
                subject=s,
                started_at=T0,
                ended_at=T0 + timedelta(minutes=30),
                week_start_date=date(2026, 11, 16),
                status=FocusSession.Status.ENDED_CONFIRMED,
                last_activity_at=T0,
            )
            for s in subjects
        ]
    )


def list_queries(admin_client, url: str, count: int) -> int:
    for model in (FocusSession, WeeklyAllocation, Subject, TrackedUser):
        model.objects.all().delete()
    make_rows(count)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url, {"page_size": 100})
    assert response.status_code == 200
    assert response.json()["count"] == count
    return len(queries)


@pytest.mark.parametrize("endpoint", ["users", "subjects", "allocations", "sessions"])
def test_a_list_costs_the_same_queries_for_10_and_1000_rows(admin_client, clock, endpoint):
    url = f"{BASE}/{endpoint}/"
    # The login's session and user, the count, the page.
    assert list_queries(admin_client, url, 10) == list_queries(admin_client, url, 1000) == 4
