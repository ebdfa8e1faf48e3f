"""The shifts REST API: the same services as Discord, field-level 400s, filters and stats."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from botworker.models import BotAction
from config.timeutils import BAD_LOCAL_DATETIME
from conftest import link_member
from shifts import services
from shifts.models import ModSchedule, Shift
from shifts.tests.factories import (
    CHANNEL,
    DROPPER,
    GUILD,
    MOD_A,
    MOD_B,
    OTHER_GUILD,
    ModScheduleFactory,
    ShiftFactory,
    ShiftPolicyFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    client = APIClient()
    client.force_authenticate(User.objects.create_user("officer", is_staff=True))
    ShiftPolicyFactory()
    return client


READER_ID = 720_000_000_000_000_077


@pytest.fixture
def reader():
    client = APIClient()
    # A member of both test guilds, seen by the bot there with no roles.
    user = User.objects.create_user("reader")
    link_member(user, guild_id=GUILD, discord_user_id=READER_ID)
    link_member(user, guild_id=OTHER_GUILD, discord_user_id=READER_ID)
    client.force_authenticate(user)
    return client


def future(days=2) -> str:
    return (timezone.now() + timedelta(days=days)).strftime("%Y-%m-%d 18:00")


def test_anonymous_is_refused_and_readers_cannot_write(reader):
    assert APIClient().get("/api/shifts/shifts/").status_code == 401
    assert reader.get("/api/shifts/shifts/").status_code == 200
    response = reader.post("/api/shifts/shifts/", {"guild_id": GUILD, "user_id": DROPPER}, format="json")
    assert response.status_code == 403
    assert not Shift.objects.exists()


def test_drop_edit_claim_release_cancel(staff):
    response = staff.post(
        "/api/shifts/shifts/",
        {
            "guild_id": GUILD,
            "user_id": DROPPER,
            "start": future(),
            "duration_hours": 1.5,
            "description": "Desk",
            "timezone": "UTC",
            "channel_id": str(CHANNEL),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["state"], body["channel_id"], body["created_by"], body["duration_hours"], body["timezone"]) == (
        "open",
        str(CHANNEL),
        str(DROPPER),
        1.5,
        "UTC",
    )
    shift_id = body["id"]
    assert BotAction.objects.filter(dedupe_key=f"shifts:shift:{shift_id}:post").exists()

    response = staff.patch(
        f"/api/shifts/shifts/{shift_id}/", {"user_id": DROPPER, "description": "Desk 2"}, format="json"
    )
    assert response.status_code == 200 and response.json()["description"] == "Desk 2"

    response = staff.post(f"/api/shifts/shifts/{shift_id}/claim/", {"user_id": str(MOD_A)}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "claimed"
    assert response.json()["claimed_by"] == str(MOD_A)
    response = staff.post(f"/api/shifts/shifts/{shift_id}/claim/", {"user_id": MOD_B}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == f"Shift #{shift_id} is already claimed by user {MOD_A}."
    assert response.json()["code"] == "claimed"

    assert (
        staff.post(f"/api/shifts/shifts/{shift_id}/release/", {"user_id": MOD_A}, format="json").json()["claimed_by"]
        is None
    )
    response = staff.post(
        f"/api/shifts/shifts/{shift_id}/cancel/", {"user_id": DROPPER, "reason": "n/a"}, format="json"
    )
    assert response.json()["state"] == "cancelled"


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        (
            {"start": "2026-13-01 10:00", "duration_hours": 1},
            "start",
            BAD_LOCAL_DATETIME.format(value="2026-13-01 10:00"),
        ),
        ({"start": "2020-01-01 10:00", "duration_hours": 1}, "start", "has already passed"),
        ({"start": "FUTURE", "duration_hours": 99}, "duration_hours", "outside that"),
        (
            {"start": "FUTURE", "duration_hours": 1, "timezone": "Europe/Lodnon"},
            "timezone",
            "Did you mean Europe/London?",
        ),
        ({"start": "FUTURE", "duration_hours": 1, "description": "x" * 1001}, "description", "at most 1000"),
        ({"duration_hours": 1}, "start", "Required for a free-form drop"),
    ],
)
def test_drop_refusals_are_field_level_400s_and_write_nothing(staff, body, field, text):
    body = {"guild_id": GUILD, "user_id": DROPPER, "channel_id": CHANNEL, **body}
    if body.get("start") == "FUTURE":
        body["start"] = future()
    response = staff.post("/api/shifts/shifts/", body, format="json")
    assert response.status_code == 400
    assert text in response.json()["fields"][field][0]
    assert not Shift.objects.exists() and not BotAction.objects.exists()


def test_fairness_refusal_carries_when_they_may_claim(staff):
    now = timezone.now()
    ShiftFactory(
        claimed_by=MOD_A, claimed_at=now - timedelta(hours=2), duration_hours=4, start_time_utc=now - timedelta(hours=1)
    )
    shift = ShiftFactory(start_time_utc=now + timedelta(days=1))
    response = staff.post(f"/api/shifts/shifts/{shift.pk}/claim/", {"user_id": MOD_A}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "fairness_cap" and body["hours_7d"] == 4 and body["cap"] == 3.0
    assert body["may_claim_from"] == (shift.start_time_utc - timedelta(minutes=60)).isoformat()
    may_from = (shift.start_time_utc - timedelta(minutes=60)).astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert body["detail"].endswith(f"so you can claim this one from {may_from}.")


@pytest.mark.parametrize(
    "refusal",
    [
        "claimed",  # "already claimed by" a member
        "fairness",  # "from" an instant
        "past",  # "the start ... has already passed"
        "edit_claimed",  # "is claimed by" a member
    ],
)
def test_refusal_bodies_carry_no_discord_markup(staff, refusal):
    now = timezone.now()
    shift = ShiftFactory(start_time_utc=now + timedelta(days=1))
    if refusal == "claimed":
        staff.post(f"/api/shifts/shifts/{shift.pk}/claim/", {"user_id": MOD_A}, format="json")
        response = staff.post(f"/api/shifts/shifts/{shift.pk}/claim/", {"user_id": MOD_B}, format="json")
    elif refusal == "fairness":
        ShiftFactory(claimed_by=MOD_A, claimed_at=now - timedelta(hours=1), duration_hours=5, start_time_utc=now)
        response = staff.post(f"/api/shifts/shifts/{shift.pk}/claim/", {"user_id": MOD_A}, format="json")
    elif refusal == "past":
        body = {"guild_id": GUILD, "user_id": DROPPER, "channel_id": CHANNEL, "start": "2020-01-01 10:00"}
        response = staff.post("/api/shifts/shifts/", {**body, "duration_hours": 1}, format="json")
    else:
        staff.post(f"/api/shifts/shifts/{shift.pk}/claim/", {"user_id": MOD_A}, format="json")
        response = staff.patch(
            f"/api/shifts/shifts/{shift.pk}/", {"user_id": DROPPER, "description": "x"}, format="json"
        )
    assert response.status_code == 400
    raw = json.dumps(response.json())
    assert "<t:" not in raw and "<@" not in raw and "<#" not in raw, raw
    assert response.json()["code"] in {"claimed", "fairness_cap", "invalid"}


def test_drop_without_a_channel_is_a_clear_400(staff):
    response = staff.post(
        "/api/shifts/shifts/",
        {"guild_id": GUILD, "user_id": DROPPER, "start": future(), "duration_hours": 1},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["detail"], body["fields"]) == (
        "no_channel",
        services.NO_CHANNEL,
        {"channel_id": [services.NO_CHANNEL]},
    )
    assert not Shift.objects.exists() and not BotAction.objects.exists()


@pytest.mark.parametrize(
    ("value", "status"),
    [(str(DROPPER), 201), (DROPPER, 201), ("12ab", 400), (0, 400), (str(1 << 63), 400), (True, 400)],
)
def test_discord_ids_are_accepted_as_strings_or_integers(staff, value, status):
    body = {"guild_id": str(GUILD), "user_id": value, "channel_id": CHANNEL, "start": future(), "duration_hours": 1}
    response = staff.post("/api/shifts/shifts/", body, format="json")
    assert response.status_code == status, response.json()
    if status == 400:
        assert "user_id" in response.json()["fields"]
    else:
        assert response.json()["created_by"] == str(DROPPER)


def test_drop_from_slot_and_schedules(staff):
    response = staff.post(
        "/api/shifts/schedules/",
        {"guild_id": GUILD, "user_id": MOD_A, "day_of_week": 2, "time": "07:45", "timezone": "australia/sydney"},
        format="json",
    )
    assert response.status_code == 201
    slot = response.json()
    assert (slot["day_name"], slot["hour"], slot["minute"], slot["duration_hours"]) == ("Wednesday", 7, 45, 1.0)
    assert (slot["guild_id"], slot["user_id"], slot["timezone"]) == (str(GUILD), str(MOD_A), "Australia/Sydney")
    duplicate = staff.post(
        "/api/shifts/schedules/",
        {"guild_id": GUILD, "user_id": MOD_A, "day_of_week": 2, "time": "07:45"},
        format="json",
    )
    assert duplicate.status_code == 400 and duplicate.json()["fields"] == {
        "time": ["You already have a slot on Wednesday at 07:45."]
    }
    response = staff.post(
        "/api/shifts/shifts/",
        {"guild_id": GUILD, "user_id": ADMIN_ID, "slot_id": slot["id"], "channel_id": CHANNEL},
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["assigned_user_id"], response.json()["schedule"]) == (str(MOD_A), slot["id"])
    assert staff.get("/api/shifts/schedules/", {"user_id": MOD_A}).json()["count"] == 1
    assert staff.delete(f"/api/shifts/schedules/{slot['id']}/").status_code == 204
    assert not ModSchedule.objects.exists()
    assert staff.delete(f"/api/shifts/schedules/{slot['id']}/").status_code == 404


ADMIN_ID = 720_000_000_000_000_009


def test_shift_filters(reader):
    now = timezone.now()
    open_shift = ShiftFactory(start_time_utc=now + timedelta(days=1))
    claimed = ShiftFactory(start_time_utc=now + timedelta(days=2), claimed_by=MOD_A, claimed_at=now)
    cancelled = ShiftFactory(
        start_time_utc=now + timedelta(days=3), cancelled=True, cancelled_at=now, cancelled_by=DROPPER
    )
    expired = ShiftFactory(start_time_utc=now - timedelta(days=1))
    elsewhere = ShiftFactory(guild_id=OTHER_GUILD, start_time_utc=now + timedelta(days=1))

    def ids(**params):
        response = reader.get("/api/shifts/shifts/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(guild_id=GUILD, state="open") == [open_shift.pk]
    assert ids(guild_id=GUILD, state="claimed") == [claimed.pk]
    assert ids(state="cancelled") == [cancelled.pk]
    assert ids(guild_id=GUILD, state="expired") == [expired.pk]
    assert ids(guild_id=OTHER_GUILD) == [elsewhere.pk]
    assert ids(user_id=MOD_A) == [claimed.pk]
    assert ids(user_id=str(MOD_A), guild_id=str(GUILD)) == [claimed.pk]
    after = (now + timedelta(hours=36)).isoformat()
    assert ids(guild_id=GUILD, start_after=after) == [claimed.pk, cancelled.pk]
    assert ids(guild_id=GUILD, start_before=now.isoformat()) == [expired.pk]
    response = reader.get("/api/shifts/shifts/", {"state": "lost"})
    assert response.status_code == 400 and "state" in response.json()["fields"]
    response = reader.get("/api/shifts/shifts/", {"guild_id": "12ab"})
    assert response.status_code == 400 and "guild_id" in response.json()["fields"]
    response = reader.get("/api/shifts/shifts/", {"start_after": "yesterday"})
    assert response.status_code == 400 and "start_after" in response.json()["fields"]


def test_stats(reader):
    now = timezone.now()
    ShiftFactory(claimed_by=MOD_A, claimed_at=now - timedelta(days=1), duration_hours=2)
    ShiftFactory(claimed_by=MOD_B, claimed_at=now - timedelta(days=10), duration_hours=5)
    assert reader.get("/api/shifts/stats/", {"guild_id": GUILD}).json() == [
        {"user_id": str(MOD_A), "shifts": 1, "hours": 2.0}
    ]
    assert reader.get("/api/shifts/stats/", {"guild_id": GUILD, "period": "30d"}).json()[0] == {
        "user_id": str(MOD_B),
        "shifts": 1,
        "hours": 5.0,
    }
    assert reader.get("/api/shifts/stats/", {"guild_id": GUILD, "period": "1y"}).status_code == 400
    assert reader.get("/api/shifts/stats/").json()["fields"]["guild_id"]


def test_unknown_shift_is_404(staff):
    assert staff.post("/api/shifts/shifts/999999/claim/", {"user_id": MOD_A}, format="json").status_code == 404


# ---------------------------------------------------------------------------- query counts


def _bulk_shifts(count: int) -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    Shift.objects.bulk_create(
        Shift(
            guild_id=GUILD,
            created_by=DROPPER,
            start_time_utc=start + timedelta(hours=i),
            duration_hours=1.0,
            claimed_by=MOD_A if i % 2 else None,
            claimed_at=timezone.now() if i % 2 else None,
        )
        for i in range(count)
    )


@pytest.mark.parametrize("count", [10, 1000])
@pytest.mark.parametrize(
    "params", [{}, {"guild_id": GUILD, "state": "open"}, {"user_id": MOD_A, "start_after": "2030-01-01T00:00:00Z"}]
)
def test_shift_list_costs_the_same_queries_for_10_or_1000_rows(reader, django_assert_num_queries, count, params):
    _bulk_shifts(count)
    with django_assert_num_queries(2):  # the page's count and the page
        response = reader.get("/api/shifts/shifts/", {**params, "page_size": 500})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] >= count // 2  # all, the open half or MOD_A's claimed half
    assert len(body["results"]) == min(body["count"], 500)


@pytest.mark.parametrize("count", [10, 1000])
def test_schedule_list_costs_the_same_queries_for_10_or_1000_rows(reader, django_assert_num_queries, count):
    ModSchedule.objects.bulk_create(
        ModSchedule(guild_id=GUILD, user_id=700 + i, day_of_week=i % 7, hour=i % 24, duration_hours=1.0)
        for i in range(count)
    )
    with django_assert_num_queries(2):
        response = reader.get("/api/shifts/schedules/", {"guild_id": GUILD, "page_size": 500})
    assert response.json()["count"] == count
    assert len(response.json()["results"]) == min(count, 500)


@pytest.mark.parametrize("count", [10, 1000])
def test_stats_cost_the_same_queries_for_10_or_1000_rows(reader, django_assert_num_queries, count):
    _bulk_shifts(count)
    with django_assert_num_queries(1):
        rows = reader.get("/api/shifts/stats/", {"guild_id": GUILD, "period": "all"}).json()
    assert rows == [{"user_id": str(MOD_A), "shifts": count // 2, "hours": float(count // 2)}]


def test_slot_factory_zone_reads_as_a_zone():
    slot = ModScheduleFactory()
    slot.refresh_from_db()
    assert slot.timezone.key == "America/New_York"


def test_a_started_claimed_shift_cannot_be_cancelled(staff):
    now = timezone.now()
    shift = ShiftFactory(
        claimed_by=MOD_A, claimed_at=now - timedelta(days=1), start_time_utc=now - timedelta(minutes=5)
    )
    response = staff.post(f"/api/shifts/shifts/{shift.pk}/cancel/", {"user_id": DROPPER}, format="json")
    assert response.status_code == 400
    body = response.json()
    start = shift.start_time_utc.isoformat().replace("+00:00", "Z")
    assert body["code"] == "started"
    assert body["detail"] == (
        f"Shift #{shift.pk} started {start}; a claimed shift cannot be cancelled once it has started "
        "(its hours stay with the moderator who claimed it)."
    )
    assert not Shift.objects.get(pk=shift.pk).cancelled
    assert not BotAction.objects.exists()


def test_duration_hours_round_trips_as_a_number(staff):
    for hours in (1.5, 0.7, 2.2, 0.25, 1.75):
        response = staff.post(
            "/api/shifts/shifts/",
            {"guild_id": GUILD, "user_id": DROPPER, "channel_id": CHANNEL, "start": future(), "duration_hours": hours},
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["duration_hours"] == hours
        assert staff.get(f"/api/shifts/shifts/{response.json()['id']}/").json()["duration_hours"] == hours
        Shift.objects.all().delete()
