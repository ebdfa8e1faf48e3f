"""The announcement watcher: announcements in a guild's announcements channel become reminders.

The Discord layer hands over what a message says (its embed title, its text with Discord's
timestamps already written as ISO 8601 instants, its embed fields) and these services read it with
:func:`scheduling.announcements.parse_announcement` in the guild's zone.

Guarantees and decisions
------------------------
* One record per message (:class:`~scheduling.models.Announcement`, unique per guild and message)
  with a fingerprint of the text it was read from. A message is read once: a replayed
  MESSAGE_CREATE (after a gateway resume) finds the record and does nothing, and an edit whose
  text did not change (Discord sends MESSAGE_UPDATE when it unfurls a link) does nothing either.
* Understood: a reminder is created by the system on the announcement author's behalf
  (``created_by`` is the author, so they can delete it like their own), posted in the target
  channel the caller chose, with the announcement's text as its message and the default lead.
* Not understood: nothing is created; the reason is recorded and announced
  (``announcement_not_understood``), never guessed.
* Edited: the text is read again. Understood, the reminder is updated (and made active again if
  an earlier edit or its end had archived it); no longer understood, the reminder is **archived**
  (a reminder for a time the announcement no longer states would be wrong) and the reason is
  announced; a later edit that is understood again brings it back, as does a Fix.
* Deleted: the reminder is archived and the record kept (status deleted); nothing brings it back.
* A moderator's Delete (:func:`reminder_dismiss`) archives the reminder and stops watching the
  message (its later edits are ignored). A moderator's Fix (:func:`reminder_fix`) corrects the
  date (or days), time and location; a later edit of the announcement's text reads it again.
* An edit of a message the watcher has no record of (posted while the bot was away, or before
  the channel was watched) is read as a new announcement.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.actors import Actor
from config.exceptions import ApplicationError
from config.timeutils import parse_clock, zone_or_error
from scheduling import signals
from scheduling.announcements import AnnouncementNotUnderstood, ParsedAnnouncement, parse_announcement
from scheduling.models import Announcement, Reminder
from scheduling.models.reminders import MAX_LOCATION_LENGTH
from scheduling.services.reminders import (
    LOCATION_TOO_LONG,
    MAX_MESSAGE_LENGTH,
    NEED_TIME,
    NO_SUCH_REMINDER,
    parse_days,
    reminder_create,
    reminder_reschedule,
    resolve_when,
)

NOT_MODERATOR = "Only moderators can change the reminders the announcement watcher made."
REMINDER_GONE = "This reminder was deleted; create a new one with /add_reminder."
NOT_UNDERSTOOD_BY_CREATE = "The announcement was read, but the reminder could not be made: {problem}"

WatchedFields = Sequence[tuple[str, str]]


def fingerprint(*, title: str, text: str, fields: WatchedFields) -> str:
    """SHA-256 of what an announcement says (its title, text and fields), to recognise a message
    that was already read."""
    data = json.dumps([title or "", text or "", [[str(n), str(v)] for n, v in fields]], ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def _clip(value: str, limit: int) -> str:
    value = (value or "").strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _when_kwargs(parsed: ParsedAnnouncement) -> dict:
    if parsed.is_recurring():
        return {"days": list(parsed.days), "time_text": f"{parsed.time:%H:%M}"}
    return {"event_time": parsed.event_time, "time_text": None}


def _system_for(author_id: int | None) -> Actor:
    """The watcher acts as the system, on behalf of the announcement's author."""
    return Actor(user_id=author_id or None, is_staff=True)


def _not_understood(
    record: Announcement, error: ApplicationError, *, reminder: Reminder | None, fingerprint_: str
) -> None:
    record.status = Announcement.Status.NOT_UNDERSTOOD
    record.reason = error.message
    record.fingerprint = fingerprint_
    record.save()
    signals.announcement_not_understood.send(
        sender=Announcement,
        guild_id=record.guild_id,
        channel_id=record.channel_id,
        message_id=record.message_id,
        reason=error,
        fingerprint=fingerprint_,
        reminder=reminder,
    )


def _create_reminder(
    *,
    record: Announcement,
    parsed: ParsedAnnouncement,
    author_id: int | None,
    message: str,
    target_channel_id: int,
    now: datetime,
) -> Reminder:
    return reminder_create(
        actor=_system_for(author_id),
        guild_id=record.guild_id,
        name=parsed.name,
        message=_clip(message, MAX_MESSAGE_LENGTH) or parsed.name,
        channel_id=target_channel_id,
        timezone_name=parsed.zone,
        location=_clip(parsed.location, MAX_LOCATION_LENGTH),
        origin_channel_id=record.channel_id,
        origin_message_id=record.message_id,
        now=now,
        **_when_kwargs(parsed),
    )


