"""Scheduled jobs: cron across both 2026 DST changes in New York and Brussels (gap once after, fold
once), intervals and dates, every parameter and trigger checked field by field (refusals write
nothing), the dispatcher's runs with their outbox rows and outcomes, run now, pause/resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from botworker.models import BotAction
from botworker.outbox import hooks
from botworker.receivers.clock import DELIVERED_HOOK
from botworker.signals import action_retrying
from config.actors import Actor
from config.exceptions import ApplicationError
from scheduling import dispatcher
from scheduling.models import Dispatch, ScheduledJob
from scheduling.services import jobs as svc

GUILD = 5100
OTHER_GUILD = 5199
CHANNEL = 5200
ROLE = 5300
ADMIN = Actor(user_id=5400, is_admin=True, is_moderator=True, is_member=True)
MOD = Actor(user_id=5401, is_moderator=True, is_member=True)
STAFF = Actor(is_staff=True)
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday

pytestmark = pytest.mark.django_db


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def runs(trigger: dict, *, zone="UTC", after: datetime, count: int = 3) -> list[datetime]:
    clean, zone_name = svc.check_trigger(trigger, zone_name=zone, now=after)
    job = ScheduledJob(trigger=clean, timezone=zone_name)
    return svc.upcoming_runs(job, count=count, after=after)


def message_job(**extra) -> ScheduledJob:
    values = {
        "actor": ADMIN,
        "guild_id": GUILD,
        "method": "send_message",
        "params": {"channel_id": CHANNEL, "content": "Daily update!"},
        "trigger": {"type": "cron", "hour": 12, "minute": 0},
        "now": NOW,
    }
    return svc.job_create(**{**values, **extra})


# (zone, cron expression, after, the next runs in UTC, worked out by hand)
DST_TABLE = [
    # New York springs forward 2026-03-08 02:00 -> 03:00. 12:00 stays 12:00 local (17:00 -> 16:00 UTC).
    ("America/New_York", "0 12 * * *", utc(2026, 3, 7, 0), [utc(2026, 3, 7, 17), utc(2026, 3, 8, 16), utc(2026, 3, 9, 16)]),
    # 02:30 does not exist on 03-08: it runs once, when the gap ends (03:00 EDT = 07:00 UTC).
    ("America/New_York", "30 2 * * *", utc(2026, 3, 7, 0), [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7), utc(2026, 3, 9, 6, 30)]),
    # Falls back 2026-11-01 02:00 -> 01:00: 01:30 happens twice and runs once, at the first (EDT).
    ("America/New_York", "30 1 * * *", utc(2026, 10, 31, 0), [utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]),
    ("America/New_York", "0 12 * * 1-5", utc(2026, 10, 29, 0), [utc(2026, 10, 29, 16), utc(2026, 10, 30, 16), utc(2026, 11, 2, 17)]),
    # Brussels springs forward 2026-03-29 02:00 -> 03:00 ...
    ("Europe/Brussels", "0 12 * * *", utc(2026, 3, 28, 0), [utc(2026, 3, 28, 11), utc(2026, 3, 29, 10), utc(2026, 3, 30, 10)]),
    ("Europe/Brussels", "30 2 * * *", utc(2026, 3, 28, 0), [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1), utc(2026, 3, 30, 0, 30)]),
    # ... and falls back 2026-10-25 03:00 -> 02:00: 02:30 runs once, at the first (CEST).
    ("Europe/Brussels", "30 2 * * *", utc(2026, 10, 24, 0), [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]),
    ("Europe/Brussels", "0 12 * * *", utc(2026, 10, 24, 0), [utc(2026, 10, 24, 10), utc(2026, 10, 25, 11), utc(2026, 10, 26, 11)]),
    # Every 30 minutes through the repeated hour: each real half hour once (none lost, none twice).
    ("Europe/Brussels", "*/30 * * * *", utc(2026, 10, 24, 23, 50), [utc(2026, 10, 25, 0), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1)]),
]  # fmt: skip


@pytest.mark.parametrize(("zone", "expression", "after", "expected"), DST_TABLE)
def test_cron_keeps_the_local_time_across_dst(zone, expression, after, expected):
    assert runs({"type": "cron", "expression": expression, "timezone": zone}, after=after) == expected


def test_cron_fields_follow_apscheduler_defaults_and_day_numbers():
    clean, zone = svc.check_trigger(
        {"type": "cron", "hour": 12, "day_of_week": "mon-fri"}, zone_name="America/New_York", now=NOW
    )
    assert clean == {"type": "cron", "expression": "0 12 * * 1,2,3,4,5", "timezone": "America/New_York"}
    assert zone == "America/New_York"
    # 0 = Monday in the fields form (APScheduler), 6 = Sunday
    clean, _ = svc.check_trigger({"type": "cron", "day_of_week": "0,6", "minute": 15}, zone_name="UTC", now=NOW)
    assert clean["expression"] == "15 0 * * 0,1"  # hour is below day_of_week: its minimum
    clean, _ = svc.check_trigger({"type": "cron", "month": 6}, zone_name="UTC", now=NOW)
    assert clean["expression"] == "0 0 1 6 *"


def test_interval_counts_from_its_start_in_real_time():
    assert runs({"type": "interval", "hours": 1}, after=NOW) == [
        utc(2026, 1, 5, 10),
        utc(2026, 1, 5, 11),
        utc(2026, 1, 5, 12),
    ]
    start = {"type": "interval", "minutes": 90, "start_date": "2026-01-05T08:00:00Z"}
    assert runs(start, after=NOW) == [utc(2026, 1, 5, 9, 30), utc(2026, 1, 5, 11), utc(2026, 1, 5, 12, 30)]
    future = {"type": "interval", "days": 1, "start_date": "2026-01-10 18:00"}
    assert runs(future, zone="Europe/Brussels", after=NOW)[0] == utc(2026, 1, 10, 17)


def test_date_runs_once_and_reads_a_naive_date_in_the_zone():
    assert runs({"type": "date", "run_date": "2026-12-24 18:00"}, zone="Europe/Brussels", after=NOW) == [
        utc(2026, 12, 24, 17)
    ]
    assert runs({"type": "date", "run_date": int(utc(2026, 2, 1).timestamp())}, after=NOW) == [utc(2026, 2, 1)]


BAD_TRIGGERS = [
    ("not a dict", "trigger"),
    ({"type": "weekly"}, "trigger.type"),
    ({"type": "date"}, "trigger.run_date"),
    ({"type": "date", "run_date": "soon"}, "trigger.run_date"),
    ({"type": "date", "run_date": "2025-01-01T00:00:00Z"}, "trigger.run_date"),
    ({"type": "date", "run_date": "2026-03-29 02:30", "timezone": "Europe/Brussels"}, "trigger.run_date"),
    ({"type": "date", "run_date": "2026-12-24 18:00", "timezone": "Mars/Olympus"}, "trigger.timezone"),
    ({"type": "date", "run_date": "2026-12-24 18:00", "hours": 1}, "trigger.hours"),
    ({"type": "interval", "seconds": 59}, "trigger.seconds"),
    ({"type": "interval"}, "trigger.seconds"),
    ({"type": "interval", "hours": -1}, "trigger.hours"),
    ({"type": "interval", "hours": "two"}, "trigger.hours"),
    ({"type": "interval", "hours": True}, "trigger.hours"),
    ({"type": "cron"}, "trigger"),
    ({"type": "cron", "expression": "0 12 * *"}, "trigger.expression"),
    ({"type": "cron", "expression": "* * * * * *"}, "trigger.expression"),
    ({"type": "cron", "expression": "61 12 * * *"}, "trigger.expression"),
    ({"type": "cron", "expression": "0 0 30 2 *"}, "trigger.expression"),
    ({"type": "cron", "expression": "0 12 * * *", "hour": 3}, "trigger.expression"),
    ({"type": "cron", "day_of_week": "someday"}, "trigger.day_of_week"),
    ({"type": "cron", "day_of_week": "fri-mon"}, "trigger.day_of_week"),
    ({"type": "cron", "hour": "25"}, "trigger.expression"),
    ({"type": "cron", "second": 5}, "trigger.second"),
]


@pytest.mark.parametrize(("trigger", "field"), BAD_TRIGGERS)
def test_a_bad_trigger_is_refused_naming_the_field_and_writes_nothing(trigger, field):
    with pytest.raises(ApplicationError) as refused:
        message_job(trigger=trigger)
    assert refused.value.field == field
    assert not ScheduledJob.objects.exists()


BAD_PARAMS = [
    ("send_message", "not a dict", "job_params"),
    ("send_message", {"content": "hi"}, "job_params.channel_id"),
    ("send_message", {"channel_id": "abc", "content": "hi"}, "job_params.channel_id"),
    ("send_message", {"channel_id": CHANNEL, "content": ""}, "job_params.content"),
    ("send_message", {"channel_id": CHANNEL, "content": "x" * 2001}, "job_params.content"),
    ("send_message", {"channel_id": CHANNEL, "content": "hi", "colour": 3}, "job_params.colour"),
    ("send_embed", {"channel_id": CHANNEL, "title": "t", "description": "d"}, "job_params.color"),
    ("send_embed", {"channel_id": CHANNEL, "title": "t", "description": "d", "color": "green"}, "job_params.color"),
    ("send_embed", {"channel_id": CHANNEL, "title": "t", "description": "d", "color": 0x1000000}, "job_params.color"),
    ("send_embed", {"channel_id": CHANNEL, "title": "t", "description": "d", "color": 1, "url": "ftp://x"}, "job_params.url"),
    ("send_embed", {"channel_id": CHANNEL, "title": "t", "description": "d", "color": 1, "fields": [{"name": "a"}]}, "job_params.fields[0].value"),
    ("send_embed", {"channel_id": CHANNEL, "title": "t" * 257, "description": "d", "color": 1}, "job_params.title"),
    ("update_status", {"activity_type": "streaming", "name": "x"}, "job_params.activity_type"),
    ("update_status", {"activity_type": "playing", "name": "x", "status": "away"}, "job_params.status"),
    ("schedule_announcement", {"channel_id": CHANNEL, "message": "go", "role_id": "everyone"}, "job_params.role_id"),
    ("cleanup_old_messages", {"channel_id": CHANNEL, "limit": 1001, "age_days": 7}, "job_params.limit"),
    ("cleanup_old_messages", {"channel_id": CHANNEL, "limit": 0, "age_days": 7}, "job_params.limit"),
    ("cleanup_old_messages", {"channel_id": CHANNEL, "limit": 10, "age_days": 0}, "job_params.age_days"),
    ("cleanup_old_messages", {"channel_id": CHANNEL, "limit": 10}, "job_params.age_days"),
    ("update_role", {"user_id": 1, "role_id": ROLE, "action": "toggle"}, "job_params.action"),
    ("update_role", {"user_id": 1, "action": "add"}, "job_params.role_id"),
    ("send_dm", {}, "job_method"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "params", "field"), BAD_PARAMS)
def test_bad_params_are_refused_field_by_field_and_write_nothing(method, params, field):
    with pytest.raises(ApplicationError) as refused:
        message_job(method=method, params=params, actor=STAFF)
    assert refused.value.field == field
    assert not ScheduledJob.objects.exists()


def test_params_are_normalised():
    job = message_job(
        method="send_embed",
        params={"channel_id": str(CHANNEL), "title": " News ", "description": "d", "color": "#00ff00"},
    )
    assert job.params == {"channel_id": str(CHANNEL), "title": "News", "description": "d", "color": 0x00FF00}
    assert job.job_id.startswith("send_embed-") and job.name == job.job_id
    assert job.next_fire_at == utc(2026, 1, 5, 12)


def test_only_admins_and_staff_manage_jobs_and_only_staff_the_bot_status():
    with pytest.raises(ApplicationError) as refused:
        message_job(actor=MOD)
    assert refused.value.code == "permission_denied"
    status = {"activity_type": "playing", "name": "raids"}
    with pytest.raises(ApplicationError) as refused:
        message_job(method="update_status", params=status)
    assert refused.value.code == "permission_denied" and refused.value.field == "job_method"
    assert not ScheduledJob.objects.exists()
    assert message_job(method="update_status", params=status, actor=STAFF).params["name"] == "raids"


def test_a_duplicate_job_id_is_a_conflict():
    message_job(job_id="daily")
    with pytest.raises(ApplicationError) as refused:
        message_job(job_id="daily", guild_id=OTHER_GUILD)
    assert (refused.value.code, refused.value.field) == ("conflict", "job_id")
    with pytest.raises(ApplicationError) as refused:
        message_job(job_id="no spaces")
    assert refused.value.field == "job_id"
    assert ScheduledJob.objects.count() == 1


def test_each_fire_is_one_dispatch_and_one_outbox_row_with_the_outcome_reported():
    job = message_job(trigger={"type": "interval", "hours": 1})
    due = NOW + timedelta(hours=1)
    report = dispatcher.dispatch_due(now=due + timedelta(seconds=5))
    again = dispatcher.dispatch_due(now=due + timedelta(seconds=6))
    assert (report.sent, again.rows) == (1, 0)
    [record] = Dispatch.objects.filter(source="job", source_id=job.pk)
    [action] = BotAction.objects.filter(hook=DELIVERED_HOOK)
    assert action.payload == {"channel_id": str(CHANNEL), "content": "Daily update!", "guild_id": str(GUILD)}
    assert action.dedupe_key == f"job:{job.pk}:run:{int(due.timestamp())}"
    job.refresh_from_db()
    assert (job.last_run_at, job.next_fire_at) == (due, due + timedelta(hours=1))

    action_retrying.send(sender=BotAction, action_id=action.pk, error="503 Service Unavailable")
    record.refresh_from_db()
    assert (record.outcome, record.detail) == ("retrying", "503 Service Unavailable")
    action.status, action.result = BotAction.Status.DONE, {"message_id": "1"}
    hooks.get_completion_hook(DELIVERED_HOOK)(action, action.result)
    record.refresh_from_db()
    assert record.outcome == "done"


def test_a_one_off_runs_once_and_is_finished():
    job = message_job(trigger={"type": "date", "run_date": "2026-01-05T10:00:00Z"})
    dispatcher.dispatch_due(now=utc(2026, 1, 5, 10, 0, 2))
    dispatcher.dispatch_due(now=utc(2026, 1, 6))
    job.refresh_from_db()
    assert (job.next_fire_at, job.finished_at, job.last_run_at) == (
        None,
        utc(2026, 1, 5, 10, 0, 2),
        utc(2026, 1, 5, 10),
    )
    assert Dispatch.objects.filter(source="job").count() == 1
    assert BotAction.objects.count() == 1


@pytest.mark.parametrize(
    ("policy", "grace", "late_by", "expected"),
    [
        ("skip", 0, timedelta(minutes=5), "missed"),
        ("skip", 0, timedelta(seconds=30), "sent"),
        ("run_once_late", 0, timedelta(hours=5), "late"),
        ("grace", 900, timedelta(minutes=10), "late"),
        ("grace", 900, timedelta(minutes=20), "missed"),
    ],
)
def test_misfire_policies(policy, grace, late_by, expected):
    job = message_job(
        trigger={"type": "date", "run_date": "2026-01-05T10:00:00Z"}, misfire_policy=policy, misfire_grace_seconds=grace
    )
    dispatcher.dispatch_due(now=utc(2026, 1, 5, 10) + late_by)
    [record] = Dispatch.objects.filter(source_id=job.pk)
    assert record.status == expected
    assert BotAction.objects.count() == (0 if expected == "missed" else 1)


def test_run_now_sends_once_outside_the_schedule():
    job = message_job()
    record = svc.job_run_now(actor=ADMIN, guild_id=GUILD, job_id=job.job_id, now=NOW)
    assert (record.kind, record.status, record.outcome) == ("manual", "sent", "pending")
    [action] = BotAction.objects.all()
    assert action.dedupe_key == f"job:{job.pk}:manual:{record.pk}"
    job.refresh_from_db()
    assert job.next_fire_at == utc(2026, 1, 5, 12) and job.last_run_at == NOW


def test_another_guilds_job_is_missing_for_every_change():
    job = message_job(job_id="daily")
    for call in (
        lambda: svc.job_run_now(actor=ADMIN, guild_id=OTHER_GUILD, job_id="daily"),
        lambda: svc.job_delete(actor=ADMIN, guild_id=OTHER_GUILD, job_id="daily"),
        lambda: svc.job_set_enabled(actor=ADMIN, guild_id=OTHER_GUILD, job_id="daily", enabled=False),
    ):
        with pytest.raises(ApplicationError) as refused:
            call()
        assert refused.value.code == "not_found"
    job.refresh_from_db()
    assert job.enabled and not Dispatch.objects.exists()


def test_pause_stops_runs_and_resume_counts_from_now():
    job = message_job(trigger={"type": "interval", "hours": 1})
    svc.job_set_enabled(actor=ADMIN, guild_id=GUILD, job_id=job.job_id, enabled=False, now=NOW)
    assert dispatcher.dispatch_due(now=NOW + timedelta(hours=5)).rows == 0
    job = svc.job_set_enabled(
        actor=ADMIN, guild_id=GUILD, job_id=job.job_id, enabled=True, now=NOW + timedelta(hours=5, minutes=30)
    )
    assert job.next_fire_at == NOW + timedelta(hours=6)


def test_update_checks_the_whole_job_again():
    job = message_job(job_id="daily")
    with pytest.raises(ApplicationError) as refused:
        svc.job_update(actor=ADMIN, guild_id=GUILD, job_id="daily", changes={"method": "send_embed"}, now=NOW)
    assert refused.value.field == "job_params.channel_id"  # a new method needs its own parameters
    job = svc.job_update(
        actor=ADMIN,
        guild_id=GUILD,
        job_id="daily",
        changes={"trigger": {"type": "cron", "expression": "0 9 * * 1", "timezone": "Europe/Brussels"}},
        now=NOW,
    )
    assert (job.timezone.key, job.next_fire_at) == ("Europe/Brussels", utc(2026, 1, 12, 8))


WHEN = [
    ("2026-12-24 18:00", "Europe/Brussels", {"type": "date", "run_date": "2026-12-24T17:00:00Z", "timezone": "Europe/Brussels"}),
    ("every 2h", "UTC", {"type": "interval", "hours": 2}),
    ("every 30 minutes", "UTC", {"type": "interval", "minutes": 30}),
    ("every monday 09:00", "America/New_York", {"type": "cron", "expression": "0 9 * * 1", "timezone": "America/New_York"}),
    ("every weekday 18:30", "UTC", {"type": "cron", "expression": "30 18 * * 1-5", "timezone": "UTC"}),
    ("every sunday 9:05", "UTC", {"type": "cron", "expression": "5 9 * * 0", "timezone": "UTC"}),
    ("cron 0 12 * * 1-5", "Europe/Brussels", {"type": "cron", "expression": "0 12 * * 1-5", "timezone": "Europe/Brussels"}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "zone", "trigger"), WHEN)
def test_when_as_typed_in_discord(text, zone, trigger):
    assert svc.trigger_from_when(text, zone_name=zone) == trigger


@pytest.mark.parametrize("text", ["tomorrow", "every", "every funday 09:00", "every monday 25:00", "2026-13-01 10:00"])
def test_when_that_cannot_be_read_names_the_field(text):
    with pytest.raises(ApplicationError) as refused:
        svc.trigger_from_when(text, zone_name="UTC")
    assert refused.value.field == "when"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"params": {"channel_id": CHANNEL, "content": "nul \x00 byte"}}, "job_params.content"),
        ({"trigger": {"type": "interval", "weeks": 10**7}}, "trigger.seconds"),
        ({"trigger": {"type": "interval", "hours": 1, "start_date": "9999-12-31T00:00:00Z"}}, "trigger.start_date"),
        ({"trigger": {"type": "date", "run_date": 10**12}}, "trigger.run_date"),
    ],
)
def test_what_the_database_or_the_calendar_cannot_hold_is_refused(change, field):
    with pytest.raises(ApplicationError) as refused:
        message_job(**change)
    assert refused.value.field == field
    assert not ScheduledJob.objects.exists()


def test_a_job_id_that_cannot_be_one_is_missing():
    with pytest.raises(ApplicationError) as refused:
        svc.job_run_now(actor=ADMIN, guild_id=GUILD, job_id="bad\x00id")
    assert refused.value.code == "not_found"
