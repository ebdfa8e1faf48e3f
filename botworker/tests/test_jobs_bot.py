"""Every scheduled job method end to end: the dispatcher fires the jobs, the real bot process
(`manage.py runbot`, discord.py) performs their outbox rows against the Discord emulator (REST and
gateway), and each run's dispatch record shows the delivery outcome."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from botworker.guilds import guild_configure
from botworker.tests.test_bot import GUILD, MEMBER, bot, bot_env, start_ready  # noqa: F401 - fixtures
from config.actors import SYSTEM
from conftest import wait_for
from scheduling import dispatcher
from scheduling.models import Dispatch, ScheduledJob
from scheduling.services import jobs as services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

MESSAGES = r"/channels/\d+/messages"


def create(method: str, params: dict, job_id: str, guild_id: int = GUILD) -> ScheduledJob:
    return services.job_create(
        actor=SYSTEM,
        guild_id=guild_id,
        job_id=job_id,
        method=method,
        params=params,
        trigger={"type": "interval", "hours": 1},
    )


def outcomes() -> dict[str, tuple[str, str, str]]:
    jobs = {job.pk: job.job_id for job in ScheduledJob.objects.all()}
    return {jobs[d.source_id]: (d.status, d.outcome, d.detail) for d in Dispatch.objects.filter(source="job")}


def test_every_method_runs_against_the_emulator_with_the_real_bot(emulator, bot):  # noqa: F811 - the fixture
    guild_configure(guild_id=GUILD, name="Raiders")
    emulator.add_guild(guild_id=str(GUILD), name="Raiders")
    general = emulator.add_channel(guild_id=str(GUILD), name="general")["id"]
    lfg = emulator.add_channel(guild_id=str(GUILD), name="lfg")["id"]
    elsewhere = emulator.add_channel(guild_id="899999999999999999", name="not-ours")["id"]
    raiders = emulator.add_role(str(GUILD), "Raiders")["id"]
    veterans = emulator.add_role(str(GUILD), "Veterans")["id"]
    emulator.add_member(str(GUILD), str(MEMBER), roles=[veterans])
    now = datetime.now(UTC)

    def message(age: timedelta) -> str:
        return emulator.add_message(lfg, "old chatter", author_id=5, created_at=now - age)["id"]

    older_than_14_days = {message(timedelta(days=20, minutes=i)) for i in range(3)}
    younger_than_14_days = {message(timedelta(days=5, minutes=i)) for i in range(4)}
    recent = {message(timedelta(hours=2))}

    create("send_message", {"channel_id": general, "content": "Daily update! @everyone"}, "daily")
    create(
        "send_embed",
        {
            "channel_id": general,
            "title": "Weekly report",
            "description": "All green",
            "color": "#00ff00",
            "fields": [{"name": "Raids", "value": "3", "inline": True}],
            "footer": "Guildhall",
        },
        "report",
    )
    create("update_status", {"activity_type": "watching", "name": "Hour 1", "status": "idle"}, "rotation")
    create(
        "schedule_announcement",
        {"channel_id": general, "message": "Event starts in 5 min!", "role_id": raiders},
        "event",
    )
    create("cleanup_old_messages", {"channel_id": lfg, "limit": 100, "age_days": 1}, "cleanup")
    create("update_role", {"user_id": MEMBER, "role_id": raiders, "action": "add"}, "grant")
    create("update_role", {"user_id": MEMBER, "role_id": veterans, "action": "remove"}, "revoke")
    create("send_message", {"channel_id": elsewhere, "content": "into another guild"}, "trespass")

    with transaction.atomic():
        report = dispatcher.dispatch_due(now=now + timedelta(hours=1, seconds=1))
    assert report.sent == 8
    start_ready(bot, emulator)
    wait_for(
        lambda: all(outcome != "pending" for _, outcome, _ in outcomes().values()),
        timeout=60,
        message="every run's delivery outcome",
    )
    results = outcomes()
    assert {job: results[job][:2] for job in results if job != "trespass"} == {
        job: ("sent", "done") for job in ("daily", "report", "rotation", "event", "cleanup", "grant", "revoke")
    }
    assert results["trespass"][1] == "dead" and "is not a channel of guild" in results["trespass"][2]

    posted = {m["content"] or m["embeds"][0]["title"]: m for m in emulator.messages(general)}
    assert set(posted) == {"Daily update! @everyone", "Weekly report", f"<@&{raiders}> Event starts in 5 min!"}
    assert emulator.messages(elsewhere) == []
    posts = {
        (r.json.get("content") or r.json["embeds"][0]["title"]): r.json for r in emulator.requests_to("POST", MESSAGES)
    }
    # A message pings nobody (not even its @everyone); an announcement only its role.
    assert posts["Daily update! @everyone"]["allowed_mentions"]["parse"] == []
    announcement = posts[f"<@&{raiders}> Event starts in 5 min!"]["allowed_mentions"]
    assert announcement == {"parse": [], "roles": [raiders], "users": [], "replied_user": False}
    embed = posted["Weekly report"]["embeds"][0]
    assert (embed["color"], embed["footer"]["text"], embed["fields"][0]["name"]) == (0x00FF00, "Guildhall", "Raids")

    presence = wait_for(lambda: [p for p in emulator.presences if p.status == "idle"], timeout=10, message="presence")
    assert json.dumps(presence[-1].activities).count("Hour 1") == 1

    assert {m["id"] for m in emulator.messages(lfg)} == recent
    [bulk] = emulator.requests_to("POST", r"/channels/\d+/messages/bulk-delete")
    assert set(bulk.json["messages"]) == younger_than_14_days
    singles = {r.path.rsplit("/", 1)[1] for r in emulator.requests_to("DELETE", r"/channels/\d+/messages/\d+")}
    assert singles == older_than_14_days

    assert emulator.member_roles(str(GUILD), str(MEMBER)) == {raiders}
