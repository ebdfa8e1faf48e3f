"""How a reminder looks in Discord: the message posted when it fires."""

from __future__ import annotations

from datetime import datetime

from botworker.presenters.text import role_mention, timestamp
from scheduling.models import Reminder


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
