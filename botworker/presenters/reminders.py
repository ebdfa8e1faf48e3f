"""How a reminder looks in Discord: the message posted when it fires, and the answers of the
reminder commands (/add_reminder, /reminder_list, /reminder_delete)."""

from __future__ import annotations

from datetime import datetime

from botworker.interactions.paging import PagedText
from botworker.presenters.text import discord_format, role_mention, timestamp
from config.exceptions import ChannelRef
from scheduling.models import Reminder
from scheduling.services.reminders import reminder_when_text


def reminder_content(reminder: Reminder, *, kind: str, occurrence: datetime) -> str:
    """The message of one send: "early" (the event is coming), "event" (it starts now) or "weekly"."""
    if kind == "early":
        start = reminder.event_time
        headline = f"⏰ **{reminder.name}** starts {timestamp(start, 'R')} ({timestamp(start, 'F')})"
    elif kind == "event":
        headline = f"🔔 **{reminder.name}** starts now ({timestamp(reminder.event_time, 't')})"
    else:
        headline = f"🔔 **{reminder.name}**"
    lines = []
    mentions = []
    if reminder.mention_role_id:
        mentions.append(role_mention(reminder.mention_role_id))
    if reminder.mention_everyone:
        mentions.append("@everyone")
    lines.append(" ".join([*mentions, headline]))
    lines.append(reminder.message)
    if reminder.location:
        lines.append(f"📍 {reminder.location}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- command answers

CREATED = "Reminder **{name}** (#{reminder_id}) created: {when}, in {channel}.{mention} Next send: {next:FR}."
DELETED = "Reminder **{name}** (#{reminder_id}) deleted: it will not be sent again."
LIST_TITLE = "**Reminders{where}**"
LIST_EMPTY = "No active reminders{where}. Moderators add one with `/add_reminder`."
LIST_FOOTER = "-# {count} reminder(s)"
LIST_LINE = "• **{name}** (#{reminder_id}) in {channel}: {when} — next {next:FR}"
LIST_LINE_DONE = "• **{name}** (#{reminder_id}) in {channel}: {when} — nothing left to send"


def _mentions(reminder: Reminder) -> str:
    parts = []
    if reminder.mention_role_id:
        parts.append(role_mention(reminder.mention_role_id))
    if reminder.mention_everyone:
        parts.append("@everyone")
    return f" Mentions {' and '.join(parts)}." if parts else ""


def reminder_created(reminder: Reminder) -> str:
    """The answer to /add_reminder (shown only to the moderator; the mentions are not pinged)."""
    return discord_format(
        CREATED,
        name=reminder.name,
        reminder_id=reminder.pk,
        when=reminder_when_text(reminder),
        channel=ChannelRef(reminder.channel_id),
        mention=_mentions(reminder),
        next=reminder.next_fire_at,
    )


def reminder_deleted(reminder: Reminder) -> str:
    return discord_format(DELETED, name=reminder.name, reminder_id=reminder.pk)


def reminder_line(reminder: Reminder) -> str:
    """One line of /reminder_list: its name, channel, when, and its next send as a timestamp."""
    params = {
        "name": reminder.name,
        "reminder_id": reminder.pk,
        "channel": ChannelRef(reminder.channel_id),
        "when": reminder_when_text(reminder),
    }
    if reminder.next_fire_at is None:
        return discord_format(LIST_LINE_DONE, **params)
    return discord_format(LIST_LINE, next=reminder.next_fire_at, **params)


def reminder_list(reminders: list[Reminder], *, channel_id: int | None) -> PagedText:
    where = discord_format(" in {channel}", channel=ChannelRef(channel_id)) if channel_id else ""
    return PagedText(
        lines=[reminder_line(reminder) for reminder in reminders],
        header=LIST_TITLE.format(where=where),
        footer=LIST_FOOTER.format(count=len(reminders)),
        empty=LIST_EMPTY.format(where=where),
    )


def reminder_choice_name(reminder: Reminder) -> str:
    """How a reminder reads in the /reminder_delete autocomplete (plain text: no markup there)."""
    return f"#{reminder.pk} {reminder.name} ({reminder_when_text(reminder)})"
