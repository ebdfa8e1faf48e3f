"""When reminders fire: wall times kept across DST (gap shifted, fold once), one-off leads in real
minutes, the days people type, and every refusal of reminder_create writing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from config.actors import Actor
from config.exceptions import ApplicationError
from scheduling import dispatcher
from scheduling.models import Dispatch, GuildClockSettings, Reminder
from scheduling.services import reminders as svc


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def sunday_weekly(zone: str, clock: time) -> Reminder:
    return Reminder(guild_id=1, name="r", channel_id=2, message="m", created_by=3, timezone=zone, days=[6], time=clock)


# (zone, local clock, start after, the next three sends in UTC, written by hand)
SUNDAY_TABLE = [
    # New York springs forward 2026-03-08 02:00 -> 03:00: 02:30 is shifted to 03:30 EDT.
    (
        "America/New_York",
        time(2, 30),
        utc(2026, 2, 28),
        [utc(2026, 3, 1, 7, 30), utc(2026, 3, 8, 7, 30), utc(2026, 3, 15, 6, 30)],
    ),
    (
        "America/New_York",
        time(1, 30),
        utc(2026, 2, 28),
        [utc(2026, 3, 1, 6, 30), utc(2026, 3, 8, 6, 30), utc(2026, 3, 15, 5, 30)],
    ),
    # ... and falls back 2026-11-01 02:00 -> 01:00: 01:30 happens twice and fires once, at the first.
    (
        "America/New_York",
        time(2, 30),
        utc(2026, 10, 24),
        [utc(2026, 10, 25, 6, 30), utc(2026, 11, 1, 7, 30), utc(2026, 11, 8, 7, 30)],
    ),
    (
        "America/New_York",
        time(1, 30),
        utc(2026, 10, 24),
        [utc(2026, 10, 25, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 8, 6, 30)],
    ),
    # Brussels springs forward 2026-03-29 02:00 -> 03:00 ...
    (
        "Europe/Brussels",
        time(2, 30),
        utc(2026, 3, 21),
        [utc(2026, 3, 22, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 4, 5, 0, 30)],
    ),
    (
        "Europe/Brussels",
        time(1, 30),
        utc(2026, 3, 21),
        [utc(2026, 3, 22, 0, 30), utc(2026, 3, 29, 0, 30), utc(2026, 4, 4, 23, 30)],
    ),
    # ... and falls back 2026-10-25 03:00 -> 02:00: 02:30 happens twice, fires at the first (CEST).
    (
        "Europe/Brussels",
        time(2, 30),
        utc(2026, 10, 17),
        [utc(2026, 10, 18, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 11, 1, 1, 30)],
    ),
    (
        "Europe/Brussels",
        time(1, 30),
        utc(2026, 10, 17),
        [utc(2026, 10, 17, 23, 30), utc(2026, 10, 24, 23, 30), utc(2026, 11, 1, 0, 30)],
    ),
    # Sydney falls back 2026-04-05 03:00 -> 02:00 (02:30 twice: the first, AEDT) ...
    (
        "Australia/Sydney",
        time(2, 30),
        utc(2026, 3, 27),
        [utc(2026, 3, 28, 15, 30), utc(2026, 4, 4, 15, 30), utc(2026, 4, 11, 16, 30)],
    ),
    (
        "Australia/Sydney",
        time(1, 30),
        utc(2026, 3, 27),
        [utc(2026, 3, 28, 14, 30), utc(2026, 4, 4, 14, 30), utc(2026, 4, 11, 15, 30)],
    ),
    # ... and springs forward 2026-10-04 02:00 -> 03:00 (02:30 shifted to 03:30 AEDT).
    (
        "Australia/Sydney",
        time(2, 30),
        utc(2026, 9, 25),
        [utc(2026, 9, 26, 16, 30), utc(2026, 10, 3, 16, 30), utc(2026, 10, 10, 15, 30)],
    ),
    (
        "Australia/Sydney",
        time(1, 30),
        utc(2026, 9, 25),
        [utc(2026, 9, 26, 15, 30), utc(2026, 10, 3, 15, 30), utc(2026, 10, 10, 14, 30)],
    ),
]


@pytest.mark.parametrize(("zone", "clock", "after", "expected"), SUNDAY_TABLE)
def test_a_sunday_reminder_keeps_its_wall_time_across_dst(zone, clock, after, expected):
    sends = svc.upcoming_sends(sunday_weekly(zone, clock), count=3, after=after)
    assert [instant for instant, _ in sends] == expected
    assert {kind for _, kind in sends} == {"weekly"}


@pytest.mark.django_db
def test_the_fold_sends_once_through_the_dispatcher():
    """Brussels 2026-10-25: 02:30 happens at 00:30 and 01:30 UTC; one send, the first."""
    reminder = svc.reminder_create(
        actor=Actor(user_id=9, is_moderator=True),
        guild_id=1,
        name="fold",
        message="m",
        channel_id=2,
        timezone_name="Europe/Brussels",
        days="sunday",
        time_text="02:30",
        now=utc(2026, 10, 24, 12),
    )
    assert reminder.next_fire_at == utc(2026, 10, 25, 0, 30)
    dispatcher.dispatch_due(now=utc(2026, 10, 25, 0, 30, 1))
    dispatcher.dispatch_due(now=utc(2026, 10, 25, 1, 30, 1))
    assert list(Dispatch.objects.values_list("occurrence", flat=True)) == [utc(2026, 10, 25, 0, 30)]
    reminder.refresh_from_db()
    assert reminder.next_fire_at == utc(2026, 11, 1, 1, 30)


@pytest.mark.parametrize(
    ("zone", "event_local", "event_utc", "early_utc"),
    [
        # The event is at 03:30 on the morning clocks spring forward: 60 real minutes before it the
        # clock read 01:30 (standard time), not 02:30 (which did not exist).
        ("Europe/Brussels", "2026-03-29", utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 0, 30)),
        ("America/New_York", "2026-03-08", utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 6, 30)),
        ("Australia/Sydney", "2026-10-04", utc(2026, 10, 3, 16, 30), utc(2026, 10, 3, 15, 30)),
    ],
)
@pytest.mark.django_db
def test_a_one_off_lead_is_real_minutes_across_spring_forward(zone, event_local, event_utc, early_utc):
    reminder = svc.reminder_create(
        actor=Actor(user_id=9, is_moderator=True),
        guild_id=1,
        name="raid",
        message="m",
        channel_id=2,
        timezone_name=zone,
        date_text=event_local,
        time_text="03:30",
        now=utc(2026, 3, 1),
    )
    assert reminder.event_time == event_utc
    assert reminder.call_time == time(3, 30)
    assert svc.upcoming_sends(reminder, after=utc(2026, 3, 1)) == [(early_utc, "early"), (event_utc, "event")]


DAYS = [
    ("mon,wed", (0, 2)),
    ("0,2", (0, 2)),
    ("daily", (0, 1, 2, 3, 4, 5, 6)),
    ("weekdays", (0, 1, 2, 3, 4)),
    ("weekends", (5, 6)),
    ("Monday, Friday", (0, 4)),
    ("maandag en woensdag", (0, 2)),
    ("za,zo", (5, 6)),
    ("lundi et vendredi", (0, 4)),
    ("Mercredi", (2,)),
    ("dimanche", (6,)),
    ("tue thu", (1, 3)),
]


@pytest.mark.parametrize(("text", "expected"), DAYS)
def test_days_in_english_dutch_and_french(text, expected):
    assert svc.parse_days(text) == expected


@pytest.mark.parametrize("text", ["", "funday", "7", "mon,someday", ","])
def test_unreadable_days_are_refused(text):
    with pytest.raises(ApplicationError) as caught:
        svc.parse_days(text)
    assert caught.value.field == "days"


MOD = Actor(user_id=9, is_moderator=True)
NOW = utc(2026, 12, 1, 12)
BASE = {"actor": MOD, "guild_id": 1, "name": "r", "message": "m", "channel_id": 2, "timezone_name": "UTC", "now": NOW}


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"time_text": "10:00"}, "days", "Say when"),
        ({"days": "mon", "date_text": "2026-12-24", "time_text": "10:00"}, "days", "not both"),
        ({"days": "mon"}, "time", "Give the `time`"),
        ({"date_text": "2026-11-30", "time_text": "10:00"}, "date", "in the past"),
        (
            {"date_text": "2027-03-28", "time_text": "02:30", "timezone_name": "Europe/Brussels"},
            "date",
            "does not exist",
        ),
        ({"days": "mon", "time_text": "10:00", "timezone_name": "Mars/Olympus"}, "timezone", "Mars/Olympus"),
        ({"days": "mon", "time_text": "25:00"}, "time", "25:00"),
        ({"days": "mon", "time_text": "10:00", "name": " "}, "name", "name"),
        ({"days": "mon", "time_text": "10:00", "message": "x" * 1501}, "message", "1500"),
        ({"days": "mon", "time_text": "10:00", "lead_minutes": 1441}, "lead", "1440"),
        ({"days": "mon", "time_text": "10:00", "message": "hey @everyone"}, "message", "@everyone"),
        ({"days": "mon", "time_text": "10:00", "mention_everyone": True}, "mention", "@everyone"),
    ],
)
@pytest.mark.django_db
def test_refusals_are_clear_and_write_nothing(changes, field, text):
    with pytest.raises(ApplicationError) as caught:
        svc.reminder_create(**{**BASE, **changes})
    assert caught.value.field == field
    assert text in caught.value.message
    assert not Reminder.objects.exists()


@pytest.mark.django_db
def test_only_moderators_create_and_only_the_creator_or_an_admin_archives():
    with pytest.raises(ApplicationError) as caught:
        svc.reminder_create(**{**BASE, "actor": Actor(user_id=5), "days": "mon", "time_text": "10:00"})
    assert caught.value.code == "permission_denied"
    reminder = svc.reminder_create(**{**BASE, "days": "mon", "time_text": "10:00"})
    with pytest.raises(ApplicationError) as caught:
        svc.reminder_archive(actor=Actor(user_id=5, is_moderator=True), guild_id=1, reminder_id=reminder.pk)
    assert caught.value.code == "permission_denied"
    with pytest.raises(ApplicationError):
        svc.reminder_archive(actor=MOD, guild_id=999, reminder_id=reminder.pk)
    svc.reminder_archive(actor=Actor(user_id=77, is_admin=True), guild_id=1, reminder_id=reminder.pk)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.next_fire_at) == ("archived", None)


@pytest.mark.django_db
def test_everyone_is_allowed_when_the_guild_allows_it():
    GuildClockSettings.objects.create(guild_id=1, allow_everyone_mention=True)
    reminder = svc.reminder_create(**{**BASE, "days": "mon", "time_text": "10:00", "message": "@here raid!"})
    assert reminder.mention_everyone is True


def test_when_text_is_plain_words():
    weekly = Reminder(timezone="Europe/Brussels", days=[0, 1, 2, 3, 4], time=time(20, 30))
    assert svc.reminder_when_text(weekly) == "weekdays at 20:30 (Europe/Brussels)"
    once = Reminder(timezone="Europe/Brussels", event_time=utc(2026, 12, 24, 17), days=[])
    assert svc.reminder_when_text(once) == "2026-12-24 18:00 (Europe/Brussels)"
