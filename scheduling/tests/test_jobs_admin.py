"""The scheduled job editor in the back office: a form per method, the trigger's fields, refusals on
the field at fault, the next 5 runs in the job's zone (DST visible), enable/disable, run now and the
execution history; every write through the services."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import pytest

from botworker.models import BotAction
from config.actors import SYSTEM
from scheduling.models import Dispatch, ScheduledJob
from scheduling.services import jobs as services

pytestmark = pytest.mark.django_db

GUILD = 890_000_000_000_000_001
CHANNEL = 890_000_000_000_000_002


def form(**values) -> dict:
    data = {
        "guild_id": str(GUILD),
        "job_id": "daily",
        "name": "Daily update",
        "method": "send_message",
        "timezone": "America/New_York",
        "enabled": "on",
        "misfire_policy": "grace",
        "misfire_grace_seconds": "600",
        "trigger_type": "cron",
        "cron_expression": "0 12 * * *",
        "send_message__channel_id": str(CHANNEL),
        "send_message__content": "Daily update!",
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def test_create_with_the_method_form_and_preview_the_next_runs_across_dst(admin_client):
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 3, 6, 12, tzinfo=UTC)):
        response = admin_client.post("/admin/scheduling/scheduledjob/add/", form())
        assert response.status_code == 302, response.content.decode()[:2000]
        job = ScheduledJob.objects.get()
        assert job.params == {"channel_id": str(CHANNEL), "content": "Daily update!"}
        assert job.trigger == {"type": "cron", "expression": "0 12 * * *", "timezone": "America/New_York"}
        page = admin_client.get(f"/admin/scheduling/scheduledjob/{job.pk}/change/").content.decode()
    # 12:00 local every day: EST before 2026-03-08, EDT from then on, so the UTC time moves.
    assert "Sat 2026-03-07 12:00 EST (UTC-0500) (2026-03-07 17:00 UTC)" in page
    assert "Sun 2026-03-08 12:00 EDT (UTC-0400) (2026-03-08 16:00 UTC)" in page
    assert page.count("<li>") >= 5 and "no runs yet" in page


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"send_message__content": ""}, "send_message__content", "send_message needs content."),
        ({"send_message__channel_id": "general"}, "send_message__channel_id", "channel_id must be a Discord id"),
        ({"cron_expression": "0 25 * * *"}, "cron_expression", "is not a cron schedule"),
        ({"trigger_type": "interval", "interval_seconds": "30"}, "interval_seconds", "at least 60 seconds"),
        ({"trigger_type": "date", "run_date": "2026-03-08 02:30"}, "run_date", "does not exist in America/New_York"),
    ],
)
def test_a_refusal_lands_on_the_field_and_writes_nothing(admin_client, values, field, message):
    response = admin_client.post("/admin/scheduling/scheduledjob/add/", form(**values))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and message in errors[field][0], errors
    assert not ScheduledJob.objects.exists()


def test_disable_enable_run_now_and_the_execution_history(admin_client):
    job = services.job_create(
        actor=SYSTEM,
        guild_id=GUILD,
        job_id="daily",
        method="send_message",
        params={"channel_id": CHANNEL, "content": "hi"},
        trigger={"type": "interval", "hours": 1},
    )
    url = "/admin/scheduling/scheduledjob/"
    admin_client.post(url, {"action": "disable_jobs", "_selected_action": [job.pk]})
    job.refresh_from_db()
    assert not job.enabled
    admin_client.post(url, {"action": "run_jobs_now", "_selected_action": [job.pk]})
    admin_client.post(url, {"action": "enable_jobs", "_selected_action": [job.pk]})
    job.refresh_from_db()
    assert job.enabled and job.next_fire_at is not None
    [record] = Dispatch.objects.filter(source_id=job.pk)
    assert record.kind == "manual" and BotAction.objects.count() == 1
    page = admin_client.get(f"{url}{job.pk}/change/").content.decode()
    assert "<td>manual</td><td>sent on time</td><td>waiting for delivery</td>" in page


def test_edit_keeps_the_id_and_delete_goes_through_the_service(admin_client):
    admin_client.post("/admin/scheduling/scheduledjob/add/", form())
    job = ScheduledJob.objects.get()
    changed = form(
        method="schedule_announcement",
        trigger_type="interval",
        interval_hours="2",
        cron_expression="",
        schedule_announcement__channel_id=str(CHANNEL),
        schedule_announcement__message="Raid soon",
        schedule_announcement__role_id="890000000000000003",
    )
    response = admin_client.post(f"/admin/scheduling/scheduledjob/{job.pk}/change/", changed)
    assert response.status_code == 302, response.content.decode()[:3000]
    job.refresh_from_db()
    assert (job.job_id, job.method, job.trigger["hours"]) == ("daily", "schedule_announcement", 2)
    assert job.params == {"channel_id": str(CHANNEL), "message": "Raid soon", "role_id": "890000000000000003"}
    response = admin_client.post(f"/admin/scheduling/scheduledjob/{job.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not ScheduledJob.objects.exists()
