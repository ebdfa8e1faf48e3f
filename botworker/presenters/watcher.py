"""How the announcement watcher looks in Discord: its messages in the guild's log channel (what it
understood, with Fix and Delete; what it could not read, with the reason), the Fix modal and the
answers to Fix and Delete."""

from __future__ import annotations

from botworker.interactions import Modal, Reply, TextInput, button
from botworker.presenters.text import channel_mention, error_text, timestamp, user_mention
from config.exceptions import ApplicationError
from scheduling.models import Reminder
from scheduling.services.reminders import describe_days

FIX_ACTION = "watch_fix"
FIX_MODAL = "watch_fix_save"
DELETE_ACTION = "watch_delete"

NO_MENTIONS = {"parse": []}


def message_link(guild_id: int, channel_id: int, message_id: int) -> str:
    """Discord's link to a message (what the client's "Copy Message Link" gives)."""
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def _source(reminder: Reminder) -> str:
    if reminder.origin_channel_id and reminder.origin_message_id:
        return message_link(reminder.guild_id, reminder.origin_channel_id, reminder.origin_message_id)
    return ""


def reminder_summary(reminder: Reminder) -> list[str]:
    """What the watcher understood: name, when (a Discord timestamp, or the days and time), location."""
    lines = [f"**{reminder.name}**"]
    if reminder.event_time is not None:
        lines.append(f"🗓️ {timestamp(reminder.event_time, 'F')} ({timestamp(reminder.event_time, 'R')})")
    else:
        lines.append(f"🔁 {describe_days(reminder.days)} at {reminder.time:%H:%M} ({reminder.timezone})")
    if reminder.location:
        lines.append(f"📍 {reminder.location}")
    if reminder.status == Reminder.Status.ACTIVE and reminder.next_fire_at is not None:
        lines.append(f"Next reminder {timestamp(reminder.next_fire_at, 'R')} in {channel_mention(reminder.channel_id)}")
    else:
        lines.append("No reminder will be sent (archived).")
    return lines


def _buttons(reminder: Reminder) -> list[list[dict]]:
    return [
        [
            button("Fix", f"{FIX_ACTION}:{reminder.pk}", style=1, emoji="✏️"),
            button("Delete", f"{DELETE_ACTION}:{reminder.pk}", style=4, emoji="🗑️"),
        ]
    ]


def understood_log(reminder: Reminder, *, created: bool) -> Reply:
    """The log message for an announcement that became (or changed) a reminder."""
    verb = "read" if created else "edited"
    headline = f"📣 Announcement {verb}: reminder {'created' if created else 'updated'}"
    source = _source(reminder)
    lines = [headline + (f" ({source})" if source else ""), *reminder_summary(reminder)]
    return Reply(content="\n".join(lines), components=_buttons(reminder), allowed_mentions=NO_MENTIONS)


def not_understood_log(
    *, guild_id: int, channel_id: int, message_id: int, reason: ApplicationError, reminder: Reminder | None
) -> Reply:
    """The log message for an announcement the watcher could not read: the reason, and when an
    edit made it unreadable, the reminder that was archived (Fix brings it back)."""
    lines = [
        f"⚠️ Announcement not understood ({message_link(guild_id, channel_id, message_id)})",
        f"Reason: {error_text(reason)}",
    ]
    if reminder is None:
        lines.append("No reminder was created. Edit the announcement, or use /add_reminder.")
        return Reply(content="\n".join(lines), allowed_mentions=NO_MENTIONS)
    lines.append(f"Its reminder **{reminder.name}** is archived until the announcement is edited or fixed.")
    return Reply(content="\n".join(lines), components=_buttons(reminder), allowed_mentions=NO_MENTIONS)


def withdrawn_log(reminder: Reminder) -> Reply:
    return Reply(
        content=f"🗑️ The announcement was deleted: reminder **{reminder.name}** archived.",
        allowed_mentions=NO_MENTIONS,
    )


def fix_modal(reminder: Reminder) -> Modal:
    """Date (one-off) or days (recurring), time and location, filled in with what was understood."""
    zone_time = reminder.event_time.astimezone(reminder.timezone) if reminder.event_time else None
    if zone_time is not None:
        first = TextInput("date", "Date (YYYY-MM-DD)", value=f"{zone_time:%Y-%m-%d}", max_length=10, min_length=10)
        clock = f"{zone_time:%H:%M}"
    else:
        first = TextInput(
            "days", "Days (mon,wed / daily / weekdays)", value=describe_days(reminder.days), max_length=100
        )
        clock = f"{reminder.time:%H:%M}"
    return Modal(
        custom_id=f"{FIX_MODAL}:{reminder.pk}",
        title=f"Fix {reminder.name}"[:45],
        inputs=[
            first,
            TextInput("time", f"Time (HH:MM, {reminder.timezone})"[:45], value=clock, max_length=5, min_length=3),
            TextInput("location", "Location", value=reminder.location or None, required=False, max_length=200),
        ],
    )


def fixed(reminder: Reminder, *, user_id: int) -> Reply:
    """The log message after a Fix (it replaces the message the Fix was on)."""
    lines = [f"✏️ Reminder fixed by {user_mention(user_id)}", *reminder_summary(reminder)]
    return Reply(content="\n".join(lines), components=_buttons(reminder), update=True, allowed_mentions=NO_MENTIONS)


def dismissed(reminder: Reminder, *, user_id: int) -> Reply:
    """The log message after a Delete (it replaces the message; its buttons are gone)."""
    return Reply(
        content=f"🗑️ Reminder **{reminder.name}** deleted by {user_mention(user_id)}; the announcement is no longer watched.",
        update=True,
        allowed_mentions=NO_MENTIONS,
    )
