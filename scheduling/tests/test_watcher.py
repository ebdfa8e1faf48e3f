"""The announcement watcher's services, without Discord: an announcement becomes a reminder once,
edits re-read it, deletes archive it, and the Fix and Delete of a moderator."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from config.actors import Actor
from config.exceptions import ApplicationError
from scheduling import signals
from scheduling.announcements import NO_DATE_OR_TIME
from scheduling.models import Announcement, Reminder
from scheduling.services import watcher
from scheduling.services.reminders import EVERYONE_NOT_ALLOWED

pytestmark = pytest.mark.django_db

GUILD = 5100
CHANNEL = 5200
TARGET = 5300
AUTHOR = 5400
ZONE = "Europe/Brussels"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday
MOD = Actor(user_id=5500, is_moderator=True)
MEMBER = Actor(user_id=5600)

RAID = "Date: 21/11/2026\nTime: 20:30\nLocation: Discord voice"
WEEKLY = "Every Tuesday and Thursday at 21:00"


@pytest.fixture
def events():
    """Every watcher signal sent during the test, as (name, kwargs)."""
    seen: list[tuple[str, dict]] = []
    handlers = {}
    for name in ("announcement_understood", "announcement_not_understood", "announcement_withdrawn"):

        def handler(sender, _name=name, **kwargs):
            kwargs.pop("signal", None)
            seen.append((_name, kwargs))

        handlers[name] = handler
        getattr(signals, name).connect(handler, weak=False, dispatch_uid=f"test-{name}")
    yield seen
    for name in handlers:
        getattr(signals, name).disconnect(dispatch_uid=f"test-{name}")


def seen(message_id=1, *, title="Raid night", text=RAID, fields=(), now=NOW, **extra):
    return watcher.announcement_seen(
        guild_id=GUILD,
        channel_id=CHANNEL,
        message_id=message_id,
        author_id=AUTHOR,
        title=title,
        text=text,
        fields=fields,
        message=extra.pop("message", "Be there!"),
        zone=ZONE,
        target_channel_id=TARGET,
        now=now,
        **extra,
    )


def edited(message_id=1, *, title="Raid night", text=RAID, fields=(), now=NOW):
    return watcher.announcement_edited(
        guild_id=GUILD,
        channel_id=CHANNEL,
        message_id=message_id,
        author_id=AUTHOR,
        title=title,
        text=text,
        fields=fields,
        message="Be there!",
        zone=ZONE,
        target_channel_id=TARGET,
        now=now,
    )


def test_an_understood_announcement_becomes_a_one_off_reminder(events):
    record = seen()
    reminder = Reminder.objects.get()
    assert record.status == Announcement.Status.UNDERSTOOD and record.reminder == reminder
    assert reminder.name == "Raid night"
    assert reminder.event_time == datetime(2026, 11, 21, 19, 30, tzinfo=UTC)
    assert reminder.call_time == time(20, 30)
    assert reminder.location == "Discord voice"
    assert reminder.message == "Be there!"
    assert (reminder.channel_id, reminder.origin_channel_id, reminder.origin_message_id) == (TARGET, CHANNEL, 1)
    assert reminder.created_by == AUTHOR
    assert str(reminder.timezone) == ZONE and reminder.lead_minutes == 60
    assert reminder.next_fire_at == datetime(2026, 11, 21, 18, 30, tzinfo=UTC)
    assert events == [("announcement_understood", {"reminder": reminder, "created": True})]


def test_a_recurring_announcement_becomes_a_weekly_reminder(events):
    seen(title="Raid", text=WEEKLY)
    reminder = Reminder.objects.get()
    assert reminder.days == [1, 3] and reminder.time == time(21, 0) and reminder.event_time is None


def test_a_replayed_announcement_is_not_read_twice(events):
    seen()
    seen(text="Date: 22/11/2026\nTime: 18:00")  # the same message id, replayed after a resume
    assert Reminder.objects.count() == 1
    assert Reminder.objects.get().event_time == datetime(2026, 11, 21, 19, 30, tzinfo=UTC)
    assert len(events) == 1


def test_an_announcement_without_a_time_is_logged_and_creates_nothing(events):
    record = seen(title="Newsletter", text="Read our newsletter, lots of news")
    assert not Reminder.objects.exists()
    assert record.status == Announcement.Status.NOT_UNDERSTOOD and record.reason == NO_DATE_OR_TIME
    [(name, kwargs)] = events
    assert name == "announcement_not_understood"
    assert (kwargs["guild_id"], kwargs["channel_id"], kwargs["message_id"]) == (GUILD, CHANNEL, 1)
    assert kwargs["reason"].template == NO_DATE_OR_TIME and kwargs["reminder"] is None
    seen(title="Newsletter", text="Read our newsletter, lots of news")  # replayed
    assert len(events) == 1


def test_a_refusal_of_the_reminder_itself_is_logged_and_creates_nothing(events):
    record = seen(message="@everyone come!")  # the guild does not allow @everyone
    assert not Reminder.objects.exists()
    assert record.status == Announcement.Status.NOT_UNDERSTOOD
    assert EVERYONE_NOT_ALLOWED in record.reason
    assert [name for name, _ in events] == ["announcement_not_understood"]


def test_an_edit_updates_the_reminder(events):
    seen()
    edited(text="Date: 22/11/2026\nTime: 19:00\nLocation: Town hall")
    reminder = Reminder.objects.get()
    assert reminder.event_time == datetime(2026, 11, 22, 18, 0, tzinfo=UTC)
    assert reminder.location == "Town hall"
    assert reminder.next_fire_at == datetime(2026, 11, 22, 17, 0, tzinfo=UTC)
    assert [(n, k["created"]) for n, k in events] == [
        ("announcement_understood", True),
        ("announcement_understood", False),
    ]


def test_an_edit_that_changes_nothing_is_not_read_again(events):
    seen()
    edited()  # Discord sends MESSAGE_UPDATE when it unfurls a link: same text
    assert len(events) == 1


def test_an_edit_no_longer_understood_archives_the_reminder_and_a_later_one_brings_it_back(events):
    seen()
    edited(text="Postponed, new date soon")
    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.ARCHIVED and reminder.next_fire_at is None
    name, kwargs = events[-1]
    assert name == "announcement_not_understood" and kwargs["reminder"] == reminder
    assert Announcement.objects.get().status == Announcement.Status.NOT_UNDERSTOOD

    edited(text="Date: 28/11/2026\nTime: 20:30")
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.ACTIVE
    assert reminder.event_time == datetime(2026, 11, 28, 19, 30, tzinfo=UTC)
    assert events[-1] == ("announcement_understood", {"reminder": reminder, "created": False})
    assert Reminder.objects.count() == 1


def test_an_edit_of_an_unknown_message_is_read_as_a_new_announcement(events):
    edited(message_id=77)
    assert Reminder.objects.get().origin_message_id == 77
    assert events[0][1]["created"] is True


def test_a_first_understood_edit_of_an_unparsed_announcement_creates_the_reminder(events):
    seen(text="Raid soon, details follow")
    assert not Reminder.objects.exists()
    edited(text=RAID)
    assert Reminder.objects.get().event_time == datetime(2026, 11, 21, 19, 30, tzinfo=UTC)
    assert events[-1][1]["created"] is True


def test_a_delete_archives_the_reminder_and_later_edits_are_ignored(events):
    seen()
    archived = watcher.announcement_deleted(guild_id=GUILD, message_id=1, now=NOW)
    reminder = Reminder.objects.get()
    assert archived == reminder and reminder.status == Reminder.Status.ARCHIVED
    assert events[-1] == ("announcement_withdrawn", {"reminder": reminder})
    assert edited(text="Date: 28/11/2026\nTime: 20:30") is None
    assert watcher.announcement_deleted(guild_id=GUILD, message_id=1, now=NOW) is None
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.ARCHIVED
    assert len(events) == 2


def test_deleting_an_unknown_message_does_nothing(events):
    assert watcher.announcement_deleted(guild_id=GUILD, message_id=999, now=NOW) is None
    assert not Announcement.objects.exists() and events == []


def test_another_guilds_message_with_the_same_id_is_another_announcement():
    seen()
    watcher.announcement_seen(
        guild_id=GUILD + 1,
        channel_id=CHANNEL + 1,
        message_id=1,
        author_id=AUTHOR,
        title="Raid",
        text=RAID,
        zone=ZONE,
        target_channel_id=TARGET,
        now=NOW,
    )
    assert Reminder.objects.count() == 2


# --- Fix and Delete --------------------------------------------------------------------------------


def fix(who=MOD, **values):
    reminder = Reminder.objects.get()
    return watcher.reminder_fix(actor=who, guild_id=GUILD, reminder_id=reminder.pk, now=NOW, **values)


def test_fix_moves_a_one_off_and_sets_the_location():
    seen()
    reminder = fix(date_text="2026-11-23", time_text="19:15", location="Guild hall")
    assert reminder.event_time == datetime(2026, 11, 23, 18, 15, tzinfo=UTC)
    assert reminder.call_time == time(19, 15) and reminder.location == "Guild hall"
    assert reminder.next_fire_at == reminder.event_time - timedelta(hours=1)


def test_fix_without_a_date_keeps_the_day_of_a_one_off_and_the_days_of_a_weekly_one():
    seen()
    assert fix(time_text="21:00").event_time == datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
    Reminder.objects.all().delete()
    seen(message_id=2, text=WEEKLY)
    reminder = fix(time_text="20:00")
    assert reminder.days == [1, 3] and reminder.time == time(20, 0)


def test_fix_with_days_makes_it_weekly():
    seen()
    reminder = fix(days_text="mon,wed", time_text="20:00")
    assert reminder.event_time is None and reminder.days == [0, 2] and reminder.time == time(20, 0)


def test_fix_brings_back_a_reminder_an_edit_archived():
    seen()
    edited(text="Postponed")
    reminder = fix(date_text="2026-11-29", time_text="20:00")
    assert reminder.status == Reminder.Status.ACTIVE and reminder.next_fire_at is not None
    assert Announcement.objects.get().status == Announcement.Status.UNDERSTOOD


@pytest.mark.parametrize(
    ("who", "values", "message"),
    [
        (MEMBER, {"time_text": "20:00"}, watcher.NOT_MODERATOR),
        (MOD, {"date_text": "2026-13-45", "time_text": "20:00"}, "2026-13-45 20:00"),
        (MOD, {"date_text": "2026-11-01", "time_text": "20:00"}, "is in the past"),
        (MOD, {"time_text": "25:00"}, "25:00"),
        (MOD, {"time_text": ""}, "time"),
        (MOD, {"days_text": "someday", "time_text": "20:00"}, "someday"),
        (MOD, {"time_text": "20:00", "location": "x" * 201}, "200"),
    ],
)
def test_fix_refusals_write_nothing(who, values, message):
    seen()
    before = list(Reminder.objects.values())
    with pytest.raises(ApplicationError) as refused:
        fix(who, **values)
    assert message in refused.value.message
    assert list(Reminder.objects.values()) == before


def test_delete_archives_and_stops_watching_the_announcement(events):
    seen()
    reminder = watcher.reminder_dismiss(actor=MOD, guild_id=GUILD, reminder_id=Reminder.objects.get().pk, now=NOW)
    assert reminder.status == Reminder.Status.ARCHIVED
    assert Announcement.objects.get().status == Announcement.Status.DISMISSED
    assert edited(text="Date: 28/11/2026\nTime: 20:30") is None
    with pytest.raises(ApplicationError) as refused:
        fix(time_text="20:00")
    assert refused.value.message == watcher.REMINDER_GONE


def test_delete_is_for_moderators_and_this_guilds_reminders():
    seen()
    pk = Reminder.objects.get().pk
    with pytest.raises(ApplicationError) as refused:
        watcher.reminder_dismiss(actor=MEMBER, guild_id=GUILD, reminder_id=pk)
    assert refused.value.message == watcher.NOT_MODERATOR
    with pytest.raises(ApplicationError) as refused:
        watcher.reminder_dismiss(actor=MOD, guild_id=GUILD + 1, reminder_id=pk)
    assert "no reminder" in refused.value.message
    assert Reminder.objects.get().status == Reminder.Status.ACTIVE


def test_deleting_its_reminder_with_reminder_delete_also_stops_watching_the_announcement(events):
    """/reminder_delete and the API's delete archive through reminder_archive: a later edit of the
    announcement must not bring the reminder back."""
    from scheduling.services.reminders import reminder_archive

    seen()
    reminder = Reminder.objects.get()
    reminder_archive(actor=Actor(user_id=AUTHOR), guild_id=GUILD, reminder_id=reminder.pk)
    assert Announcement.objects.get().status == Announcement.Status.DISMISSED
    assert edited(text="Date: 28/11/2026\nTime: 20:30") is None
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.ARCHIVED
