"""The beat tasks run by a real Celery worker against PostgreSQL and Redis."""

import datetime as dt

import pytest
from django.utils import timezone

from attendance.models import RaidEvent
from attendance.tasks import send_event_reminders, send_event_summaries
from attendance.tests.factories import EventFactory
from botworker.models import BotAction
from conftest import wait_for
from scheduling.tests.factories import GUILD_ID, PlayerFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_worker_sends_the_reminder_once_and_the_summary(celery_worker):
    from attendance import services

    now = timezone.now()
    soon = EventFactory(start_time_utc=now + dt.timedelta(minutes=20))
    ended = EventFactory(start_time_utc=now - dt.timedelta(hours=3))
    player = PlayerFactory()
    services.attendance_answer(
        event_id=soon.pk, discord_user_id=player.discord_user_id, answer="signed_up", guild_id=GUILD_ID
    )
    send_event_reminders.delay()
    send_event_reminders.delay()
    send_event_summaries.delay()
    wait_for(
        lambda: (
            RaidEvent.objects.filter(pk=ended.pk, summary_sent_at__isnull=False).exists()
            and RaidEvent.objects.filter(pk=soon.pk, reminder_sent_at__isnull=False).exists()
        ),
        timeout=30,
        message="the worker to mark the reminder and the summary",
    )
    wait_for(lambda: celery_worker.read_text().count("succeeded") >= 3, timeout=30, message="all three tasks")
    reminders = BotAction.objects.filter(dedupe_key__startswith=f"attendance:event:{soon.pk}:reminder:")
    assert [action.payload["user_id"] for action in reminders] == [str(player.discord_user_id)]
    # No officers' channel is configured for this guild: the summary is marked, nothing is posted.
    assert not BotAction.objects.filter(dedupe_key=f"attendance:event:{ended.pk}:summary").exists()