def _read_into(
    record: Announcement,
    *,
    title: str,
    text: str,
    fields: WatchedFields,
    message: str,
    zone,
    author_id: int | None,
    target_channel_id: int,
    now: datetime,
) -> Announcement:
    """Read the announcement's (new) text into its record and reminder, announcing the outcome."""
    print_ = fingerprint(title=title, text=text, fields=fields)
    reminder = (
        Reminder.objects.select_for_update().filter(pk=record.reminder_id).first() if record.reminder_id else None
    )
    try:
        parsed = parse_announcement(title=title, text=text, fields=fields, zone=zone, now=now)
        if reminder is None:
            with transaction.atomic():  # a refusal of reminder_create leaves nothing behind
                reminder = _create_reminder(
                    record=record,
                    parsed=parsed,
                    author_id=author_id,
                    message=message,
                    target_channel_id=target_channel_id,
                    now=now,
                )
            created = True
        else:
            _apply(reminder, parsed, message=message, now=now)
            created = False
    except AnnouncementNotUnderstood as error:
        _not_understood(record, error, reminder=_archive(reminder, now=now), fingerprint_=print_)
        return record
    except ApplicationError as error:
        wrapped = ApplicationError(NOT_UNDERSTOOD_BY_CREATE, params={"problem": error.message}, code=error.code)
        _not_understood(record, wrapped, reminder=_archive(reminder, now=now), fingerprint_=print_)
        return record
    record.reminder = reminder
    record.status = Announcement.Status.UNDERSTOOD
    record.reason = ""
    record.fingerprint = print_
    record.save()
    signals.announcement_understood.send(sender=Announcement, reminder=reminder, created=created)
    return record


def _apply(reminder: Reminder, parsed: ParsedAnnouncement, *, message: str, now: datetime) -> None:
    """Give `reminder` what the announcement now says (checked like a new reminder) and reschedule it."""
    when = resolve_when(zone_name=parsed.zone, now=now, **_when_kwargs(parsed))
    for name, value in when.items():
        setattr(reminder, name, value)
    reminder.name = parsed.name
    reminder.location = _clip(parsed.location, MAX_LOCATION_LENGTH)
    reminder.message = _clip(message, MAX_MESSAGE_LENGTH) or parsed.name
    reminder_reschedule(reminder=reminder, now=now)
    reminder.save()


def _archive(reminder: Reminder | None, *, now: datetime) -> Reminder | None:
    """Archive `reminder` if it is active; the reminder that was archived, else None."""
    if reminder is None or reminder.status != Reminder.Status.ACTIVE:
        return None
    reminder.status = Reminder.Status.ARCHIVED
    reminder.archived_at = now
    reminder.next_fire_at = None
    reminder.save(update_fields=["status", "archived_at", "next_fire_at", "updated_at"])
    return reminder


def _lock_or_create(*, guild_id: int, channel_id: int, message_id: int) -> tuple[Announcement, bool]:
    record = Announcement.objects.select_for_update().filter(guild_id=guild_id, message_id=message_id).first()
    if record is not None:
        return record, False
    try:
        with transaction.atomic():
            record = Announcement.objects.create(
                guild_id=guild_id,
                channel_id=channel_id,
                message_id=message_id,
                status=Announcement.Status.NOT_UNDERSTOOD,
                fingerprint="",
            )
        return record, True
    except IntegrityError:
        # The same message, read at the same moment by another worker: theirs stands.
        return Announcement.objects.select_for_update().get(guild_id=guild_id, message_id=message_id), False


def announcement_seen(
    *,
    guild_id: int,
    channel_id: int,
    message_id: int,
    author_id: int | None,
    title: str,
    text: str,
    fields: WatchedFields = (),
    message: str = "",
    zone: str,
    target_channel_id: int,
    now: datetime | None = None,
) -> Announcement:
    """A new announcement (MESSAGE_CREATE): read it once. Understood, a reminder posted in
    `target_channel_id` is created and ``announcement_understood(created=True)`` sent; not
    understood, ``announcement_not_understood`` is sent with the reason and nothing else is
    written. A message that already has a record (a replayed event) changes nothing.
    `message` is the reminder's message (default: its name)."""
    now = now or timezone.now()
    zone = zone_or_error(zone).key
    with transaction.atomic():
        record, new = _lock_or_create(guild_id=guild_id, channel_id=channel_id, message_id=message_id)
        if not new:
            return record
        return _read_into(
            record,
            title=title,
            text=text,
            fields=fields,
            message=message,
            zone=zone,
            author_id=author_id,
            target_channel_id=target_channel_id,
            now=now,
        )


def announcement_edited(
    *,
    guild_id: int,
    channel_id: int,
    message_id: int,
    author_id: int | None,
    title: str,
    text: str,
    fields: WatchedFields = (),
    message: str = "",
    zone: str,
    target_channel_id: int,
    now: datetime | None = None,
) -> Announcement | None:
    """An edited announcement (MESSAGE_UPDATE): read its text again when it changed (see the
    module docstring: the reminder is updated, created, or archived with the reason). A deleted
    announcement or one whose reminder a moderator deleted is left alone (None is returned)."""
    now = now or timezone.now()
    zone = zone_or_error(zone).key
    print_ = fingerprint(title=title, text=text, fields=fields)
    with transaction.atomic():
        record, _ = _lock_or_create(guild_id=guild_id, channel_id=channel_id, message_id=message_id)
        if record.status in (Announcement.Status.DELETED, Announcement.Status.DISMISSED):
            return None
        if record.fingerprint == print_:
            return record
        return _read_into(
            record,
            title=title,
            text=text,
            fields=fields,
            message=message,
            zone=zone,
            author_id=author_id,
            target_channel_id=record.reminder.channel_id if record.reminder_id else target_channel_id,
            now=now,
        )


