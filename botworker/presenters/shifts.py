"""How shifts look in Discord: the shift message (embed and buttons), slot lines, durations, and
the direct messages about a shift. The handlers answer with these and the receivers post them
through the outbox, so both show a shift the same way."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from botworker.interactions import Reply, button
from botworker.presenters.text import discord_format, when
from config.exceptions import UserRef
from config.timeutils import DAY_NAMES
from shifts import selectors
from shifts.models import ModSchedule, Shift

CLAIM_ACTION = "claim_shift"
RELEASE_ACTION = "release_shift"

COLOURS = {"open": 0x2ECC71, "claimed": 0x3498DB, "cancelled": 0x95A5A6, "expired": 0xE67E22}
STATUS_LINES = {
    "open": "🟢 **Open** — press Claim to take it.",
    "claimed": "✅ **Claimed** by {claimed_by}.",
    "cancelled": "❌ **Cancelled** by {cancelled_by}.",
    "expired": "⌛ **Expired** — it started without anyone claiming it.",
}
BUTTON_LABELS = {"open": "Claim", "claimed": "Claimed", "cancelled": "Cancelled", "expired": "Expired"}

CLAIMED_DM = "✅ {claimer} claimed your shift #{shift_id} starting {start:FR}."
CANCELLED_DM = "❌ Shift #{shift_id} starting {start}, which you claimed, was cancelled by {by}.{reason}"
REMINDER_DM = "⏰ Reminder: your shift #{shift_id} starts {start:R} ({start}), for {hours:g} h.{desc}"


def hours_text(hours: float) -> str:
    """1.5 → "1 h 30 min", 2 → "2 h"."""
    whole, minutes = int(hours), round((hours - int(hours)) * 60)
    return f"{whole} h {minutes:02d} min" if minutes else f"{whole} h"


def slot_label(slot: ModSchedule) -> str:
    """ "Monday 18:00" """
    return f"{DAY_NAMES[slot.day_of_week]} {slot.hour:02d}:{slot.minute:02d}"


def slot_line(slot: ModSchedule, *, now: datetime) -> str:
    """One line of a schedule: the slot, its zone and length, and its next start as a timestamp."""
    start = selectors.slot_next_start(slot, now=now)
    return (
        f"• **{slot_label(slot)}** {slot.timezone}, {hours_text(slot.duration_hours)} — next "
        f"{discord_format('{start}', start=start)}"
    )


def slot_choice_name(slot: ModSchedule, *, now: datetime) -> str:
    """The slot as an autocomplete choice (plain text: choices show no markup)."""
    start = selectors.slot_next_start(slot, now=now)
    return (
        f"{slot_label(slot)} {slot.timezone} ({hours_text(slot.duration_hours)}) — next "
        f"{start.astimezone(slot.timezone):%Y-%m-%d}"
    )


def shift_message(shift: Shift, *, now: datetime | None = None) -> Reply:
    """The shift's message in its current state: start as Discord timestamps, duration,
    description, who dropped it, whose shift it is, status, and the Claim button (disabled unless
    the shift is open), with a Release button while a claimed shift has not started."""
    now = now or timezone.now()
    state = shift.state(now=now)
    fields = [
        {"name": "Start", "value": when(shift.start_time_utc), "inline": False},
        {"name": "Duration", "value": hours_text(shift.duration_hours), "inline": True},
        {"name": "Dropped by", "value": discord_format("{user}", user=UserRef(shift.created_by)), "inline": True},
    ]
    if shift.assigned_user_id:
        fields.append(
            {
                "name": "Whose shift",
                "value": discord_format("{user}", user=UserRef(shift.assigned_user_id)),
                "inline": True,
            }
        )
    if shift.claimed_by:
        fields.append(
            {"name": "Claimed by", "value": discord_format("{user}", user=UserRef(shift.claimed_by)), "inline": True}
        )
    if shift.cancelled and shift.cancel_reason:
        fields.append({"name": "Reason", "value": shift.cancel_reason, "inline": False})
    status = discord_format(
        STATUS_LINES[state],
        claimed_by=UserRef(shift.claimed_by) if shift.claimed_by else None,
        cancelled_by=UserRef(shift.cancelled_by) if shift.cancelled_by else None,
    )
    embed = {
        "title": f"Shift #{shift.pk}",
        "description": "\n".join(part for part in (status, shift.description) if part),
        "color": COLOURS[state],
        "fields": fields,
    }
    row = [button(BUTTON_LABELS[state], f"{CLAIM_ACTION}:{shift.pk}", style=3, disabled=state != "open")]
    if state == "claimed" and shift.start_time_utc > now:
        # The claimer may give the shift back before it starts; the button checks who presses it.
        row.append(button("Release", f"{RELEASE_ACTION}:{shift.pk}", style=2))
    return Reply(embeds=[embed], components=[row])


def claimed_dm(shift: Shift) -> Reply:
    """To the dropper: who claimed their shift."""
    return Reply(
        content=discord_format(
            CLAIMED_DM, claimer=UserRef(shift.claimed_by), shift_id=shift.pk, start=shift.start_time_utc
        )
    )


def cancelled_dm(shift: Shift) -> Reply:
    """To the former claimer: the shift they claimed was cancelled (and why)."""
    reason = f" Reason: {shift.cancel_reason}" if shift.cancel_reason else ""
    return Reply(
        content=discord_format(
            CANCELLED_DM,
            shift_id=shift.pk,
            start=shift.start_time_utc,
            by=UserRef(shift.cancelled_by),
            reason=reason,
        )
    )


def reminder_dm(shift: Shift) -> Reply:
    """To the claimer, shortly before the start."""
    return Reply(
        content=discord_format(
            REMINDER_DM,
            shift_id=shift.pk,
            start=shift.start_time_utc,
            hours=shift.duration_hours,
            desc=f"\n> {shift.description}" if shift.description else "",
        )
    )
