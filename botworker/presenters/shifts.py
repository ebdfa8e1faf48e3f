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
from shifts.models import ModSchedule, Shift, hours_to_minutes

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
CLAIMED_DM_DROPPER = "✅ {claimer} claimed {owner}'s shift #{shift_id}, which you dropped, starting {start:FR}."
RELEASED_DM = "↩️ {claimer} released your shift #{shift_id} starting {start:FR}; it is open to claim again."
RELEASED_DM_DROPPER = (
    "↩️ {claimer} released {owner}'s shift #{shift_id}, which you dropped, starting {start:FR}; it is open to "
    "claim again."
)
CANCELLED_DM = "❌ Shift #{shift_id} starting {start}, which you claimed, was cancelled by {by}.{reason}"
CANCELLED_DM_OWNER = "❌ Your shift #{shift_id} starting {start} was cancelled by {by}.{reason}"
CANCELLED_DM_DROPPER = (
    "❌ {owner}'s shift #{shift_id}, which you dropped, starting {start}, was cancelled by {by}.{reason}"
)
REMINDER_DM = "⏰ Reminder: your shift #{shift_id} starts {start:R} ({start}), for {length}.{desc}"


def minutes_text(minutes: int) -> str:
    """90 → "1 h 30 min", 120 → "2 h", 15 → "15 min"."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def hours_text(hours: float) -> str:
    """Hours rounded once to whole minutes, then written out: 1.5 → "1 h 30 min", 1.9999 → "2 h"
    (never "1 h 60 min")."""
    return minutes_text(hours_to_minutes(hours))


def slot_label(slot: ModSchedule) -> str:
    """ "Monday 18:00" """
    return f"{DAY_NAMES[slot.day_of_week]} {slot.hour:02d}:{slot.minute:02d}"


def slot_line(slot: ModSchedule, *, now: datetime) -> str:
    """One line of a schedule: the slot, its zone and length, and its next start as a timestamp."""
    start = selectors.slot_next_start(slot, now=now)
    return (
        f"• **{slot_label(slot)}** {slot.timezone}, {minutes_text(slot.duration_minutes)} — next "
        f"{discord_format('{start}', start=start)}"
    )


def slot_choice_name(slot: ModSchedule, *, now: datetime) -> str:
    """The slot as an autocomplete choice (plain text: choices show no markup)."""
    start = selectors.slot_next_start(slot, now=now)
    return (
        f"{slot_label(slot)} {slot.timezone} ({minutes_text(slot.duration_minutes)}) — next "
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
        {"name": "Duration", "value": minutes_text(shift.duration_minutes), "inline": True},
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


def _is_owner(shift: Shift, recipient: int) -> bool:
    """Whether `recipient` is the moderator whose shift it is (the dropper of a free-form one)."""
    return recipient == (shift.assigned_user_id or shift.created_by)


def claimed_dm(shift: Shift, *, recipient: int) -> Reply:
    """To the moderator whose shift it is, or to whoever dropped it for them: who claimed it."""
    template = CLAIMED_DM if _is_owner(shift, recipient) else CLAIMED_DM_DROPPER
    return Reply(
        content=discord_format(
            template,
            claimer=UserRef(shift.claimed_by),
            owner=UserRef(shift.assigned_user_id or shift.created_by),
            shift_id=shift.pk,
            start=shift.start_time_utc,
        )
    )


def released_dm(shift: Shift, *, recipient: int, claimer: int) -> Reply:
    """To the moderator whose shift it is, or to whoever dropped it for them: the claim was given back."""
    template = RELEASED_DM if _is_owner(shift, recipient) else RELEASED_DM_DROPPER
    return Reply(
        content=discord_format(
            template,
            claimer=UserRef(claimer),
            owner=UserRef(shift.assigned_user_id or shift.created_by),
            shift_id=shift.pk,
            start=shift.start_time_utc,
        )
    )


def cancelled_dm(shift: Shift, *, recipient: int, previous_claimer: int | None = None) -> Reply:
    """To the former claimer, the moderator whose shift it was, or whoever dropped it: it was
    cancelled (and why)."""
    if recipient == previous_claimer:
        template = CANCELLED_DM
    else:
        template = CANCELLED_DM_OWNER if _is_owner(shift, recipient) else CANCELLED_DM_DROPPER
    reason = f" Reason: {shift.cancel_reason}" if shift.cancel_reason else ""
    return Reply(
        content=discord_format(
            template,
            shift_id=shift.pk,
            start=shift.start_time_utc,
            by=UserRef(shift.cancelled_by),
            owner=UserRef(shift.assigned_user_id or shift.created_by),
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
            length=minutes_text(shift.duration_minutes),
            desc=f"\n> {shift.description}" if shift.description else "",
        )
    )
