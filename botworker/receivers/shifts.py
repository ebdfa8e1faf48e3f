"""The shifts app's events as Discord side effects, through the outbox.

Every action on one shift's message shares the ordering key `shift:<id>`, and every edit names
the post by its dedupe key (`message_from`), so an edit never overtakes the post and the last
edit shows the last state. The post's completion hook hands the message id back to the shifts
app through a service.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver
from django.utils import timezone

from botworker.interactions import Reply, button, render_message
from botworker.models import BotAction
from botworker.outbox import completion_hook, enqueue
from shifts import services
from shifts.models import Shift
from shifts.signals import shift_changed, shift_reminder_due

logger = logging.getLogger("guildhall.shifts")

CLAIM_ACTION = "claim_shift"
RELEASE_ACTION = "release_shift"
POSTED_HOOK = "shifts.message_posted"

COLOURS = {"open": 0x2ECC71, "claimed": 0x3498DB, "cancelled": 0x95A5A6, "expired": 0xE67E22}
STATUS_LINES = {
    "open": "🟢 **Open** — press Claim to take it.",
    "claimed": "✅ **Claimed** by <@{claimed_by}>.",
    "cancelled": "❌ **Cancelled** by <@{cancelled_by}>.",
    "expired": "⌛ **Expired** — it started without anyone claiming it.",
}

CLAIMED_DM = "✅ <@{claimer}> claimed your shift #{shift_id} starting <t:{ts}:F> (<t:{ts}:R>)."
CANCELLED_DM = "❌ Shift #{shift_id} starting <t:{ts}:F>, which you claimed, was cancelled by <@{by}>.{reason}"
REMINDER_DM = "⏰ Reminder: your shift #{shift_id} starts <t:{ts}:R> (<t:{ts}:F>), for {hours:g} h.{desc}"


def post_key(shift_id: int) -> str:
    return f"shifts:shift:{shift_id}:post"


def ordering_key(shift_id: int) -> str:
    return f"shift:{shift_id}"


def hours_text(hours: float) -> str:
    whole, minutes = int(hours), round((hours - int(hours)) * 60)
    return f"{whole} h {minutes:02d} min" if minutes else f"{whole} h"


def shift_message(shift: Shift, *, now=None) -> Reply:
    """The shift's message in its current state: start as Discord timestamps, duration,
    description, who dropped it, whose shift it is, status, and the Claim button (disabled unless
    the shift is open)."""
    now = now or timezone.now()
    state = shift.state(now=now)
    ts = int(shift.start_time_utc.timestamp())
    fields = [
        {"name": "Start", "value": f"<t:{ts}:F> (<t:{ts}:R>)", "inline": False},
        {"name": "Duration", "value": hours_text(shift.duration_hours), "inline": True},
        {"name": "Dropped by", "value": f"<@{shift.created_by}>", "inline": True},
    ]
    if shift.assigned_user_id:
        fields.append({"name": "Whose shift", "value": f"<@{shift.assigned_user_id}>", "inline": True})
    if shift.claimed_by:
        fields.append({"name": "Claimed by", "value": f"<@{shift.claimed_by}>", "inline": True})
    if shift.cancelled and shift.cancel_reason:
        fields.append({"name": "Reason", "value": shift.cancel_reason, "inline": False})
    embed = {
        "title": f"Shift #{shift.pk}",
        "description": "\n".join(
            part
            for part in (
                STATUS_LINES[state].format(claimed_by=shift.claimed_by, cancelled_by=shift.cancelled_by),
                shift.description,
            )
            if part
        ),
        "color": COLOURS[state],
        "fields": fields,
    }
    labels = {"open": "Claim", "claimed": "Claimed", "cancelled": "Cancelled", "expired": "Expired"}
    row = [button(labels[state], f"{CLAIM_ACTION}:{shift.pk}", style=3, disabled=state != "open")]
    if state == "claimed" and shift.start_time_utc > now:
        # The claimer may give the shift back before it starts; the button checks who presses it.
        row.append(button("Release", f"{RELEASE_ACTION}:{shift.pk}", style=2))
    return Reply(embeds=[embed], components=[row])


def _body(reply: Reply) -> dict:
    message = render_message(reply)
    # allowed_mentions is not an outbox key: the outbox never pings anyone but the listed users.
    return {key: message[key] for key in ("content", "embeds", "components")}


def _dm(*, user_id: int, content: str, key: str, guild_id: int) -> None:
    enqueue(
        kind=BotAction.Kind.SEND_DM,
        payload={"user_id": user_id, "content": content},
        dedupe_key=key,
        guild_id=guild_id,
    )


@receiver(shift_changed, dispatch_uid="botworker.shifts.shift_changed")
def on_shift_changed(sender, shift: Shift, change: str, previous_claimer: int | None = None, **kwargs) -> None:
    body = _body(shift_message(shift))
    if change == "dropped":
        enqueue(
            kind=BotAction.Kind.SEND_MESSAGE,
            payload={"channel_id": shift.channel_id, **body},
            dedupe_key=post_key(shift.pk),
            guild_id=shift.guild_id,
            ordering_key=ordering_key(shift.pk),
            hook=POSTED_HOOK,
            hook_args={"shift_id": shift.pk},
        )
        return
    enqueue(
        kind=BotAction.Kind.EDIT_MESSAGE,
        payload={"message_from": post_key(shift.pk), **body},
        dedupe_key=f"shifts:shift:{shift.pk}:v{shift.version}",
        guild_id=shift.guild_id,
        ordering_key=ordering_key(shift.pk),
    )
    ts = int(shift.start_time_utc.timestamp())
    if change == "claimed":
        _dm(
            user_id=shift.created_by,
            content=CLAIMED_DM.format(claimer=shift.claimed_by, shift_id=shift.pk, ts=ts),
            key=f"shifts:shift:{shift.pk}:v{shift.version}:claimed-dm",
            guild_id=shift.guild_id,
        )
    elif change == "cancelled" and previous_claimer:
        reason = f" Reason: {shift.cancel_reason}" if shift.cancel_reason else ""
        _dm(
            user_id=previous_claimer,
            content=CANCELLED_DM.format(shift_id=shift.pk, ts=ts, by=shift.cancelled_by, reason=reason),
            key=f"shifts:shift:{shift.pk}:cancelled-dm",
            guild_id=shift.guild_id,
        )


@receiver(shift_reminder_due, dispatch_uid="botworker.shifts.reminder_due")
def on_reminder_due(sender, shift: Shift, **kwargs) -> None:
    # One reminder per shift, claimer and start: a re-claim or a moved start gets its own.
    ts = int(shift.start_time_utc.timestamp())
    _dm(
        user_id=shift.claimed_by,
        content=REMINDER_DM.format(
            shift_id=shift.pk,
            ts=ts,
            hours=shift.duration_hours,
            desc=f"\n> {shift.description}" if shift.description else "",
        ),
        key=f"shifts:shift:{shift.pk}:reminder:{shift.claimed_by}:{ts}",
        guild_id=shift.guild_id,
    )


@completion_hook(POSTED_HOOK)
def record_posted_message(action: BotAction, result: dict) -> None:
    services.shift_record_message(
        shift_id=int(action.hook_args["shift_id"]),
        channel_id=int(result["channel_id"]),
        message_id=int(result["message_id"]),
    )
