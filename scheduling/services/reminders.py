"""Reminders: creating, changing and archiving them, and their clock (the dispatcher's source).

A recurring reminder fires on its weekdays at its local time in its zone; the wall time is kept
across DST (a time in the spring-forward gap is shifted by the gap, a time in the autumn fold fires
once, at the first). A one-off fires at its event instant minus `lead_minutes` ("early") and at the
event instant ("event"), then is archived. `next_fire_at` always holds the next of these (UTC).
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from config.actors import Actor
from config.exceptions import ApplicationError
from config.timeutils import (
    DAY_NAMES,
    next_occurrence_on_days,
    parse_clock,
    parse_local_datetime,
    zone_or_error,
)
from scheduling import announcements, dispatcher, signals
from scheduling.models import MAX_LEAD_MINUTES, Announcement, GuildClockSettings, Reminder
from scheduling.models.clock import MAX_GRACE_MINUTES as MAX_GRACE
from scheduling.models.reminders import MAX_LOCATION_LENGTH, MAX_NAME_LENGTH

# What Discord allows in a message is 2,000 characters; the reminder's name, time and location
# lines take the rest.
MAX_MESSAGE_LENGTH = 1500

NOT_MODERATOR = "Only moderators can create reminders."
NOT_YOURS = "Only its creator or an admin can delete this reminder."
NO_SUCH_REMINDER = "There is no reminder {reminder_id} on this server."
EMPTY_NAME = "Give the reminder a name."
NAME_TOO_LONG = "A reminder's name can be at most {limit} characters long."
EMPTY_MESSAGE = "Give the reminder a message."
MESSAGE_TOO_LONG = "A reminder's message can be at most {limit} characters long (this one has {length})."
LOCATION_TOO_LONG = "A location can be at most {limit} characters long."
NO_WHEN = "Say when: `days` (with `time`) for a recurring reminder, or `date` (with `time`) for a one-off."
BOTH_WHEN = "Give either `days` (recurring) or `date` (one-off), not both."
NEED_TIME = "Give the `time` (HH:MM) the reminder is sent at."
PAST_ONE_OFF = "{when} is in the past; a one-off reminder needs a time in the future."
BAD_LEAD = "The lead must be a whole number of minutes from 0 to {limit}."
BAD_DAYS = (
    'Could not read the days "{value}": use names or numbers (mon,wed or 0,2; Monday = 0), daily, weekdays or '
    "weekends, in English, Dutch or French."
)
EVERYONE_NOT_ALLOWED = "This server does not allow reminders to mention @everyone or @here."
NOT_MODERATOR_CHANGE = "Only moderators can change reminders."
ARCHIVED = "Reminder {reminder_id} is archived; create a new one instead."
BAD_GRACE = "The grace window must be a whole number of minutes from 0 to {limit}."
NOT_ADMIN_SETTINGS = "Only admins can change the server's reminder settings."

_DAY_SETS = {"daily": tuple(range(7)), "weekdays": (0, 1, 2, 3, 4), "weekends": (5, 6)}


def parse_days(value: object, *, field: str = "days") -> tuple[int, ...]:
    """Weekdays (0 = Monday), sorted, from "mon,wed", "0,2", "mon-fri", "daily", "weekdays",
    "weekends" or English, Dutch and French names ("maandag en woensdag", "lundi et mercredi"):
    the announcement reader's rule, so a command and an announcement read days alike."""
    try:
        return announcements.parse_days(str(value if value is not None else ""))
    except ApplicationError as exc:
        raise ApplicationError(BAD_DAYS, params={"value": str(value)[:64]}, field=field) from exc


def describe_days(days: list[int] | tuple[int, ...]) -> str:
    """ "daily", "weekdays", "weekends" or "Monday, Wednesday"."""
    wanted = tuple(sorted(days))
    for word in ("daily", "weekdays", "weekends"):
        if _DAY_SETS[word] == wanted:
            return word
    return ", ".join(DAY_NAMES[day] for day in wanted)


# ----------------------------------------------------------------------------- the clock


def next_fire_after(reminder: Reminder, instant: datetime) -> datetime | None:
    """The reminder's first send strictly after `instant` (UTC), or None when it has none left."""
    if reminder.event_time is None:
        zone = zone_or_error(reminder.timezone)
        return next_occurrence_on_days(days=reminder.days, clock=reminder.time, zone=zone, now=instant)
    candidates = [reminder.event_time]
    if reminder.lead_minutes:
        candidates.insert(0, reminder.event_time - timedelta(minutes=reminder.lead_minutes))
    return next((candidate for candidate in candidates if candidate > instant), None)


