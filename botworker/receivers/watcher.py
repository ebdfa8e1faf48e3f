"""The announcement watcher's log: what it understood (with Fix and Delete), what it could not
read (with the reason) and withdrawn announcements, posted in the guild's log channel through the
outbox, in the service's transaction.

Each log message is keyed by the announcement record's ``updated_at`` (changed by every read that
sends a signal), so a receiver that runs twice posts once and every real change is logged. All
messages about one announcement share the ordering key ``watcher:<guild>:<message>``. A guild
without a log channel gets no log (the reminders are still made)."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from botworker.guilds import channel_for, guild_config_for
from botworker.interactions import Reply
from botworker.models import BotAction, GuildChannel
from botworker.outbox import enqueue
from botworker.presenters import watcher as present
from botworker.receivers.common import message_body
from scheduling.models import Announcement, Reminder
from scheduling.signals import announcement_not_understood, announcement_understood, announcement_withdrawn

logger = logging.getLogger("guildhall.watcher")


def log_channel(guild_id: int) -> int | None:
    config = guild_config_for(guild_id)
    return channel_for(config, GuildChannel.Feature.LOGS) if config is not None else None


def _post(record: Announcement, reply: Reply, event: str) -> None:
    channel_id = log_channel(record.guild_id)
    if channel_id is None:
        logger.info(
            "guild %s has no log channel: watcher %s of message %s not logged",
            record.guild_id,
            event,
            record.message_id,
        )
        return
    version = int(record.updated_at.timestamp() * 1_000_000)
    enqueue(
        kind=BotAction.Kind.SEND_MESSAGE,
        payload={"channel_id": channel_id, **message_body(reply)},
        dedupe_key=f"watcher:{record.guild_id}:{record.message_id}:{event}:{version}",
        guild_id=record.guild_id,
        ordering_key=f"watcher:{record.guild_id}:{record.message_id}",
    )


@receiver(announcement_understood, dispatch_uid="botworker.watcher.understood")
def on_understood(sender, reminder: Reminder, created: bool, **kwargs) -> None:
    record = Announcement.objects.get(reminder=reminder)
    _post(record, present.understood_log(reminder, created=created), "created" if created else "updated")


@receiver(announcement_not_understood, dispatch_uid="botworker.watcher.not_understood")
def on_not_understood(sender, guild_id: int, channel_id: int, message_id: int, reason, reminder=None, **kwargs) -> None:
    record = Announcement.objects.get(guild_id=guild_id, message_id=message_id)
    reply = present.not_understood_log(
        guild_id=guild_id, channel_id=channel_id, message_id=message_id, reason=reason, reminder=reminder
    )
    _post(record, reply, "not_understood")


@receiver(announcement_withdrawn, dispatch_uid="botworker.watcher.withdrawn")
def on_withdrawn(sender, reminder: Reminder, **kwargs) -> None:
    record = Announcement.objects.get(reminder=reminder)
    _post(record, present.withdrawn_log(reminder), "withdrawn")
