"""The scheduling and attendance apps' events as Discord side effects, through the outbox.

A raid event's post and every later edit of it share the ordering key `raid_event:<id>`, and
edits name the post by its dedupe key (`message_from`), so an edit never overtakes the post. The
post's completion hook hands the message id back to the attendance app through a service.
Invitations, reminders and the summary each have one dedupe key per event (and player), so a
receiver that runs twice sends nothing twice.
"""

from __future__ import annotations

import uuid

from django.dispatch import receiver

from attendance import services as attendance_services
from attendance.models import RaidAttendance, RaidEvent
from attendance.selectors import event_answers
from attendance.signals import attendance_answered, event_created, event_reminder_due, event_summary_due
from botworker.guilds import channel_for, guild_config_for
from botworker.interactions import Reply, button, render_message
from botworker.models import BotAction
from botworker.outbox import completion_hook, enqueue
from scheduling.models import Player

POSTED_HOOK = "attendance.event_posted"
SIGNUP_ACTION = "raid_signup"
TENTATIVE_ACTION = "raid_tentative"
DECLINE_ACTION = "raid_decline"
DECLINE_MODAL = "raid_decline_reason"
LIST_LIMIT = 40  # names per answer in the event message; the rest is a count

INVITE_DM = "📅 You're invited: **{title}** starts <t:{ts}:F> (<t:{ts}:R>). Will you come?"
REMINDER_DM = "⏰ **{title}** starts <t:{ts}:R> (<t:{ts}:F>). See you there!"
SUMMARY_TITLE = "Attendance: {title}"


def post_key(event_id: int) -> str:
    return f"attendance:event:{event_id}:post"


def ordering_key(event_id: int) -> str:
    return f"raid_event:{event_id}"


def answer_buttons(event_id: int) -> list[list[dict]]:
    return [
        [
            button("Sign up", f"{SIGNUP_ACTION}:{event_id}", style=3, emoji="✅"),
            button("Tentative", f"{TENTATIVE_ACTION}:{event_id}", style=2, emoji="❔"),
            button("Can't come", f"{DECLINE_ACTION}:{event_id}", style=4, emoji="❌"),
        ]
    ]


def _names(players: list[Player]) -> str:
    shown = ", ".join(player.mention for player in players[:LIST_LIMIT])
    more = len(players) - LIST_LIMIT
    return (shown + (f" and {more} more" if more > 0 else "")) or "—"


def event_message(event: RaidEvent) -> Reply:
    """The event's post: title, start and end as Discord timestamps, notes, the answers so far,
    and the three answer buttons."""
    start, end = int(event.start_time_utc.timestamp()), int(event.end_time_utc.timestamp())
    answers = event_answers(event=event)
    embed = {
        "title": f"📅 {event.title}",
        "description": f"<t:{start}:F> – <t:{end}:t> (<t:{start}:R>)" + (f"\n\n{event.notes}" if event.notes else ""),
        "color": 0x5865F2,
        "fields": [
            {"name": f"✅ Signed up ({len(answers['signed_up'])})", "value": _names(answers["signed_up"])},
            {"name": f"❔ Tentative ({len(answers['tentative'])})", "value": _names(answers["tentative"])},
            {"name": f"❌ Can't come ({len(answers['declined'])})", "value": _names(answers["declined"])},
        ],
        "footer": {"text": f"Event #{event.pk}" + (f" · {event.season.name}" if event.season_id else "")},
    }
    return Reply(embeds=[embed], components=answer_buttons(event.pk))


def _body(reply: Reply) -> dict:
    message = render_message(reply)
    return {key: message[key] for key in ("content", "embeds", "components") if message[key]}


@receiver(event_created, dispatch_uid="botworker.scheduling.event_created")
def on_event_created(sender, event: RaidEvent, **kwargs) -> None:
    if event.discord_channel_id:
        enqueue(
            kind=BotAction.Kind.SEND_MESSAGE,
            payload={"channel_id": event.discord_channel_id, **_body(event_message(event))},
            dedupe_key=post_key(event.pk),
            guild_id=event.guild_id,
            ordering_key=ordering_key(event.pk),
            hook=POSTED_HOOK,
            hook_args={"event_id": event.pk},
        )
    ts = int(event.start_time_utc.timestamp())
    invite = {
        "content": INVITE_DM.format(title=event.title, ts=ts),
        "components": render_message(Reply(components=answer_buttons(event.pk)))["components"],
    }
    for player in Player.objects.filter(guild_id=event.guild_id, auto_invite_events=True).only("discord_user_id"):
        enqueue(
            kind=BotAction.Kind.SEND_DM,
            payload={"user_id": player.discord_user_id, **invite},
            dedupe_key=f"attendance:event:{event.pk}:invite:{player.discord_user_id}",
            guild_id=event.guild_id,
        )


@receiver(attendance_answered, dispatch_uid="botworker.scheduling.attendance_answered")
def on_attendance_answered(sender, attendance: RaidAttendance, **kwargs) -> None:
    event = RaidEvent.objects.select_related("season").get(pk=attendance.event_id)
    if not event.discord_channel_id:
        return
    # The service holds the event's row lock, so edits are enqueued in the order of the answers
    # and the last edit shows every answer.
    enqueue(
        kind=BotAction.Kind.EDIT_MESSAGE,
        payload={"message_from": post_key(event.pk), **_body(event_message(event))},
        dedupe_key=f"attendance:event:{event.pk}:edit:{uuid.uuid4().hex}",
        guild_id=event.guild_id,
        ordering_key=ordering_key(event.pk),
    )


@receiver(event_reminder_due, dispatch_uid="botworker.scheduling.reminder_due")
def on_reminder_due(sender, event: RaidEvent, players: list[Player], **kwargs) -> None:
    ts = int(event.start_time_utc.timestamp())
    for player in players:
        enqueue(
            kind=BotAction.Kind.SEND_DM,
            payload={"user_id": player.discord_user_id, "content": REMINDER_DM.format(title=event.title, ts=ts)},
            dedupe_key=f"attendance:event:{event.pk}:reminder:{player.discord_user_id}:{ts}",
            guild_id=event.guild_id,
        )


def summary_message(event: RaidEvent, summary: dict) -> Reply:
    start = int(event.start_time_utc.timestamp())
    total = sum(len(summary[key]) for key in ("attended", "excused", "unexcused"))
    embed = {
        "title": SUMMARY_TITLE.format(title=event.title),
        "description": f"<t:{start}:F> · {len(summary['attended'])} of {total} attended",
        "color": 0x3498DB,
        "fields": [
            {"name": f"✅ Attended ({len(summary['attended'])})", "value": _names(summary["attended"])},
            {"name": f"📝 Excused ({len(summary['excused'])})", "value": _names(summary["excused"])},
            {"name": f"⚠️ Absent without notice ({len(summary['unexcused'])})", "value": _names(summary["unexcused"])},
        ],
        "footer": {"text": f"Event #{event.pk}"},
    }
    return Reply(embeds=[embed])


@receiver(event_summary_due, dispatch_uid="botworker.scheduling.summary_due")
def on_summary_due(sender, event: RaidEvent, summary: dict, **kwargs) -> None:
    config = guild_config_for(event.guild_id)
    channel_id = channel_for(config, "officers") if config else None
    if channel_id is None:
        return  # no officers' channel configured: the summary is in the API and /attendance stats
    enqueue(
        kind=BotAction.Kind.SEND_MESSAGE,
        payload={"channel_id": channel_id, **_body(summary_message(event, summary))},
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
