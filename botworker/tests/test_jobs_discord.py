"""`/schedule` through the interaction pipeline: admins only, `when` in the server's zone unless
`timezone:` is given, refusals ephemeral and writing nothing, another server's jobs neither offered
by autocomplete nor changeable."""

from __future__ import annotations

import json

import pytest

from botworker.guilds import guild_configure
from botworker.interactions import handle_interaction
from botworker.models import BotAction
from botworker.tests.factories import ADMIN_ROLE, CHANNEL_ID, GUILD_ID, MOD_ROLE, command_payload
from config.actors import SYSTEM
from scheduling.models import Dispatch, ScheduledJob
from scheduling.services import jobs as services

pytestmark = pytest.mark.django_db

ADMIN_ID = 870_000_000_000_000_001
MOD_ID = 870_000_000_000_000_002
OTHER_GUILD = 870_000_000_000_000_009
ANNOUNCE_ROLE = 870_000_000_000_000_003
WHO = {"admin": (ADMIN_ID, (ADMIN_ROLE,)), "mod": (MOD_ID, (MOD_ROLE,))}
TYPES = {"channel": 7, "role": 8}


@pytest.fixture(autouse=True)
def configured():
    guild_configure(
        guild_id=GUILD_ID,
        name="Raid Guild",
        timezone="Europe/Brussels",
        moderator_role_ids=[MOD_ROLE],
        admin_role_ids=[ADMIN_ROLE],
    )


def run(sub: str, who: str = "admin", *, kind: int = 2, focused: str | None = None, **values) -> dict:
    user_id, roles = WHO[who]
    options = [
        {"name": k, "type": TYPES.get(k, 3), "value": v, **({"focused": True} if k == focused else {})}
        for k, v in values.items()
    ]
    payload = command_payload(
        "schedule", [{"type": 1, "name": sub, "options": options}], user_id=user_id, roles=roles, kind=kind
    )
    return handle_interaction(payload)


def text(response: dict) -> str:
    assert response["type"] == 4, response
    assert response["data"].get("flags") == 64, "schedule replies are ephemeral"
    return response["data"]["content"]


def test_an_admin_schedules_a_weekly_message_in_the_servers_zone():
    reply = text(run("message", channel=str(CHANNEL_ID), content="Weekly raid sign-ups!", when="every monday 09:00"))
    job = ScheduledJob.objects.get()
    assert job.trigger == {"type": "cron", "expression": "0 9 * * 1", "timezone": "Europe/Brussels"}
    assert job.params == {"channel_id": str(CHANNEL_ID), "content": "Weekly raid sign-ups!"}
    assert job.created_by == ADMIN_ID and job.guild_id == GUILD_ID
    assert f"`{job.job_id}`" in reply and f"<t:{int(job.next_fire_at.timestamp())}:F>" in reply


def test_announce_with_a_role_and_a_zone_of_its_own():
    text(
        run(
            "announce",
            channel=str(CHANNEL_ID),
            content="Raid in 5 minutes!",
            when="2026-12-24 18:00",
            timezone="America/New_York",
            role=str(ANNOUNCE_ROLE),
            name="xmas raid",
        )
    )
    job = ScheduledJob.objects.get()
    assert (job.method, job.name, job.timezone.key) == ("schedule_announcement", "xmas raid", "America/New_York")
    assert job.params["role_id"] == str(ANNOUNCE_ROLE)
    assert job.trigger["run_date"] == "2026-12-24T23:00:00Z"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"when": "whenever"}, "Could not read when 'whenever'"),
        ({"when": "every 10s"}, "An interval must be at least 60 seconds"),
        ({"when": "cron 0 25 * * *"}, "is not a cron schedule"),
        ({"when": "2020-01-01 10:00"}, "is in the past"),
        ({"when": "2026-03-29 02:30"}, "does not exist in Europe/Brussels"),
        ({"when": "every 2h", "timezone": "Mars/Olympus"}, "is not an IANA time zone"),
    ],
)
def test_a_bad_when_is_an_ephemeral_refusal_that_writes_nothing(values, expected):
    assert expected in text(run("message", channel=str(CHANNEL_ID), content="hi", **values))
    assert not ScheduledJob.objects.exists()


def test_only_admins_schedule():
    assert (
        text(run("message", "mod", channel=str(CHANNEL_ID), content="hi", when="every 2h"))
        == "Only admins can use this."
    )
    assert text(run("list", "mod")) == "Only admins can use this."
    assert not ScheduledJob.objects.exists()


def test_pause_resume_run_now_delete_with_autocomplete_and_list():
    text(run("message", channel=str(CHANNEL_ID), content="hi", when="every 2h", name="status ping"))
    services.job_create(
        actor=SYSTEM,
        guild_id=OTHER_GUILD,
        job_id="theirs",
        method="send_message",
        params={"channel_id": CHANNEL_ID, "content": "theirs"},
        trigger={"type": "interval", "hours": 1},
    )
    job = ScheduledJob.objects.get(guild_id=GUILD_ID)
    choices = run("pause", kind=4, focused="job", job="")["data"]["choices"]
    assert choices == [{"name": "status ping · send_message", "value": job.job_id}]
    assert job.job_id not in json.dumps(run("pause", "mod", kind=4, focused="job", job=""))

    assert "paused" in text(run("pause", job=job.job_id))
    assert "⏸️ paused" in text(run("list"))
    assert "resumed" in text(run("resume", job=job.job_id))
    assert "running now" in text(run("run_now", job=job.job_id))
    assert Dispatch.objects.filter(source_id=job.pk, kind="manual").count() == 1
    assert BotAction.objects.filter(guild_id=GUILD_ID).count() == 1

    assert text(run("run_now", job="theirs")) == "There is no scheduled job 'theirs' on this server."
    assert text(run("delete", job="theirs")) == "There is no scheduled job 'theirs' on this server."
    assert ScheduledJob.objects.filter(job_id="theirs", enabled=True).exists()
    assert not BotAction.objects.filter(guild_id=OTHER_GUILD).exists()

    listing = text(run("list"))
    assert "theirs" not in listing and json.dumps(job.job_id)[1:-1] in listing
    assert "deleted" in text(run("delete", job=job.job_id))
    assert not ScheduledJob.objects.filter(guild_id=GUILD_ID).exists()


@pytest.mark.django_db(transaction=True)  # the deliverer works in a thread of its own
def test_a_run_shows_retrying_then_done_as_the_deliverer_retries_it(emulator):
    from datetime import timedelta

    from django.db.models.functions import Now

    from botworker.tests.outbox_helpers import MESSAGES, deliver

    emulator.add_guild(guild_id=str(GUILD_ID), name="Raid Guild")
    channel = emulator.add_channel(guild_id=str(GUILD_ID), name="general")["id"]
    services.job_create(
        actor=SYSTEM,
        guild_id=GUILD_ID,
        job_id="daily",
        method="send_message",
        params={"channel_id": channel, "content": "Daily update!"},
        trigger={"type": "interval", "hours": 1},
    )
    record = services.job_run_now(actor=SYSTEM, guild_id=GUILD_ID, job_id="daily")
    emulator.fail_next(1, status=429, retry_after=60, path=MESSAGES, method="POST")
    deliver()
    record.refresh_from_db()
    assert record.outcome == "retrying" and "rate limited" in record.detail
    BotAction.objects.update(next_attempt_at=Now() - timedelta(seconds=1))
    deliver()
    record.refresh_from_db()
    assert record.outcome == "done"
    assert [m["content"] for m in emulator.messages(channel)] == ["Daily update!"]
