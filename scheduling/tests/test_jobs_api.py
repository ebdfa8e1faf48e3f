"""The scheduled jobs' API in ScheduleZero's shape: the seed's examples as written, every bad
request a 400 naming the field, 409 for a taken job_id, another guild's job neither listed nor
changeable, executions with their delivery outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from botworker.guilds import guild_configure
from botworker.models import BotAction
from botworker.receivers.clock import DELIVERED_HOOK
from botworker.signals import action_dead
from config.actors import SYSTEM
from conftest import link_member
from scheduling.models import Dispatch, ScheduledJob
from scheduling.services import jobs

pytestmark = pytest.mark.django_db

GUILD = 860_000_000_000_000_001
OTHER = 860_000_000_000_000_002
ADMIN_ROLE = 861_000_000_000_000_001
ADMIN = 862_000_000_000_000_001
CHANNEL = 863_000_000_000_000_001
ROLE = 864_000_000_000_000_001


@pytest.fixture
def admin_client():
    guild_configure(guild_id=GUILD, name="A", admin_role_ids=[ADMIN_ROLE])
    login = link_member(User.objects.create_user("admin"), guild_id=GUILD, discord_user_id=ADMIN, role_ids=[ADMIN_ROLE])
    client = APIClient()
    client.force_authenticate(login)
    return client


@pytest.fixture
def staff_client():
    client = APIClient()
    client.force_authenticate(User.objects.create_user("staff", is_staff=True))
    return client


def schedule(client, **body):
    payload = {
        "guild_id": str(GUILD),
        "handler_id": "discord-bot",
        "job_method": "send_message",
        "job_params": {"channel_id": CHANNEL, "content": "Daily update!"},
        "trigger": {"type": "cron", "hour": 12, "minute": 0},
        **body,
    }
    return client.post("/api/schedule/", payload, format="json")


def test_the_seed_examples_work_as_written(admin_client, staff_client):
    # Daily announcements
    daily = schedule(admin_client)
    assert daily.status_code == 201, daily.json()
    assert daily.json()["status"] == "success"
    # Event reminders: 5 minutes before the event
    event_time = timezone.now() + timedelta(days=1)
    reminder = schedule(
        admin_client,
        job_method="schedule_announcement",
        job_params={"channel_id": CHANNEL, "message": "Event starts in 5 min!", "role_id": ROLE},
        trigger={"type": "date", "run_date": (event_time - timedelta(minutes=5)).isoformat()},
    )
    assert reminder.status_code == 201, reminder.json()
    # Status rotation (the bot's status is every guild's: staff)
    rotation = schedule(
        staff_client,
        job_method="update_status",
        job_params={"activity_type": "playing", "name": "Hour 1"},
        trigger={"type": "interval", "hours": 1},
    )
    assert rotation.status_code == 201, rotation.json()

    listed = admin_client.get("/api/schedules/").json()["results"]
    assert {job["job_method"] for job in listed} == {"send_message", "schedule_announcement", "update_status"}
    daily_job = next(job for job in listed if job["job_id"] == daily.json()["job_id"])
    assert daily_job["trigger"] == {"type": "cron", "expression": "0 12 * * *", "timezone": "UTC"}
    assert len(daily_job["next_runs"]) == 5 and daily_job["last_run"] is None
    assert daily_job["job_params"] == {"channel_id": str(CHANNEL), "content": "Daily update!"}
    one_off = next(job for job in listed if job["job_method"] == "schedule_announcement")
    assert len(one_off["next_runs"]) == 1


BAD_REQUESTS = [
    ({"guild_id": None}, "guild_id"),
    ({"job_method": "send_dm"}, "job_method"),
    ({"job_params": {"channel_id": CHANNEL}}, "job_params.content"),
    ({"job_params": {"channel_id": "#general", "content": "hi"}}, "job_params.channel_id"),
    ({"job_params": "hello"}, "job_params"),
    ({"trigger": {"type": "interval", "seconds": 30}}, "trigger.seconds"),
    ({"trigger": {"type": "cron", "expression": "every day"}}, "trigger.expression"),
    ({"trigger": {"type": "date", "run_date": "2020-01-01T00:00:00Z"}}, "trigger.run_date"),
    ({"trigger": {"type": "sometimes"}}, "trigger.type"),
    ({"trigger": None}, "trigger"),
    ({"job_id": "has spaces"}, "job_id"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"misfire_policy": "retry"}, "misfire_policy"),
    ({"misfire_grace_seconds": 10**9}, "misfire_grace_seconds"),
]


@pytest.mark.parametrize(("change", "field"), BAD_REQUESTS)
def test_every_bad_request_is_a_400_naming_the_field_and_writes_nothing(admin_client, change, field):
    body = {key: value for key, value in change.items() if value is not None}
    response = schedule(admin_client, **body) if len(body) == len(change) else _without(admin_client, change)
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"], response.json()
    assert not ScheduledJob.objects.exists()


def _without(client, change):
    payload = {
        "guild_id": str(GUILD),
        "job_method": "send_message",
        "job_params": {"channel_id": CHANNEL, "content": "hi"},
        "trigger": {"type": "interval", "hours": 1},
    }
    for key in change:
        payload.pop(key)
    return client.post("/api/schedule/", payload, format="json")


def test_a_taken_job_id_is_a_409(admin_client):
    assert schedule(admin_client, job_id="daily").status_code == 201
    response = schedule(admin_client, job_id="daily")
    assert response.status_code == 409
    assert response.json()["fields"] == {"job_id": ["A job with the id 'daily' exists already."]}
    assert ScheduledJob.objects.count() == 1


def test_another_guilds_job_is_neither_listed_nor_changeable(admin_client):
    jobs.job_create(
        actor=SYSTEM,
        guild_id=OTHER,
        job_id="other-daily",
        method="send_message",
        params={"channel_id": CHANNEL, "content": "theirs"},
        trigger={"type": "interval", "hours": 1},
    )
    jobs.job_run_now(actor=SYSTEM, guild_id=OTHER, job_id="other-daily")
    assert admin_client.get("/api/schedules/").json()["results"] == []
    assert admin_client.get("/api/schedules/", {"guild_id": str(OTHER)}).json()["results"] == []
    assert admin_client.get("/api/executions/").json()["results"] == []
    assert admin_client.get("/api/schedules/other-daily/").status_code == 404
    assert admin_client.patch("/api/schedules/other-daily/", {"enabled": False}, format="json").status_code == 404
    assert admin_client.delete("/api/schedules/other-daily/").status_code == 404
    assert admin_client.post("/api/run_now/", {"job_id": "other-daily"}, format="json").status_code == 404
    assert schedule(admin_client, guild_id=str(OTHER)).status_code == 403
    job = ScheduledJob.objects.get(job_id="other-daily")
    assert job.enabled and Dispatch.objects.count() == 1


def test_patch_pauses_and_changes_and_refuses_bad_fields(admin_client):
    schedule(admin_client, job_id="daily")
    paused = admin_client.patch("/api/schedules/daily/", {"enabled": False}, format="json")
    assert paused.status_code == 200 and paused.json()["enabled"] is False and paused.json()["next_runs"] == []
    moved = admin_client.patch(
        "/api/schedules/daily/",
        {"enabled": True, "trigger": {"type": "cron", "expression": "0 9 * * 1", "timezone": "Europe/Brussels"}},
        format="json",
    )
    assert moved.status_code == 200 and moved.json()["timezone"] == "Europe/Brussels"
    bad = admin_client.patch("/api/schedules/daily/", {"job_params": {"channel_id": CHANNEL}}, format="json")
    assert bad.status_code == 400 and "job_params.content" in bad.json()["fields"]
    assert ScheduledJob.objects.get(job_id="daily").params["content"] == "Daily update!"
    assert admin_client.delete("/api/schedules/daily/").status_code == 204
    assert not ScheduledJob.objects.exists()


def test_run_now_and_executions_with_their_outcome(admin_client):
    schedule(admin_client, job_id="daily")
    ran = admin_client.post("/api/run_now/", {"job_id": "daily"}, format="json")
    assert ran.status_code == 200, ran.json()
    execution_id = ran.json()["execution_id"]
    [action] = BotAction.objects.filter(hook=DELIVERED_HOOK)
    BotAction.objects.filter(pk=action.pk).update(status="dead", last_error="403 Forbidden (code 50013)")
    action_dead.send(sender=BotAction, action_id=action.pk)
    [execution] = admin_client.get("/api/executions/", {"job_id": "daily"}).json()["results"]
    assert execution["execution_id"] == execution_id
    assert (execution["job_id"], execution["kind"], execution["status"]) == ("daily", "manual", "sent")
    assert (execution["outcome"], execution["detail"]) == ("dead", "403 Forbidden (code 50013)")
    job = admin_client.get("/api/schedules/daily/").json()
    assert job["last_run"]["outcome"] == "dead"


def test_a_member_who_is_not_an_admin_is_refused(admin_client):
    schedule(admin_client, job_id="daily")
    member = link_member(User.objects.create_user("member"), guild_id=GUILD, discord_user_id=ADMIN + 1)
    client = APIClient()
    client.force_authenticate(member)
    assert client.get("/api/schedules/").json()["results"] == []
    assert client.get("/api/schedules/daily/").status_code == 403
    assert client.post("/api/run_now/", {"job_id": "daily"}, format="json").status_code == 403
    assert schedule(client, job_id="mine").status_code == 403
    assert ScheduledJob.objects.count() == 1