def upcoming_sends(reminder: Reminder, *, count: int = 5, after: datetime | None = None) -> list[tuple[datetime, str]]:
    """The next `count` sends of an active reminder as (instant, kind), for previews."""
    if reminder.status != Reminder.Status.ACTIVE:
        return []
    source = ReminderSource()
    sends: list[tuple[datetime, str]] = []
    instant = after or timezone.now()
    while len(sends) < count:
        instant = next_fire_after(reminder, instant)
        if instant is None:
            break
        sends.append((instant, source.kind_at(reminder, instant)))
    return sends


@dispatcher.register
class ReminderSource(dispatcher.ClockSource):
    name = "reminder"
    model = Reminder
    update_fields = ("next_fire_at", "status", "archived_at", "updated_at")

    def active(self, queryset):
        return queryset.filter(status=Reminder.Status.ACTIVE)

    def kind_at(self, row: Reminder, instant: datetime) -> str:
        if row.event_time is None:
            return "weekly"
        return "event" if instant >= row.event_time else "early"

    def next_after(self, row: Reminder, instant: datetime) -> datetime | None:
        return next_fire_after(row, instant)

    def finish(self, row: Reminder, now: datetime) -> None:
        row.status = Reminder.Status.ARCHIVED
        row.archived_at = now
        row.updated_at = now

    def fire(self, firings: list[dispatcher.Firing]) -> None:
        signals.reminders_due.send(sender=Reminder, firings=firings)


# ----------------------------------------------------------------------------- writes


def clock_settings(guild_id: int) -> GuildClockSettings:
    return GuildClockSettings.objects.filter(guild_id=guild_id).first() or GuildClockSettings(guild_id=guild_id)


