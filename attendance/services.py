"""Every write of the attendance app: seasons, raid events, answers, attendance, and the
once-only reminder and summary of an event."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone as djtz

from attendance import signals
from attendance.models import RaidAttendance, RaidEvent, RaidSeason
from attendance.selectors import REMINDER_LEAD, event_summary
from config.exceptions import ApplicationError
from config.timeutils import zone_or_error
from scheduling.actors import Actor, require_officer
from scheduling.models import Player, WowCharacter
from scheduling.services import player_ensure

EMPTY_NAME = "The season needs a name."
SEASON_EXISTS = "This guild already has a season with that name."
EVENT_GONE = "That event no longer exists."
EMPTY_TITLE = "The event needs a title."
NAIVE_START = "The start must be an instant with a time zone."
BAD_DURATION = "The raid must last from 0.5 to 12 hours."
START_IN_PAST = "The event would start in the past."
EVENT_ENDED = "This event is over; answers are closed."
EVENT_NOT_STARTED = "Attendance can be recorded only once the event has started."
NOT_IN_GUILD = "That event belongs to another server."
NOT_A_PLAYER = "You are not on this guild's roster yet; use a Guildhall command in the server first."
NEED_REASON = "Please give a reason, so the officers can excuse the absence."
BAD_ANSWER = "The answer must be one of: signed_up, tentative, declined."
REASON_TOO_LONG = "The reason must be at most 300 characters."
PLAYER_OF_OTHER_GUILD = "That player is not on this guild's roster."
CHARACTER_OF_OTHER_PLAYER = "That character belongs to another player."
BAD_SOURCE = "Unknown attendance source."
TITLE_TOO_LONG = "The title must be at most 200 characters."
NOTES_TOO_LONG = "The notes must be at most 1000 characters."
BAD_LOG_URL = "The log link must be an http or https address of at most 500 characters."
BAD_RAID_HELPER_ID = "The Raid-Helper event id is at most 30 letters, digits, - or _."
EVENT_STARTED = "This event has started; its start and length can no longer change."
EVENT_CANCELLED = "This event was cancelled."
EVENT_OVER = "This event is over; it can no longer be cancelled."

TITLE_MAX, NOTES_MAX, LOG_URL_MAX = 200, 1000, 500
_RAID_HELPER_ID = re.compile(r"[A-Za-z0-9_-]{1,30}")
_http_url = URLValidator(schemes=["http", "https"])

ANSWERS = ("signed_up", "tentative", "declined")


# --- seasons -----------------------------------------------------------------------------------


@transaction.atomic
def season_create(*, actor: Actor, guild_id: int, name: str, start_date: dt.date, is_active: bool = True) -> RaidSeason:
    """Add a season (officers); names are unique per guild."""
    require_officer(actor, guild_id=guild_id)
    name = (name or "").strip()
    if not name:
        raise ApplicationError(EMPTY_NAME, field="name")
    try:
        with transaction.atomic():
            return RaidSeason.objects.create(
                guild_id=guild_id, name=name[:100], start_date=start_date, is_active=is_active
            )
    except IntegrityError:
        raise ApplicationError(SEASON_EXISTS, field="name") from None


@transaction.atomic
def season_update(
    *,
    actor: Actor,
    season: RaidSeason,
    name: str | None = None,
    is_active: bool | None = None,
    start_date: dt.date | None = None,
) -> RaidSeason:
    """Rename, (de)activate or move a season (officers)."""
    require_officer(actor, guild_id=season.guild_id)
    season = RaidSeason.objects.select_for_update().get(pk=season.pk)
    if name is not None:
        if not name.strip():
            raise ApplicationError(EMPTY_NAME, field="name")
        season.name = name.strip()[:100]
    if is_active is not None:
        season.is_active = is_active
    if start_date is not None:
        season.start_date = start_date
    try:
        with transaction.atomic():
            season.save()
    except IntegrityError:
        raise ApplicationError(SEASON_EXISTS, field="name") from None
    return season


# --- events ------------------------------------------------------------------------------------


def checked_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ApplicationError(EMPTY_TITLE, field="title")
    if len(title) > TITLE_MAX:
        raise ApplicationError(TITLE_TOO_LONG, field="title")
    return title


def checked_notes(notes: str) -> str:
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise ApplicationError(NOTES_TOO_LONG, field="notes")
    return notes


def checked_log_url(url: str) -> str:
    """An http(s) URL of at most 500 characters, or "" to clear it."""
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > LOG_URL_MAX:
        raise ApplicationError(BAD_LOG_URL, field="log_url")
    try:
        _http_url(url)
    except ValidationError:
        raise ApplicationError(BAD_LOG_URL, field="log_url") from None
    return url


def checked_raid_helper_id(value: str) -> str:
    value = (value or "").strip()
    if value and not _RAID_HELPER_ID.fullmatch(value):
        raise ApplicationError(BAD_RAID_HELPER_ID, field="raid_helper_event_id")
    return value


def checked_duration(duration: dt.timedelta) -> dt.timedelta:
    if not dt.timedelta(minutes=30) <= duration <= dt.timedelta(hours=12):
        raise ApplicationError(BAD_DURATION, field="duration")
    return duration


@transaction.atomic
def event_create(
    *,
    actor: Actor,
    guild_id: int,
    title: str,
    start: dt.datetime,
    duration: dt.timedelta = dt.timedelta(hours=2),
    timezone: str | zoneinfo.ZoneInfo = "UTC",
    discord_channel_id: int | None = None,
    notes: str = "",
    created_by: Player | None = None,
    now: dt.datetime | None = None,
) -> RaidEvent:
    """Create a raid event (it belongs to the season current on its date), and send `event_created` (the
    Discord side posts it and invites the auto-invite players). `event_date` is the start's date
    in `timezone` (the guild's zone). Officers only."""
    require_officer(actor, guild_id=guild_id)
    now = now or djtz.now()
    title = checked_title(title)
    notes = checked_notes(notes)
    checked_duration(duration)
    if start.tzinfo is None:
        raise ApplicationError(NAIVE_START, field="start")
    if start < now:
        raise ApplicationError(START_IN_PAST, field="start")
    if created_by is not None and created_by.guild_id != guild_id:
        raise ApplicationError(PLAYER_OF_OTHER_GUILD, field="created_by")
    zone = zone_or_error(timezone)
    if created_by is None and actor.user_id is not None:
        # The officer creating it from Discord joins the roster, as any write command does.
        created_by = player_ensure(
            guild_id=guild_id, discord_user_id=actor.user_id, role_ids=actor.role_ids, timezone=zone
        )
    event_date = start.astimezone(zone).date()
    event = RaidEvent.objects.create(
        guild_id=guild_id,
        title=title,
        event_date=event_date,
        start_time_utc=start.astimezone(dt.UTC),
        end_time_utc=(start + duration).astimezone(dt.UTC),
        discord_channel_id=discord_channel_id,
        notes=notes,
        created_by_player=created_by,
    )
    signals.event_created.send(sender=RaidEvent, event=event)
    return event


@transaction.atomic
def event_update(
    *,
    actor: Actor,
    event_id: int,
    guild_id: int | None = None,
    title: str | None = None,
    start: dt.datetime | None = None,
    duration: dt.timedelta | None = None,
    notes: str | None = None,
    log_url: str | None = None,
    raid_helper_event_id: str | None = None,
    timezone: str | zoneinfo.ZoneInfo = "UTC",
    now: dt.datetime | None = None,
) -> RaidEvent:
    """Change an event (officers of its guild; None leaves a field). The start and length can
    change until the event starts (the new start must be in the future; `event_date` is re-read
    in `timezone`, the guild's zone, so the event follows into another season if its date moves);
    title, notes, the log link and the Raid-Helper id can change at any time. A cancelled event
    cannot change. Sends `event_changed` (its post is re-rendered under a new version; those signed
    up hear of a new time) only when something changed."""
    now = now or djtz.now()
    event = _locked_event(event_id)
    if guild_id is not None and guild_id != event.guild_id:
        raise ApplicationError(NOT_IN_GUILD, field="event")
    require_officer(actor, guild_id=event.guild_id)
    if event.cancelled_at is not None:
        raise ApplicationError(EVENT_CANCELLED, field="event")
    changed: set[str] = set()
    new_values = {
        "title": checked_title(title) if title is not None else None,
        "notes": checked_notes(notes) if notes is not None else None,
        "log_url": checked_log_url(log_url) if log_url is not None else None,
        "raid_helper_event_id": checked_raid_helper_id(raid_helper_event_id)
        if raid_helper_event_id is not None
        else None,
    }
    for name, value in new_values.items():
        if value is not None and value != getattr(event, name):
            setattr(event, name, value)
            changed.add(name)
    if start is not None or duration is not None:
        if start is not None and start.tzinfo is None:
            raise ApplicationError(NAIVE_START, field="start")
        new_start = start.astimezone(dt.UTC) if start is not None else event.start_time_utc
        new_end = new_start + (checked_duration(duration) if duration is not None else event.duration)
        if (new_start, new_end) != (event.start_time_utc, event.end_time_utc):
            if event.start_time_utc <= now:
                raise ApplicationError(EVENT_STARTED, field="start")
            if new_start < now:
                raise ApplicationError(START_IN_PAST, field="start")
            event.start_time_utc, event.end_time_utc = new_start, new_end
            event.event_date = new_start.astimezone(zone_or_error(timezone)).date()
            event.reminder_sent_at = None  # remind them of the new time (its dedupe key carries the start)
            changed |= {"start_time_utc", "end_time_utc", "event_date", "reminder_sent_at"}
    if not changed:
        return event
    event.version += 1
    event.save(update_fields=[*sorted(changed), "version"])
    signals.event_changed.send(sender=RaidEvent, event=event, time_changed="start_time_utc" in changed, cancelled=False)
    return event


@transaction.atomic
def event_cancel(
    *, actor: Actor, event_id: int, guild_id: int | None = None, now: dt.datetime | None = None
) -> RaidEvent:
    """Cancel an event that has not ended (officers of its guild). Answers close, no reminder or
    summary is sent, and it no longer counts in the statistics; `event_changed` re-renders its
    post and tells those signed up, once (a second cancel is refused)."""
    now = now or djtz.now()
    event = _locked_event(event_id)
    if guild_id is not None and guild_id != event.guild_id:
        raise ApplicationError(NOT_IN_GUILD, field="event")
    require_officer(actor, guild_id=event.guild_id)
    if event.cancelled_at is not None:
        raise ApplicationError(EVENT_CANCELLED, field="event")
    if event.end_time_utc <= now:
        raise ApplicationError(EVENT_OVER, field="event")
    event.cancelled_at = now
    event.version += 1
    event.save(update_fields=["cancelled_at", "version"])
    signals.event_changed.send(sender=RaidEvent, event=event, time_changed=False, cancelled=True)
    return event


@transaction.atomic
def event_set_message(*, event_id: int, channel_id: int, message_id: int) -> RaidEvent | None:
    """Remember where the event was posted (the outbox's completion hook calls this). Returns
    None if the event was deleted meanwhile."""
    updated = RaidEvent.objects.filter(pk=event_id).update(discord_channel_id=channel_id, discord_message_id=message_id)
    return RaidEvent.objects.get(pk=event_id) if updated else None


def _locked_event(event_id: int) -> RaidEvent:
    event = RaidEvent.objects.select_for_update().filter(pk=event_id).first()
    if event is None:
        raise ApplicationError(EVENT_GONE, field="event")
    return event


@transaction.atomic
def attendance_answer(
    *,
    event_id: int,
    discord_user_id: int,
    answer: str,
    guild_id: int | None = None,
    reason: str = "",
    timezone: str | zoneinfo.ZoneInfo | None = None,
    now: dt.datetime | None = None,
) -> RaidAttendance:
    """A player's answer to an event: `signed_up`, `tentative` or `declined` (with a reason: an
    excused absence). `guild_id` is where the click happened (None in a DM, where only players
    already on the event's guild roster may answer; `timezone`, the guild's zone, is a new
    player's). Answers close when the event ends. The event row is locked, so concurrent answers
    serialize and the posted counts stay right."""
    now = now or djtz.now()
    if answer not in ANSWERS:
        raise ApplicationError(BAD_ANSWER, field="answer")
    reason = (reason or "").strip()
    if answer == "declined" and not reason:
        raise ApplicationError(NEED_REASON, field="reason")
    if len(reason) > 300:
        raise ApplicationError(REASON_TOO_LONG, field="reason")
    event = _locked_event(event_id)
    if guild_id is not None and guild_id != event.guild_id:
        raise ApplicationError(NOT_IN_GUILD, field="event")
    if event.cancelled_at is not None:
        raise ApplicationError(EVENT_CANCELLED, field="event")
    if event.end_time_utc <= now:
        raise ApplicationError(EVENT_ENDED, field="event")
    player = Player.objects.filter(guild_id=event.guild_id, discord_user_id=discord_user_id).first()
    if player is None:
        if guild_id is None:
            raise ApplicationError(NOT_A_PLAYER, field="player")
        player = player_ensure(guild_id=guild_id, discord_user_id=discord_user_id, timezone=timezone)
    row, _ = RaidAttendance.objects.update_or_create(
        event=event,
        player=player,
        defaults={
            "signed_up": answer == "signed_up",
            "tentative": answer == "tentative",
            "noted_absence": answer == "declined",
            "absence_reason": reason if answer == "declined" else "",
        },
    )
    # The post shows the answers: a new version of it (the Discord edit's dedupe key).
    event.version += 1
    event.save(update_fields=["version"])
    signals.attendance_answered.send(sender=RaidAttendance, attendance=row)
    return row


@transaction.atomic
def attendance_record(
    *,
    actor: Actor,
    event_id: int,
    player: Player,
    attended: bool = True,
    character: WowCharacter | None = None,
    source: str = RaidAttendance.Source.MANUAL,
    guild_id: int | None = None,
    now: dt.datetime | None = None,
) -> RaidAttendance:
    """Record whether a player attended an event that has started (insert or update; the answer
    they gave before is kept). Officers of the event's guild only."""
    now = now or djtz.now()
    event = _locked_event(event_id)
    if guild_id is not None and guild_id != event.guild_id:
        raise ApplicationError(NOT_IN_GUILD, field="event")
    require_officer(actor, guild_id=event.guild_id)
    if player.guild_id != event.guild_id:
        raise ApplicationError(PLAYER_OF_OTHER_GUILD, field="player")
    if character is not None and character.player_id != player.pk:
        raise ApplicationError(CHARACTER_OF_OTHER_PLAYER, field="character")
    if source not in RaidAttendance.Source.values:
        raise ApplicationError(BAD_SOURCE, field="source")
    if event.start_time_utc > now:
        raise ApplicationError(EVENT_NOT_STARTED, field="event")
    defaults = {"attended": attended, "source": source}
    if character is not None:
        defaults["character"] = character
    row, _ = RaidAttendance.objects.update_or_create(event=event, player=player, defaults=defaults)
    return row


@transaction.atomic
def attendance_record_for_user(
    *,
    actor: Actor,
    event_id: int,
    guild_id: int,
    discord_user_id: int,
    attended: bool = True,
    timezone: str | zoneinfo.ZoneInfo | None = None,
    now: dt.datetime | None = None,
) -> RaidAttendance:
    """`attendance_record` for a Discord user, adding them to the guild's roster if needed
    (officers only: checked before anyone is added)."""
    require_officer(actor, guild_id=guild_id)
    player = player_ensure(guild_id=guild_id, discord_user_id=discord_user_id, timezone=timezone)
    return attendance_record(
        actor=actor,
        event_id=event_id,
        player=player,
        attended=attended,
        guild_id=guild_id,
        source=RaidAttendance.Source.MANUAL,
        now=now,
    )


# --- beat: reminders and summaries -------------------------------------------------------------


@transaction.atomic
def event_send_reminder(*, event_id: int, now: dt.datetime | None = None) -> bool:
    """If the event starts within 30 minutes and has not been reminded, mark it reminded and send
    `event_reminder_due` with its signed-up players. The mark is a conditional UPDATE in the same
    transaction as the outbox rows, so however often or concurrently this runs, one reminder goes
    out. Returns whether this call sent it."""
    now = now or djtz.now()
    claimed = RaidEvent.objects.filter(
        pk=event_id,
        reminder_sent_at__isnull=True,
        cancelled_at__isnull=True,
        start_time_utc__gt=now,
        start_time_utc__lte=now + REMINDER_LEAD,
    ).update(reminder_sent_at=now)
    if not claimed:
        return False
    event = RaidEvent.objects.get(pk=event_id)
    players = list(
        Player.objects.filter(attendance__event=event, attendance__signed_up=True).order_by("display_name", "id")
    )
    signals.event_reminder_due.send(sender=RaidEvent, event=event, players=players)
    return True


@transaction.atomic
def event_send_summary(*, event_id: int, now: dt.datetime | None = None) -> bool:
    """Once the event has ended, mark it summarized and send `event_summary_due` with its
    attendance summary (exactly once, as for the reminder). Returns whether this call sent it."""
    now = now or djtz.now()
    claimed = RaidEvent.objects.filter(
        pk=event_id, summary_sent_at__isnull=True, cancelled_at__isnull=True, end_time_utc__lte=now
    ).update(summary_sent_at=now)
    if not claimed:
        return False
    event = RaidEvent.objects.get(pk=event_id)
    signals.event_summary_due.send(sender=RaidEvent, event=event, summary=event_summary(event=event))
    return True
