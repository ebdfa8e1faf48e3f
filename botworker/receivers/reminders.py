"""Reminders' occurrences as messages, through the outbox, in the dispatcher's transaction.

Each send's dedupe key is its occurrence (`reminder:<id>:<kind>:<unix>`), so it is queued once;
all sends of one reminder share the ordering key `reminder:<id>`. When a one-off's event starts
and its guild replaces the early message, the early message is deleted (by its dedupe key, so the
delete waits for the send) before the event message is posted.
"""

from __future__ import annotations

from datetime import datetime

from django.dispatch import receiver

from botworker.outbox import DeleteMessage, SendMessage, enqueue_many
from botworker.presenters.reminders import reminder_content
from botworker.receivers.clock import hook_for
from scheduling import dispatcher
from scheduling.models import Dispatch, Reminder
from scheduling.signals import reminders_due


def send_key(reminder_id: int, kind: str, occurrence: datetime) -> str:
    return f"reminder:{reminder_id}:{kind}:{int(occurrence.timestamp())}"


def ordering_key(reminder_id: int) -> str:
    return f"reminder:{reminder_id}"


@receiver(reminders_due, dispatch_uid="botworker.reminders.due")
def on_reminders_due(sender, firings: list[dispatcher.Firing], **kwargs) -> None:
    events = [firing for firing in firings if firing.kind == "event"]
    early_sent: dict[int, Dispatch] = {}
    settings = {}
    if events:
        settings = dispatcher.settings_for(firing.row.guild_id for firing in events)
        for record in Dispatch.objects.filter(
            source="reminder",
            source_id__in=[firing.row.pk for firing in events],
            kind="early",
            status__in=[Dispatch.Status.SENT, Dispatch.Status.LATE],
        ):
            early_sent[record.source_id] = record
    items = []
    for firing in firings:
        reminder: Reminder = firing.row
        order = ordering_key(reminder.pk)
        early = early_sent.get(reminder.pk) if firing.kind == "event" else None
        if early is not None and settings[reminder.guild_id].replace_early_reminder:
            items.append(
                {
                    "payload": DeleteMessage(
                        channel_id=reminder.channel_id,
                        message_from=send_key(reminder.pk, "early", early.occurrence),
                        reason="replaced by the reminder at the event's start",
                    ),
                    "dedupe_key": send_key(reminder.pk, "replace", firing.occurrence),
                    "guild_id": reminder.guild_id,
                    "ordering_key": order,
                }
            )
        items.append(
            {
                "payload": SendMessage(
                    channel_id=reminder.channel_id,
                    content=reminder_content(reminder, kind=firing.kind, occurrence=firing.occurrence),
                    mention_roles=[reminder.mention_role_id] if reminder.mention_role_id else None,
                    mention_everyone=reminder.mention_everyone or None,
                ),
                "dedupe_key": send_key(reminder.pk, firing.kind, firing.occurrence),
                "guild_id": reminder.guild_id,
                "ordering_key": order,
                **hook_for(firing.dispatch.pk),
            }
        )
    enqueue_many(items)
