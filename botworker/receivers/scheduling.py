"""The scheduling and attendance apps' events as Discord side effects, through the outbox.

A raid event's post and every later edit of it share the ordering key `raid_event:<id>`, and
edits name the post by its dedupe key (`message_from`), so an edit never overtakes the post; each
edit's dedupe key carries the event's version, bumped by every change that re-renders it. The
post's completion hook hands the message id back to the attendance app through a service.
Invitations, reminders and the summary each have one dedupe key per event (and player), so a
receiver that runs twice sends nothing twice.
"""

from __future__ import annotations

from django.dispatch import receiver

from attendance import services as attendance_services
from attendance.models import RaidAttendance, RaidEvent
from attendance.selectors import event_answers
from attendance.signals import (
    attendance_answered,
    event_changed,
    event_created,
    event_reminder_due,
    event_summary_due,
)
from botworker.guilds import channel_for, guild_config_for
from botworker.models import BotAction
from botworker.outbox import completion_hook, enqueue
from botworker.presenters import scheduling as present
from botworker.receivers.common import enqueue_dm, message_body
from scheduling.models import Player

POSTED_HOOK = "attendance.event_posted"


def post_key(event_id: int) -> str:
    return f"attendance:event:{event_id}:post"


def edit_key(event: RaidEvent) -> str:
    return f"attendance:event:{event.pk}:edit:{event.version}"


def ordering_key(event_id: int) -> str:
    return f"raid_event:{event_id}"


def _post_body(event: RaidEvent) -> dict:
    event = RaidEvent.objects.with_season().get(pk=event.pk)  # the season follows the date: read it now
    return message_body(present.event_message(event, event_answers(event=event)))


@receiver(event_created, dispatch_uid="botworker.scheduling.event_created")
def on_event_created(sender, event: RaidEvent, **kwargs) -> None:
    if event.discord_channel_id:
        enqueue(
            kind=BotAction.Kind.SEND_MESSAGE,
            payload={"channel_id": event.discord_channel_id, **_post_body(event)},
            dedupe_key=post_key(event.pk),
            guild_id=event.guild_id,
            ordering_key=ordering_key(event.pk),
            hook=POSTED_HOOK,
            hook_args={"event_id": event.pk},
        )
    invite = present.invite_dm(event)
    for player in Player.objects.filter(guild_id=event.guild_id, auto_invite_events=True).only("discord_user_id"):
        enqueue_dm(
            user_id=player.discord_user_id,
            reply=invite,
            dedupe_key=f"attendance:event:{event.pk}:invite:{player.discord_user_id}",
            guild_id=event.guild_id,
        )


@receiver(attendance_answered, dispatch_uid="botworker.scheduling.attendance_answered")
def on_attendance_answered(sender, attendance: RaidAttendance, **kwargs) -> None:
    event = RaidEvent.objects.get(pk=attendance.event_id)
    if not event.discord_channel_id:
        return
    # The service holds the event's row lock and bumped its version, so edits are enqueued in
    # the order of the answers, one per version, and the last edit shows every answer.
    _enqueue_post_edit(event)


def _enqueue_post_edit(event: RaidEvent) -> None:
    enqueue(
        kind=BotAction.Kind.EDIT_MESSAGE,
        payload={"message_from": post_key(event.pk), **_post_body(event)},
        dedupe_key=edit_key(event),
        guild_id=event.guild_id,
        ordering_key=ordering_key(event.pk),
    )


@receiver(event_changed, dispatch_uid="botworker.scheduling.event_changed")
def on_event_changed(sender, event: RaidEvent, time_changed: bool, cancelled: bool, **kwargs) -> None:
    """An officer edited or cancelled the event: re-render the post (this version's key), and DM
    the players signed up once per change (the key carries the version, or "cancelled")."""
    if event.discord_channel_id:
        _enqueue_post_edit(event)
    if not (time_changed or cancelled):
        return
    reply = present.cancelled_dm(event) if cancelled else present.moved_dm(event)
    change = "cancelled" if cancelled else f"moved:{event.version}"
    signed_up = Player.objects.filter(attendance__event=event, attendance__signed_up=True).only("discord_user_id")
    for player in signed_up:
        enqueue_dm(
            user_id=player.discord_user_id,
            reply=reply,
            dedupe_key=f"attendance:event:{event.pk}:{change}:{player.discord_user_id}",
            guild_id=event.guild_id,
        )


@receiver(event_reminder_due, dispatch_uid="botworker.scheduling.reminder_due")
def on_reminder_due(sender, event: RaidEvent, players: list[Player], **kwargs) -> None:
    reminder = present.reminder_dm(event)
    ts = int(event.start_time_utc.timestamp())
    for player in players:
        enqueue_dm(
            user_id=player.discord_user_id,
            reply=reminder,
            dedupe_key=f"attendance:event:{event.pk}:reminder:{player.discord_user_id}:{ts}",
            guild_id=event.guild_id,
        )


@receiver(event_summary_due, dispatch_uid="botworker.scheduling.summary_due")
def on_summary_due(sender, event: RaidEvent, summary: dict, **kwargs) -> None:
    config = guild_config_for(event.guild_id)
    channel_id = channel_for(config, "officers") if config else None
    if channel_id is None:
        return  # no officers' channel configured: the summary is in the API and /attendance stats
    enqueue(
        kind=BotAction.Kind.SEND_MESSAGE,
        payload={"channel_id": channel_id, **message_body(present.summary_message(event, summary))},
        dedupe_key=f"attendance:event:{event.pk}:summary",
        guild_id=event.guild_id,
    )


@completion_hook(POSTED_HOOK)
def record_posted_message(action: BotAction, result: dict) -> None:
    attendance_services.event_set_message(
        event_id=int(action.hook_args["event_id"]),
        channel_id=int(result["channel_id"]),
        message_id=int(result["message_id"]),
    )
