"""reminder_update: what changes and what stays, the clock recomputed under the row's lock, and
every refusal writing nothing; clock_settings_update for admins only."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from config.actors import Actor
from config.exceptions import ApplicationError
from scheduling.models import GuildClockSettings, Reminder
from scheduling.services import reminders as svc

pytestmark = pytest.mark.django_db

MOD = Actor(user_id=9, is_moderator=True)
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)  # a Tuesday


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def weekly(**changes) -> Reminder:
    values = {
        "actor": MOD,
        "guild_id": 1,
        "name": "raid",
        "message": "log in",
        "channel_id": 2,
        "timezone_name": "Europe/Brussels",
        "days": "mon",
        "time_text": "20:00",
        "now": NOW,
    }
    return svc.reminder_create(**{**values, **changes})


def update(reminder: Reminder, **changes) -> Reminder:
    return svc.reminder_update(actor=MOD, guild_id=1, reminder_id=reminder.pk, now=NOW, **changes)


def test_changing_the_text_keeps_the_clock():
    reminder = weekly()
    before = reminder.next_fire_at
    changed = update(reminder, name="raid night", location="Icecrown")
    assert (changed.name, changed.location, changed.message) == ("raid night", "Icecrown", "log in")
    assert changed.next_fire_at == before == utc(2026, 12, 7, 19)


def test_changing_the_time_keeps_the_days_and_recomputes_the_next_send():
    reminder = update(weekly(), time_text="18:30")
    reminder.refresh_from_db()
    assert (reminder.days, reminder.time) == ([0], time(18, 30))
    assert reminder.next_fire_at == utc(2026, 12, 7, 17, 30)


def test_changing_the_zone_keeps_the_wall_time():
    reminder = update(weekly(), timezone_name="America/New_York")
    assert reminder.next_fire_at == utc(2026, 12, 8, 1)  # Monday 20:00 EST


def test_a_date_turns_it_into_a_one_off_at_the_same_clock():
    reminder = update(weekly(), date_text="2026-12-24", lead_minutes=30)
    reminder.refresh_from_db()
    assert (reminder.is_recurring, reminder.days, reminder.time) == (False, [], None)
    assert reminder.event_time == utc(2026, 12, 24, 19)
    assert reminder.call_time == time(20, 0)
    assert reminder.next_fire_at == utc(2026, 12, 24, 18, 30)


def test_days_turn_a_one_off_into_a_recurring_reminder():
    once = weekly(days=None, date_text="2026-12-24")
    reminder = update(once, days="weekends")
    assert (reminder.days, reminder.time, reminder.event_time) == ([5, 6], time(20, 0), None)
    assert reminder.next_fire_at == utc(2026, 12, 5, 19)


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"name": " "}, "name", "name"),
        ({"message": "x" * 1501}, "message", "1500"),
        ({"date_text": "2026-11-30"}, "date", "in the past"),
        ({"date_text": "2027-03-28", "time_text": "02:30"}, "date", "does not exist"),
        ({"timezone_name": "Mars/Olympus"}, "timezone", "Mars/Olympus"),
        ({"days": "funday"}, "days", "funday"),
        ({"lead_minutes": 2000}, "lead", "1440"),
        ({"message": "@everyone up"}, "message", "@everyone"),
        ({"mention_everyone": True}, "mention", "@everyone"),
    ],
)
def test_refusals_write_nothing(changes, field, text):
    reminder = weekly()
    before = Reminder.objects.values().get(pk=reminder.pk)
    with pytest.raises(ApplicationError) as caught:
        update(reminder, **changes)
    assert caught.value.field == field
    assert text in caught.value.message
    assert Reminder.objects.values().get(pk=reminder.pk) == before


def test_members_cannot_change_and_archived_or_foreign_reminders_are_refused():
    reminder = weekly()
    with pytest.raises(ApplicationError) as caught:
        svc.reminder_update(actor=Actor(user_id=5), guild_id=1, reminder_id=reminder.pk, name="x")
    assert caught.value.code == "permission_denied"
    with pytest.raises(ApplicationError, match="no reminder"):
        svc.reminder_update(actor=MOD, guild_id=2, reminder_id=reminder.pk, name="x")
    svc.reminder_archive(actor=MOD, guild_id=1, reminder_id=reminder.pk)
    with pytest.raises(ApplicationError, match="archived"):
        update(reminder, name="x")


def test_clock_settings_are_for_admins_and_bounded():
    with pytest.raises(ApplicationError) as caught:
        svc.clock_settings_update(actor=MOD, guild_id=1, grace_minutes=5)
    assert caught.value.code == "permission_denied"
    with pytest.raises(ApplicationError) as caught:
        svc.clock_settings_update(actor=Actor(is_admin=True), guild_id=1, grace_minutes=-1)
    assert caught.value.field == "grace_minutes"
    assert not GuildClockSettings.objects.exists()
    settings = svc.clock_settings_update(actor=Actor(is_admin=True), guild_id=1, grace_minutes=5)
    assert (settings.grace_minutes, settings.replace_early_reminder, settings.allow_everyone_mention) == (
        5,
        True,
        False,
    )