def _check_text(*, name: str, message: str, location: str) -> tuple[str, str, str]:
    name = (name or "").strip()
    message = (message or "").strip()
    location = (location or "").strip()
    if not name:
        raise ApplicationError(EMPTY_NAME, field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise ApplicationError(NAME_TOO_LONG, params={"limit": MAX_NAME_LENGTH}, field="name")
    if not message:
        raise ApplicationError(EMPTY_MESSAGE, field="message")
    if len(message) > MAX_MESSAGE_LENGTH:
        raise ApplicationError(
            MESSAGE_TOO_LONG, params={"limit": MAX_MESSAGE_LENGTH, "length": len(message)}, field="message"
        )
    if len(location) > MAX_LOCATION_LENGTH:
        raise ApplicationError(LOCATION_TOO_LONG, params={"limit": MAX_LOCATION_LENGTH}, field="location")
    return name, message, location


_EVERYONE = re.compile(r"@(everyone|here)\b")


def _check_mentions(*, guild_id: int, message: str, mention_everyone: bool) -> None:
    if (mention_everyone or _EVERYONE.search(message)) and not clock_settings(guild_id).allow_everyone_mention:
        raise ApplicationError(EVERYONE_NOT_ALLOWED, field="mention" if mention_everyone else "message")


def resolve_when(
    *,
    zone_name: str,
    time_text: str | None,
    days: object = None,
    date_text: str | None = None,
    event_time: datetime | None = None,
    now: datetime,
) -> dict:
    """The reminder's when-fields from what was typed: `days` + `time` (recurring) or `date` +
    `time` / an `event_time` instant (one-off). Refuses what is missing, both, a past one-off and a
    date at a wall time that does not exist (DST gap)."""
    zone = zone_or_error(zone_name, field="timezone")
    has_days = days not in (None, "", [], ())
    has_date = bool(date_text) or event_time is not None
    if has_days and has_date:
        raise ApplicationError(BOTH_WHEN, field="days")
    if not has_days and not has_date:
        raise ApplicationError(NO_WHEN, field="days")
    if has_days:
        day_list = parse_days(",".join(str(day) for day in days) if isinstance(days, list | tuple) else days)
        if not time_text:
            raise ApplicationError(NEED_TIME, field="time")
        clock = parse_clock(time_text, field="time")
        return {"timezone": zone.key, "days": list(day_list), "time": clock, "event_time": None, "call_time": None}
    if event_time is None:
        if not time_text:
            raise ApplicationError(NEED_TIME, field="time")
        event_time = parse_local_datetime(f"{date_text} {time_text}", zone, field="date")
    if event_time <= now:
        raise ApplicationError(PAST_ONE_OFF, params={"when": event_time}, field="date")
    local = event_time.astimezone(zone)
    return {
        "timezone": zone.key,
        "days": [],
        "time": None,
        "event_time": event_time,
        "call_time": time(local.hour, local.minute),
    }


def reminder_create(
    *,
    actor: Actor,
    guild_id: int,
    name: str,
    message: str,
    channel_id: int,
    timezone_name: str,
    time_text: str | None = None,
    days: object = None,
    date_text: str | None = None,
    event_time: datetime | None = None,
    lead_minutes: int | None = None,
    location: str = "",
    mention_role_id: int | None = None,
    mention_everyone: bool = False,
    origin_channel_id: int | None = None,
    origin_message_id: int | None = None,
    now: datetime | None = None,
) -> Reminder:
    """Create a reminder (moderators; the watcher acts as the system). Every refusal writes nothing."""
    if not (actor.is_moderator or actor.is_admin or actor.is_staff):
        raise ApplicationError(NOT_MODERATOR, code="permission_denied")
    now = now or timezone.now()
    name, message, location = _check_text(name=name, message=message, location=location)
    when = resolve_when(
        zone_name=timezone_name, time_text=time_text, days=days, date_text=date_text, event_time=event_time, now=now
    )
    lead = 60 if lead_minutes is None else lead_minutes
    if not isinstance(lead, int) or isinstance(lead, bool) or not 0 <= lead <= MAX_LEAD_MINUTES:
        raise ApplicationError(BAD_LEAD, params={"limit": MAX_LEAD_MINUTES}, field="lead")
    _check_mentions(guild_id=guild_id, message=message, mention_everyone=mention_everyone)
    mention_everyone = mention_everyone or bool(_EVERYONE.search(message))
    reminder = Reminder(
        guild_id=guild_id,
        name=name,
        message=message,
        channel_id=channel_id,
        location=location,
        created_by=actor.user_id or 0,
        mention_role_id=mention_role_id,
        mention_everyone=mention_everyone,
        origin_channel_id=origin_channel_id,
        origin_message_id=origin_message_id,
        lead_minutes=lead,
        **when,
    )
    reminder.next_fire_at = next_fire_after(reminder, now)
    with transaction.atomic():
        reminder.save()
    return reminder


def reminder_reschedule(*, reminder: Reminder, now: datetime | None = None) -> Reminder:
    """Recompute `next_fire_at` after the reminder's when-fields changed (inside the caller's
    transaction, with the row locked); a one-off whose sends are all past is archived."""
    now = now or timezone.now()
    reminder.next_fire_at = next_fire_after(reminder, now)
    if reminder.next_fire_at is None:
        reminder.status = Reminder.Status.ARCHIVED
        reminder.archived_at = now
    else:
        reminder.status = Reminder.Status.ACTIVE
        reminder.archived_at = None
    return reminder


# A reminder's fields that say when it fires: changing one of them recomputes its clock.
_WHEN_INPUTS = ("timezone_name", "time_text", "days", "date_text", "event_time")


def _when_for_update(reminder: Reminder, changes: dict, *, now: datetime) -> dict:
    """The when-fields after an update: what was given, completed from the reminder as it is (a
    recurring one keeps its days, a one-off its local date; both keep their clock). Giving `days`
    makes it recurring, a `date` (or an `event_time`) a one-off."""
    zone_name = changes.get("timezone_name") or str(reminder.timezone)
    old_zone = zone_or_error(reminder.timezone)
    time_text = changes.get("time_text")
    days = changes.get("days")
    date_text = changes.get("date_text")
    event_time = changes.get("event_time")
    if days in (None, "", [], ()) and not date_text and event_time is None:
        if reminder.is_recurring:
            days = list(reminder.days)
        else:
            date_text = reminder.event_time.astimezone(old_zone).date().isoformat()
    if not time_text and event_time is None:
        clock = reminder.time if reminder.time is not None else reminder.call_time
        time_text = f"{clock:%H:%M}"
    return resolve_when(
        zone_name=zone_name, time_text=time_text, days=days, date_text=date_text, event_time=event_time, now=now
    )


_UNSET = object()


def reminder_update(
    *,
    actor: Actor,
    guild_id: int,
    reminder_id: int,
    name: str | None = None,
    message: str | None = None,
    channel_id: int | None = None,
    location: str | None = None,
    timezone_name: str | None = None,
    time_text: str | None = None,
    days: object = None,
    date_text: str | None = None,
    event_time: datetime | None = None,
    lead_minutes: int | None = None,
    mention_role_id: int | None | object = _UNSET,
    mention_everyone: bool | None = None,
    now: datetime | None = None,
) -> Reminder:
    """Change an active reminder (moderators, admins, staff); what is not given stays. A change to
    when it fires (zone, time, days, date, lead) recomputes `next_fire_at` from now under the
    row's lock, so the dispatcher never sends the old and the new time both. Refuses what
    `reminder_create` refuses; every refusal writes nothing."""
    if not (actor.is_moderator or actor.is_admin or actor.is_staff):
        raise ApplicationError(NOT_MODERATOR_CHANGE, code="permission_denied")
    now = now or timezone.now()
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().filter(pk=reminder_id, guild_id=guild_id).first()
        if reminder is None:
            raise ApplicationError(NO_SUCH_REMINDER, params={"reminder_id": reminder_id}, field="reminder")
        if reminder.status != Reminder.Status.ACTIVE:
            raise ApplicationError(ARCHIVED, params={"reminder_id": reminder_id}, field="reminder")
        name, message, location = _check_text(
            name=reminder.name if name is None else name,
            message=reminder.message if message is None else message,
            location=reminder.location if location is None else location,
        )
        given = {
            "timezone_name": timezone_name,
            "time_text": time_text,
            "days": days,
            "date_text": date_text,
            "event_time": event_time,
        }
        changes = {key: value for key, value in given.items() if value not in (None, "")}
        reschedule = bool(changes) or lead_minutes is not None
        if changes:
            for field_name, value in _when_for_update(reminder, changes, now=now).items():
                setattr(reminder, field_name, value)
        if lead_minutes is not None:
            if isinstance(lead_minutes, bool) or not isinstance(lead_minutes, int):
                raise ApplicationError(BAD_LEAD, params={"limit": MAX_LEAD_MINUTES}, field="lead")
            if not 0 <= lead_minutes <= MAX_LEAD_MINUTES:
                raise ApplicationError(BAD_LEAD, params={"limit": MAX_LEAD_MINUTES}, field="lead")
            reminder.lead_minutes = lead_minutes
        everyone = reminder.mention_everyone if mention_everyone is None else mention_everyone
        if mention_everyone is not None or message != reminder.message:
            # Mentioning @everyone is checked again whenever the message or the flag changes.
            _check_mentions(guild_id=guild_id, message=message, mention_everyone=bool(mention_everyone))
            everyone = bool(mention_everyone) or bool(_EVERYONE.search(message))
        reminder.name, reminder.message, reminder.location = name, message, location
        reminder.mention_everyone = everyone
        if channel_id is not None:
            reminder.channel_id = channel_id
        if mention_role_id is not _UNSET:
            reminder.mention_role_id = mention_role_id
        if reschedule:
            reminder_reschedule(reminder=reminder, now=now)
        reminder.save()
    return reminder


def clock_settings_update(
    *,
    actor: Actor,
    guild_id: int,
    grace_minutes: int | None = None,
    replace_early_reminder: bool | None = None,
    allow_everyone_mention: bool | None = None,
) -> GuildClockSettings:
    """Change a guild's reminder settings (admins, staff); creates the row on first change."""
    if not (actor.is_admin or actor.is_staff):
        raise ApplicationError(NOT_ADMIN_SETTINGS, code="permission_denied")
    if grace_minutes is not None and (
        isinstance(grace_minutes, bool) or not isinstance(grace_minutes, int) or not 0 <= grace_minutes <= MAX_GRACE
    ):
        raise ApplicationError(BAD_GRACE, params={"limit": MAX_GRACE}, field="grace_minutes")
    with transaction.atomic():
        settings, _ = GuildClockSettings.objects.select_for_update().get_or_create(guild_id=guild_id)
        if grace_minutes is not None:
            settings.grace_minutes = grace_minutes
        if replace_early_reminder is not None:
            settings.replace_early_reminder = replace_early_reminder
        if allow_everyone_mention is not None:
            settings.allow_everyone_mention = allow_everyone_mention
        settings.save()
    return settings


def reminder_archive(*, actor: Actor, guild_id: int, reminder_id: int) -> Reminder:
    """Archive (stop and hide) a reminder: its creator, an admin or staff. Its dispatch history is kept."""
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().filter(pk=reminder_id, guild_id=guild_id).first()
        if reminder is None:
            raise ApplicationError(NO_SUCH_REMINDER, params={"reminder_id": reminder_id}, field="reminder")
        if not (actor.is_admin or actor.is_staff or (actor.user_id and actor.user_id == reminder.created_by)):
            raise ApplicationError(NOT_YOURS, code="permission_denied")
        reminder.status = Reminder.Status.ARCHIVED
        reminder.archived_at = timezone.now()
        reminder.next_fire_at = None
        reminder.save(update_fields=["status", "archived_at", "next_fire_at", "updated_at"])
        # One the announcement watcher made stays deleted: later edits of the announcement are ignored.
        Announcement.objects.filter(reminder=reminder).update(
            status=Announcement.Status.DISMISSED, updated_at=timezone.now()
        )
    return reminder


def reminder_when_text(reminder: Reminder) -> str:
    """Plain words for when it fires: "weekdays at 20:30 (Europe/Brussels)" or "2026-12-24 18:00 (…)"."""
    if reminder.event_time is None:
        return f"{describe_days(reminder.days)} at {reminder.time:%H:%M} ({reminder.timezone})"
    local = reminder.event_time.astimezone(zone_or_error(reminder.timezone))
    return f"{local:%Y-%m-%d %H:%M} ({reminder.timezone})"
