"""The periodic tasks: reminders sent once, unclaimed started shifts expired with their message
re-rendered; declared in settings; and once for real with Celery beat and a worker."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from botworker.models import BotAction
from config.periodic import sync_periodic_tasks
from conftest import start_beat, stop_process, wait_for
from shifts.models import Shift
from shifts.tasks import expire_started_shifts, send_shift_reminders
from shifts.tests.factories import MOD_A, ShiftFactory

pytestmark = pytest.mark.django_db


def reminder_dms() -> list[BotAction]:
    return list(BotAction.objects.filter(kind="send_dm", dedupe_key__contains=":reminder:"))


def test_tasks_are_declared_and_written_to_beat():
    declared = {spec["task"]: spec for spec in settings.PERIODIC_TASKS.values()}
    assert declared["shifts.send_shift_reminders"]["every_seconds"] == 60
    assert declared["shifts.expire_started_shifts"]["every_seconds"] == 60
    sync_periodic_tasks()
    assert PeriodicTask.objects.filter(task__startswith="shifts.", enabled=True).count() == 2


def test_reminder_task_sends_one_dm_per_shift():
    now = timezone.now()
    soon = ShiftFactory(start_time_utc=now + timedelta(minutes=14), claimed_by=MOD_A, claimed_at=now)
    ShiftFactory(start_time_utc=now + timedelta(minutes=40), claimed_by=MOD_A, claimed_at=now)
    assert send_shift_reminders() == 1
    assert send_shift_reminders() == 0
    dms = reminder_dms()
    assert len(dms) == 1
    assert dms[0].payload["user_id"] == str(MOD_A)
    assert f"your shift #{soon.pk} starts <t:{int(soon.start_time_utc.timestamp())}:R>" in dms[0].payload["content"]


def test_expire_task_marks_and_rerenders():
    shift = ShiftFactory(start_time_utc=timezone.now() - timedelta(minutes=1))
    assert expire_started_shifts() == 1
    assert expire_started_shifts() == 0
    assert Shift.objects.get(pk=shift.pk).expired_at is not None
    edit = BotAction.objects.get(kind="edit_message")
    assert edit.payload["message_from"] == f"shifts:shift:{shift.pk}:post"
    assert edit.payload["components"][0]["components"][0]["label"] == "Expired"


def test_expire_task_rerenders_a_claimed_shift_once_when_it_starts():
    now = timezone.now()
    shift = ShiftFactory(start_time_utc=now + timedelta(minutes=30), claimed_by=MOD_A, claimed_at=now)
    assert expire_started_shifts() == 0
    Shift.objects.filter(pk=shift.pk).update(start_time_utc=now - timedelta(seconds=1))
    assert expire_started_shifts() == 1
    assert expire_started_shifts() == 0
    stored = Shift.objects.get(pk=shift.pk)
    assert (stored.version, stored.claimed_by, stored.expired_at) == (2, MOD_A, None)
    edit = BotAction.objects.get(kind="edit_message")
    assert edit.dedupe_key == f"shifts:shift:{shift.pk}:v2"
    buttons = [button["label"] for button in edit.payload["components"][0]["components"]]
    assert buttons == ["Claimed"]  # no Release once it has started


@pytest.mark.slow
def test_beat_and_worker_run_both_tasks(celery_worker, celery_test_queue, subprocess_env, tmp_path):
    now = timezone.now()
    claimed = ShiftFactory(start_time_utc=now + timedelta(minutes=10), claimed_by=MOD_A, claimed_at=now)
    unclaimed = ShiftFactory(start_time_utc=now - timedelta(minutes=1))
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    for task in ("shifts.send_shift_reminders", "shifts.expire_started_shifts"):
        PeriodicTask.objects.create(
            name=f"{task} {celery_test_queue}", task=task, interval=every_second, queue=celery_test_queue
        )
    beat = start_beat(subprocess_env, tmp_path)
    try:
        wait_for(
            lambda: Shift.objects.get(pk=unclaimed.pk).expired_at and Shift.objects.get(pk=claimed.pk).reminder_sent_at,
            timeout=45,
            message="beat to fire both tasks and the worker to run them",
        )
        # Let beat fire them a few more times: nothing is sent twice.
        wait_for(
            lambda: (tmp_path / "beat.log").read_text().count("Sending due task shifts.send_shift_reminders") >= 3,
            timeout=30,
            message="more beats",
        )
    finally:
        stop_process(beat)
    assert len(reminder_dms()) == 1
    assert (
        BotAction.objects.filter(kind="edit_message", payload__message_from=f"shifts:shift:{unclaimed.pk}:post").count()
        == 1
    )
