"""A guild's reminders and raid events as an iCalendar feed (RFC 5545, with the `icalendar` library).

- A recurring reminder is one event with ``RRULE:FREQ=WEEKLY;BYDAY=…`` and a ``DTSTART`` in its own
  zone (``TZID``, with the zone's ``VTIMEZONE``), so calendars keep its wall time across DST. A
  wall time in the spring-forward gap is read by calendars as RFC 5545 says (with the offset before
  the gap, so 02:30 becomes 03:30): the same as the dispatcher's DST policy.
- A one-off reminder is a single event at its event instant, in its zone, with an alarm at its lead.
- A raid event is a single event from its start to its end (UTC); a cancelled one says so.
Reminders have no length: they are instant events (no ``DTEND``), as the RFC allows.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from icalendar import Alarm, Calendar, Event, vRecur

from attendance.models import RaidEvent
from config.timeutils import zone_or_error
from scheduling.models import Reminder
from scheduling.services.reminders import next_fire_after

PRODID = "-//Guildhall//Reminders and raids//EN"
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Raid events older than this are left out of the feed.
RAID_HISTORY = dt.timedelta(days=90)


def _uid(kind: str, pk: int, guild_id: int) -> str:
    return f"{kind}-{pk}.guild-{guild_id}@guildhall"


def reminder_event(reminder: Reminder, *, stamp: dt.datetime) -> Event:
    zone = zone_or_error(reminder.timezone)
    event = Event()
    event.add("uid", _uid("reminder", reminder.pk, reminder.guild_id))
    event.add("dtstamp", stamp)
    event.add("summary", reminder.name)
    event.add("description", reminder.message)
    if reminder.location:
        event.add("location", reminder.location)
    event.add("last-modified", reminder.updated_at or stamp)
    if reminder.is_recurring:
        first = next_fire_after(reminder, (reminder.created_at or stamp) - dt.timedelta(seconds=1))
        start = dt.datetime.combine(first.astimezone(zone).date(), reminder.time, tzinfo=zone)
        event.add("dtstart", start)
        event.add("rrule", vRecur(freq="WEEKLY", byday=[ICAL_DAYS[day] for day in sorted(reminder.days)]))
    else:
        event.add("dtstart", reminder.event_time.astimezone(zone))
        if reminder.lead_minutes:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", reminder.name)
            alarm.add("trigger", -dt.timedelta(minutes=reminder.lead_minutes))
            event.add_component(alarm)
    return event


def raid_event(raid: RaidEvent, *, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", _uid("raid", raid.pk, raid.guild_id))
    event.add("dtstamp", stamp)
    event.add("summary", raid.title)
    event.add("dtstart", raid.start_time_utc)
    event.add("dtend", raid.end_time_utc)
    if raid.notes:
        event.add("description", raid.notes)
    if raid.log_url:
        event.add("url", raid.log_url)
    event.add("status", "CANCELLED" if raid.cancelled_at else "CONFIRMED")
    return event


def guild_calendar(*, guild_id: int, name: str = "", now: dt.datetime | None = None) -> bytes:
    """The guild's feed: its active reminders and its raid events of the last 90 days and ahead."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name or f"Guild {guild_id}: reminders and raids")
    reminders = Reminder.objects.filter(guild_id=guild_id, status=Reminder.Status.ACTIVE).order_by("id")
    for reminder in reminders:
        calendar.add_component(reminder_event(reminder, stamp=now))
    raids = RaidEvent.objects.filter(guild_id=guild_id, end_time_utc__gte=now - RAID_HISTORY).order_by("start_time_utc")
    for raid in raids:
        calendar.add_component(raid_event(raid, stamp=now))
    calendar.add_missing_timezones()
    return calendar.to_ical()
