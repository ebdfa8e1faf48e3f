"""The dispatcher on reminders: each occurrence recorded and queued once, catch-up after downtime,
one-offs' early and event sends, a bad row isolated, delivery outcomes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from botworker.models import BotAction
from botworker.outbox import hooks
from botworker.receivers.clock import DELIVERED_HOOK
from botworker.signals import action_dead
from config.actors import Actor
from scheduling import dispatcher
from scheduling.models import Dispatch, GuildClockSettings, Reminder
from scheduling.services.reminders import ReminderSource, reminder_create

GUILD = 4100
CHANNEL = 4200
MOD = Actor(user_id=4300, is_moderator=True)
# Monday 2026-12-07 09:00 UTC
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def weekly(name="standup", *, days="mon", clock="10:00", zone="UTC", now=MONDAY, **extra) -> Reminder:
    return reminder_create(
        actor=MOD,
        guild_id=GUILD,
        name=name,
        message="Stand-up in the voice channel",
        channel_id=CHANNEL,
        timezone_name=zone,
        days=days,
        time_text=clock,
        now=now,
        **extra,
    )


def one_off(name="raid", *, date="2026-12-07", clock="12:00", lead=60, zone="UTC", now=MONDAY, **extra) -> Reminder:
    return reminder_create(
        actor=MOD,
        guild_id=GUILD,
        name=name,
        message="Raid night",
        channel_id=CHANNEL,
        timezone_name=zone,
        date_text=date,
        time_text=clock,
        lead_minutes=lead,
        now=now,
        **extra,
    )


def sends() -> list[BotAction]:
    return list(BotAction.objects.filter(kind="send_message").order_by("id"))


def test_a_due_weekly_reminder_is_recorded_queued_and_moved_to_next_week():
    reminder = weekly()
    assert reminder.next_fire_at == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)

    report = dispatcher.dispatch_due(now=reminder.next_fire_at + timedelta(seconds=3))

    assert (report.sent, report.late, report.missed) == (1, 0, 0)
    record = Dispatch.objects.get()
    assert (record.source, record.source_id, record.kind, record.status) == ("reminder", reminder.pk, "weekly", "sent")
    assert record.occurrence == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    [action] = sends()
    assert action.dedupe_key == f"reminder:{reminder.pk}:weekly:{int(record.occurrence.timestamp())}"
    assert action.payload["channel_id"] == str(CHANNEL)
    assert "**standup**" in action.payload["content"] and "Stand-up in the voice channel" in action.payload["content"]
    assert (action.hook, action.hook_args) == (DELIVERED_HOOK, {"dispatch_id": record.pk})
    reminder.refresh_from_db()
    assert reminder.next_fire_at == datetime(2026, 12, 14, 10, 0, tzinfo=UTC)


def test_nothing_is_dispatched_before_its_instant_and_a_second_run_sends_nothing_again():
    reminder = weekly()
    assert dispatcher.dispatch_due(now=reminder.next_fire_at - timedelta(seconds=1)).rows == 0
    dispatcher.dispatch_due(now=reminder.next_fire_at)
    again = dispatcher.dispatch_due(now=reminder.next_fire_at + timedelta(seconds=4))
    assert again.rows == 0
    assert Dispatch.objects.count() == 1 and len(sends()) == 1


def test_late_within_the_grace_window_is_sent_and_marked_late():
    reminder = weekly()
    report = dispatcher.dispatch_due(now=reminder.next_fire_at + timedelta(minutes=7))
    assert (report.sent, report.late, report.missed) == (0, 1, 0)
    record = Dispatch.objects.get()
    assert record.status == "late" and record.detail == "sent 7 min late"
    assert len(sends()) == 1


def test_later_than_the_grace_window_is_recorded_missed_and_not_sent():
    reminder = weekly()
    report = dispatcher.dispatch_due(now=reminder.next_fire_at + timedelta(minutes=11))
    assert (report.sent, report.late, report.missed) == (0, 0, 1)
    record = Dispatch.objects.get()
    assert record.status == "missed" and record.outcome == "none"
    assert "more than the grace window of 10 min" in record.detail
    assert sends() == []
    reminder.refresh_from_db()
    assert reminder.next_fire_at == datetime(2026, 12, 14, 10, 0, tzinfo=UTC)


def test_the_guild_grace_setting_is_used():
    GuildClockSettings.objects.create(guild_id=GUILD, grace_minutes=30)
    reminder = weekly()
    report = dispatcher.dispatch_due(now=reminder.next_fire_at + timedelta(minutes=25))
    assert report.late == 1 and len(sends()) == 1


def test_after_a_long_outage_every_missed_occurrence_is_recorded_and_only_the_latest_in_grace_is_sent():
    reminder = weekly(days="daily", clock="10:00")
    # Down from Monday 09:00 to Thursday 10:05: Mon, Tue, Wed missed; Thursday's is 5 min late.
    now = datetime(2026, 12, 10, 10, 5, tzinfo=UTC)
    report = dispatcher.dispatch_due(now=now)
    assert (report.late, report.missed) == (1, 3)
    statuses = list(Dispatch.objects.order_by("occurrence").values_list("status", flat=True))
    assert statuses == ["missed", "missed", "missed", "late"]
    assert len(sends()) == 1
    reminder.refresh_from_db()
    assert reminder.next_fire_at == datetime(2026, 12, 11, 10, 0, tzinfo=UTC)


def test_a_one_off_sends_early_then_at_the_event_replacing_the_early_message_then_is_archived():
    reminder = one_off()
    assert reminder.next_fire_at == datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
    dispatcher.dispatch_due(now=datetime(2026, 12, 7, 11, 0, 2, tzinfo=UTC))
    dispatcher.dispatch_due(now=datetime(2026, 12, 7, 12, 0, 2, tzinfo=UTC))

    kinds = list(Dispatch.objects.order_by("occurrence").values_list("kind", "status"))
    assert kinds == [("early", "sent"), ("event", "sent")]
    early_send, event_send = sends()
    assert "starts <t:" in early_send.payload["content"]
    assert "starts now" in event_send.payload["content"]
    [delete] = BotAction.objects.filter(kind="delete_message")
    assert delete.payload["message_from"] == early_send.dedupe_key
    # The delete waits for the early send and goes before the event's message.
    assert early_send.ordering_key == delete.ordering_key == event_send.ordering_key
    assert early_send.pk < delete.pk < event_send.pk
    reminder.refresh_from_db()
    assert (reminder.status, reminder.next_fire_at) == ("archived", None)
    assert reminder.archived_at == datetime(2026, 12, 7, 12, 0, 2, tzinfo=UTC)


def test_a_guild_can_keep_the_early_message():
    GuildClockSettings.objects.create(guild_id=GUILD, replace_early_reminder=False)
    one_off()
    dispatcher.dispatch_due(now=datetime(2026, 12, 7, 11, 0, tzinfo=UTC))
    dispatcher.dispatch_due(now=datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    assert len(sends()) == 2
    assert not BotAction.objects.filter(kind="delete_message").exists()


def test_a_lead_of_zero_sends_only_at_the_event_and_an_early_send_already_past_is_skipped():
    zero = one_off("no lead", lead=0)
    assert zero.next_fire_at == datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    soon = one_off("soon", clock="09:30", lead=60)  # T-60 (08:30) was before it was created
    assert soon.next_fire_at == datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def test_an_outage_over_both_sends_of_a_one_off_sends_only_the_event_without_a_delete():
    one_off(lead=5)
    dispatcher.dispatch_due(now=datetime(2026, 12, 7, 12, 3, tzinfo=UTC))
    records = list(Dispatch.objects.order_by("occurrence").values_list("kind", "status", "detail"))
    assert records[0] == ("early", "missed", "a later occurrence was due by the time it could be sent")
    assert records[1][:2] == ("event", "late")
    assert len(sends()) == 1
    assert not BotAction.objects.filter(kind="delete_message").exists()


def test_role_and_everyone_mentions_ping_only_what_the_reminder_names():
    GuildClockSettings.objects.create(guild_id=GUILD, allow_everyone_mention=True)
    weekly("with role", mention_role_id=4400)
    weekly("everyone", mention_everyone=True)
    dispatcher.dispatch_due(now=datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    by_name = {("role" if "with role" in a.payload["content"] else "everyone"): a.payload for a in sends()}
    assert by_name["role"]["content"].startswith("<@&4400> ")
    assert by_name["role"]["mention_roles"] == ["4400"] and "mention_everyone" not in by_name["role"]
    assert by_name["everyone"]["content"].startswith("@everyone ")
    assert by_name["everyone"]["mention_everyone"] is True


def test_a_row_that_cannot_be_sent_is_recorded_failed_and_does_not_hold_back_the_others():
    good = weekly("good")
    bad = weekly("bad")
    Reminder.objects.filter(pk=bad.pk).update(channel_id=0)  # not a Discord id: the payload refuses it
    report = dispatcher.dispatch_due(now=good.next_fire_at)
    assert report.sent == 1
    failed = Dispatch.objects.get(source_id=bad.pk)
    assert failed.status == "failed" and "channel_id" in failed.detail
    assert Dispatch.objects.get(source_id=good.pk).status == "sent"
    assert [a.payload["channel_id"] for a in sends()] == [str(CHANNEL)]
    bad.refresh_from_db()
    assert bad.next_fire_at == datetime(2026, 12, 14, 10, 0, tzinfo=UTC)


def test_an_occurrence_recorded_already_is_not_sent_again():
    reminder = weekly()
    due = reminder.next_fire_at
    dispatcher.dispatch_due(now=due)
    # Someone puts the reminder back to the same occurrence (a restore, a hand edit).
    Reminder.objects.filter(pk=reminder.pk).update(next_fire_at=due)
    report = dispatcher.dispatch_due(now=due + timedelta(seconds=1))
    assert report.skipped_duplicates == 1 and report.sent == 0
    assert Dispatch.objects.count() == 1 and len(sends()) == 1


def test_delivery_outcomes_reach_the_dispatch_record():
    reminder = weekly()
    dispatcher.dispatch_due(now=reminder.next_fire_at)
    action = sends()[0]
    record = Dispatch.objects.get()
    assert record.outcome == "pending"
    hooks.get_completion_hook(DELIVERED_HOOK)(action, {"message_id": "1", "channel_id": str(CHANNEL)})
    record.refresh_from_db()
    assert record.outcome == "done" and record.outcome_at is not None

    other = weekly("other", clock="11:00")
    dispatcher.dispatch_due(now=other.next_fire_at)
    dead = BotAction.objects.get(kind="send_message", dedupe_key__contains=f":{other.pk}:")
    BotAction.objects.filter(pk=dead.pk).update(status="dead", last_error="403 Missing Access")
    action_dead.send(sender=BotAction, action_id=dead.pk)
    record = Dispatch.objects.get(source_id=other.pk)
    assert (record.outcome, record.detail) == ("dead", "403 Missing Access")


def test_archived_reminders_are_not_dispatched():
    reminder = weekly()
    Reminder.objects.filter(pk=reminder.pk).update(status="archived")
    assert dispatcher.dispatch_due(now=reminder.next_fire_at).rows == 0


def test_batches_cover_every_due_row():
    for index in range(25):
        weekly(f"r{index}")
    report = dispatcher.dispatch_due(now=datetime(2026, 12, 7, 10, 0, tzinfo=UTC), batch_size=10)
    assert report.sent == 25
    assert len(sends()) == 25


def test_the_source_is_registered():
    assert isinstance(dispatcher.source_named("reminder"), ReminderSource)


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_send_each_occurrence_once():
    for index in range(120):
        weekly(f"r{index}")
    due = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            dispatcher.dispatch_due(now=due, batch_size=15)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Dispatch.objects.count() == 120
    assert BotAction.objects.filter(kind="send_message").count() == 120
    assert Reminder.objects.filter(next_fire_at=datetime(2026, 12, 14, 10, 0, tzinfo=UTC)).count() == 120