def announcement_deleted(*, guild_id: int, message_id: int, now: datetime | None = None) -> Reminder | None:
    """A deleted announcement (MESSAGE_DELETE): its reminder is archived (``announcement_withdrawn``
    is sent) and the message is not watched any more. Returns the archived reminder, or None when
    the message had no active reminder (or was never read)."""
    now = now or timezone.now()
    with transaction.atomic():
        record = Announcement.objects.select_for_update().filter(guild_id=guild_id, message_id=message_id).first()
        if record is None or record.status == Announcement.Status.DELETED:
            return None
        reminder = None
        if record.reminder_id:
            reminder = _archive(Reminder.objects.select_for_update().get(pk=record.reminder_id), now=now)
        record.status = Announcement.Status.DELETED
        record.save(update_fields=["status", "updated_at"])
        if reminder is not None:
            signals.announcement_withdrawn.send(sender=Announcement, reminder=reminder)
        return reminder


def _check_moderator(actor: Actor) -> None:
    if not (actor.is_moderator or actor.is_admin or actor.is_staff):
        raise ApplicationError(NOT_MODERATOR, code="permission_denied")


def _lock_reminder(*, guild_id: int, reminder_id: int) -> tuple[Reminder, Announcement | None]:
    reminder = Reminder.objects.select_for_update().filter(pk=reminder_id, guild_id=guild_id).first()
    if reminder is None:
        raise ApplicationError(NO_SUCH_REMINDER, params={"reminder_id": reminder_id}, field="reminder")
    record = Announcement.objects.select_for_update().filter(reminder=reminder).first()
    if record is None:
        gone = reminder.status != Reminder.Status.ACTIVE
    else:
        gone = record.status in (Announcement.Status.DELETED, Announcement.Status.DISMISSED)
    if gone:
        raise ApplicationError(REMINDER_GONE, field="reminder")
    return reminder, record


def reminder_fix(
    *,
    actor: Actor,
    guild_id: int,
    reminder_id: int,
    time_text: str,
    date_text: str | None = None,
    days_text: str | None = None,
    location: str | None = None,
    now: datetime | None = None,
) -> Reminder:
    """Correct what the watcher read (the Fix modal; moderators): a `date_text` (YYYY-MM-DD) makes
    it a one-off at that date and `time_text`; `days_text` makes it recurring; neither keeps its
    kind (a one-off keeps its local date) with the new time. `location` None keeps it, "" clears
    it. The reminder becomes active again when it has sends ahead; every refusal writes nothing."""
    _check_moderator(actor)
    now = now or timezone.now()
    time_text = (time_text or "").strip()
    if not time_text:
        raise ApplicationError(NEED_TIME, field="time")
    parse_clock(time_text, field="time")
    date_text = (date_text or "").strip() or None
    days_text = (days_text or "").strip() or None
    with transaction.atomic():
        reminder, record = _lock_reminder(guild_id=guild_id, reminder_id=reminder_id)
        zone = zone_or_error(reminder.timezone)
        if date_text is None and days_text is None:
            if reminder.event_time is None:
                days_text = ",".join(str(day) for day in reminder.days)
            else:
                date_text = f"{reminder.event_time.astimezone(zone):%Y-%m-%d}"
        days = list(parse_days(days_text)) if days_text is not None else None
        when = resolve_when(zone_name=zone.key, time_text=time_text, days=days, date_text=date_text, now=now)
        if location is not None:
            location = location.strip()
            if len(location) > MAX_LOCATION_LENGTH:
                raise ApplicationError(LOCATION_TOO_LONG, params={"limit": MAX_LOCATION_LENGTH}, field="location")
            reminder.location = location
        for name, value in when.items():
            setattr(reminder, name, value)
        reminder_reschedule(reminder=reminder, now=now)
        reminder.save()
        if record is not None and record.status != Announcement.Status.UNDERSTOOD:
            record.status = Announcement.Status.UNDERSTOOD
            record.reason = ""
            record.save(update_fields=["status", "reason", "updated_at"])
    return reminder


def reminder_dismiss(*, actor: Actor, guild_id: int, reminder_id: int, now: datetime | None = None) -> Reminder:
    """Delete what the watcher made (the Delete button; moderators): the reminder is archived and
    its announcement is not watched any more (later edits are ignored)."""
    _check_moderator(actor)
    now = now or timezone.now()
    with transaction.atomic():
        reminder, record = _lock_reminder(guild_id=guild_id, reminder_id=reminder_id)
        _archive(reminder, now=now)
        if record is not None:
            record.status = Announcement.Status.DISMISSED
            record.save(update_fields=["status", "updated_at"])
    return reminder
