"""Shift commands and the Claim/Release buttons: Discord input in, one shifts service call, a
reply out. Every refusal is the service's ApplicationError, shown ephemerally by the router."""

from __future__ import annotations

from django.utils import timezone

from botworker.guilds import channel_for
from botworker.handlers.zones import register_zone_option
from botworker.interactions import Choice, Invocation, Option, OptionType, PagedText, Reply, paged_list, router
from botworker.interactions.routing import NEEDS_CONFIG, NEEDS_GUILD
from botworker.models import PermissionLevel
from botworker.presenters.shifts import (
    CLAIM_ACTION,
    RELEASE_ACTION,
    minutes_text,
    slot_choice_name,
    slot_label,
    slot_line,
)
from botworker.presenters.text import discord_format
from config.exceptions import ApplicationError, ChannelRef, UserRef
from config.timeutils import DAY_CHOICES as DAYS
from shifts import selectors, services

DAY_CHOICES = tuple(Choice(name, index) for index, name in DAYS)
PERIOD_CHOICES = (Choice("last 7 days", "7d"), Choice("last 30 days", "30d"), Choice("all time", "all"))

DAY = Option("day", "Day of the week", OptionType.INTEGER, required=True, choices=DAY_CHOICES)
TIME = Option("time", "Start time, HH:MM (24-hour clock)", required=True, max_length=5)
TIMEZONE = Option("timezone", "IANA time zone, e.g. America/New_York", autocomplete=True, max_length=64)
DURATION = Option("duration", "Length in hours, e.g. 1.5", OptionType.NUMBER)
USER = Option("user", "A member", OptionType.USER)
DESCRIPTION_LIMIT = services.DESCRIPTION_LIMIT

SLOT_ADDED = "Added **{slot}** ({zone}, {hours}) to {whose} schedule. Next: {start:FR}."
SLOT_REMOVED = "Removed **{slot}** from {whose} schedule."
CLEARED = "Removed {count} slot(s) from {whose} schedule."
EMPTY_SCHEDULE = "{whose} schedule is empty."
DROPPED = "Shift #{shift_id} dropped for {start:FR}; it will be posted in {channel}."
EDITED = "Shift #{shift_id} updated: {start}, {hours}."
CANCELLED = "Shift #{shift_id} cancelled."
CLAIMED = "You claimed shift #{shift_id}, starting {start:FR}. You'll get a reminder 15 minutes before."
RELEASED = "You released shift #{shift_id}; it is open again."
NO_STATS = "No claimed shifts in that period."
SCHEDULE_TITLE = "**{whose} schedule**"
STATS_TITLE = "**Claimed shifts, {label}**"
STATS_LINE = "• {user}: {shifts} shift(s), {hours:g} h"


def actor_of(inv: Invocation) -> services.Actor:
    return services.Actor(
        user_id=inv.user_id,
        is_moderator=inv.level >= PermissionLevel.MODERATOR,
        is_admin=inv.level >= PermissionLevel.ADMIN,
    )


def _whose(inv: Invocation, user_id: int) -> str:
    return "your" if user_id == inv.user_id else discord_format("{user}'s", user=UserRef(user_id))


def _shift_channel(inv: Invocation) -> int | None:
    """The guild configuration's shift channel (where shifts are posted and shift commands work)."""
    return channel_for(inv.guild, "shifts")


def _add_slot(inv: Invocation, user_id: int) -> Reply:
    slot = services.schedule_add(
        guild_id=inv.guild_id,
        actor=actor_of(inv),
        user_id=user_id,
        day=inv.options["day"],
        time=inv.options["time"],
        timezone=inv.options.get("timezone"),
        duration=inv.options.get("duration"),
        guild_timezone=inv.guild.timezone,
    )
    return Reply(
        content=discord_format(
            SLOT_ADDED,
            slot=slot_label(slot),
            zone=slot.timezone.key,
            hours=minutes_text(slot.duration_minutes),
            whose=_whose(inv, user_id),
            start=selectors.slot_next_start(slot),
        ),
        ephemeral=True,
    )


@router.command(
    "schedule_add",
    description="Add a weekly slot to your schedule",
    options=[DAY, TIME, TIMEZONE, DURATION],
    level=PermissionLevel.MODERATOR,
    needs_config=True,
)
def schedule_add(inv: Invocation) -> Reply:
    return _add_slot(inv, inv.user_id)


@router.command(
    "schedule_add_admin",
    description="Add a weekly slot to a moderator's schedule (admins)",
    options=[Option("user", "The moderator", OptionType.USER, required=True), DAY, TIME, TIMEZONE, DURATION],
    level=PermissionLevel.ADMIN,
    needs_config=True,
)
def schedule_add_admin(inv: Invocation) -> Reply:
    return _add_slot(inv, inv.options["user"])


@router.command(
    "schedule_remove",
    description="Remove a weekly slot from a schedule (yours; admins: anyone's)",
    options=[DAY, TIME, Option("user", "Whose schedule (admins; default: yours)", OptionType.USER)],
    level=PermissionLevel.MODERATOR,
    needs_config=True,
)
def schedule_remove(inv: Invocation) -> Reply:
    user_id = inv.options.get("user", inv.user_id)
    slot = services.schedule_remove(
        guild_id=inv.guild_id,
        actor=actor_of(inv),
        user_id=user_id,
        day=inv.options["day"],
        time=inv.options["time"],
    )
    return Reply(content=SLOT_REMOVED.format(slot=slot_label(slot), whose=_whose(inv, user_id)), ephemeral=True)


def _require_guild_config(inv: Invocation) -> None:
    """A page click re-checks what its command's registration checks: a configured server (every
    member may see schedules and stats)."""
    if inv.guild_id is None:
        raise ApplicationError(NEEDS_GUILD)
    if inv.guild is None:
        raise ApplicationError(NEEDS_CONFIG, params={"guild_id": inv.guild_id})


def _capitalised(text: str) -> str:
    return text[0].upper() + text[1:]


def _schedule_pages(inv: Invocation, arg: str) -> PagedText:
    """A member's schedule, one slot a line (`arg`: whose, a Discord id)."""
    _require_guild_config(inv)
    user_id = int(arg)
    whose = _capitalised(_whose(inv, user_id))
    slots = list(selectors.schedule_list(guild_id=inv.guild_id, user_id=user_id))
    now = timezone.now()
    return PagedText(
        header=SCHEDULE_TITLE.format(whose=whose) if slots else "",
        lines=[slot_line(slot, now=now) for slot in slots],
        empty=EMPTY_SCHEDULE.format(whose=whose),
    )


SCHEDULE_PAGES = paged_list("schedule_view", _schedule_pages)


@router.command(
    "schedule_view",
    description="Show a member's weekly schedule",
    options=[Option("user", "Whose schedule (default: yours)", OptionType.USER)],
    needs_config=True,
)
def schedule_view(inv: Invocation) -> Reply:
    return SCHEDULE_PAGES.reply(inv, arg=str(inv.options.get("user", inv.user_id)))


@router.command(
    "schedule_clear",
    description="Remove every slot of a schedule (yours; admins: anyone's)",
    options=[Option("user", "Whose schedule (default: yours)", OptionType.USER)],
    level=PermissionLevel.MODERATOR,
    needs_config=True,
)
def schedule_clear(inv: Invocation) -> Reply:
    user_id = inv.options.get("user", inv.user_id)
    count = services.schedule_clear(guild_id=inv.guild_id, actor=actor_of(inv), user_id=user_id)
    return Reply(content=CLEARED.format(count=count, whose=_whose(inv, user_id)), ephemeral=True)


@router.command(
    "drop_shift",
    description="Post a shift for another moderator to claim",
    options=[
        Option("start", "Start, YYYY-MM-DD HH:MM in the time zone", required=True, max_length=20),
        Option("duration", "Length in hours, e.g. 1.5", OptionType.NUMBER, required=True),
        Option("description", "What the shift is about", required=True),
        TIMEZONE,
    ],
    level=PermissionLevel.MODERATOR,
    needs_config=True,
)
def drop_shift(inv: Invocation) -> Reply:
    shift = services.shift_drop(
        guild_id=inv.guild_id,
        actor=actor_of(inv),
        start=inv.options["start"],
        duration=inv.options["duration"],
        description=inv.options["description"],
        timezone=inv.options.get("timezone"),
        channel_id=_shift_channel(inv),
        invoked_in_channel_id=inv.channel_id,
        guild_timezone=inv.guild.timezone,
    )
    return _dropped(shift)


def _dropped(shift) -> Reply:
    return Reply(
        content=discord_format(
            DROPPED, shift_id=shift.pk, start=shift.start_time_utc, channel=ChannelRef(shift.channel_id)
        ),
        ephemeral=True,
    )


@router.command(
    "drop_mod_shift",
    description="Drop the next occurrence of a schedule slot",
    options=[
        Option("slot", "The slot (start typing to pick)", OptionType.INTEGER, required=True, autocomplete=True),
        Option("user", "Whose slot (admins; default: yours)", OptionType.USER),
        Option("description", "What the shift is about"),
    ],
    level=PermissionLevel.MODERATOR,
    needs_config=True,
)
def drop_mod_shift(inv: Invocation) -> Reply:
    shift = services.shift_drop_from_slot(
        guild_id=inv.guild_id,
        actor=actor_of(inv),
        slot_id=inv.options["slot"],
        user_id=inv.options.get("user"),
        description=inv.options.get("description", ""),
        channel_id=_shift_channel(inv),
        invoked_in_channel_id=inv.channel_id,
    )
    return _dropped(shift)


@router.command(
    "shift_edit",
    description="Change an unclaimed shift (its owner or an admin)",
    options=[
        Option("shift_id", "The shift's number", OptionType.INTEGER, required=True, min_value=1),
        Option("start", "New start, YYYY-MM-DD HH:MM in the shift's time zone", max_length=20),
        Option("duration", "New length in hours", OptionType.NUMBER),
        Option("description", "New description"),
    ],
    level=PermissionLevel.MODERATOR,
    needs_config=True,
)
def shift_edit(inv: Invocation) -> Reply:
    shift = services.shift_edit(
        guild_id=inv.guild_id,
        actor=actor_of(inv),
        shift_id=inv.options["shift_id"],
        start=inv.options.get("start"),
        duration=inv.options.get("duration"),
        description=inv.options.get("description"),
        channel_id=_shift_channel(inv),
        invoked_in_channel_id=inv.channel_id,
    )
    return Reply(
        content=discord_format(
            EDITED, shift_id=shift.pk, start=shift.start_time_utc, hours=minutes_text(shift.duration_minutes)
        ),
        ephemeral=True,
    )


@router.command(
    "shift_cancel",
    description="Cancel a shift, claimed or not (its owner or an admin)",
    options=[
        Option("shift_id", "The shift's number", OptionType.INTEGER, required=True, min_value=1),
        Option("reason", "Why (the claimer is told)", max_length=500),
    ],
    level=PermissionLevel.MODERATOR,
    needs_config=True,
)
def shift_cancel(inv: Invocation) -> Reply:
    shift = services.shift_cancel(
        guild_id=inv.guild_id,
        actor=actor_of(inv),
        shift_id=inv.options["shift_id"],
        reason=inv.options.get("reason", ""),
        channel_id=_shift_channel(inv),
        invoked_in_channel_id=inv.channel_id,
    )
    return Reply(content=CANCELLED.format(shift_id=shift.pk), ephemeral=True)


@router.command(
    "shift_stats",
    description="Claimed shifts and hours",
    options=[
        Option("user", "Only this member", OptionType.USER),
        Option("period", "Which period (default: last 7 days)", choices=PERIOD_CHOICES),
    ],
    needs_config=True,
)
def shift_stats(inv: Invocation) -> Reply:
    user_id = inv.options.get("user")
    return STATS_PAGES.reply(inv, arg=f"{inv.options.get('period', '7d')}-{user_id or ''}")


def _stats_pages(inv: Invocation, arg: str) -> PagedText:
    """Claimed shifts per moderator (`arg`: "<period>-<Discord id or nothing>")."""
    _require_guild_config(inv)
    period, _, user = arg.partition("-")
    rows = selectors.shift_stats(guild_id=inv.guild_id, period=period, user_id=int(user) if user else None)
    label = next((choice.name for choice in PERIOD_CHOICES if choice.value == period), period)
    return PagedText(
        header=STATS_TITLE.format(label=label) if rows else "",
        lines=[
            discord_format(STATS_LINE, user=UserRef(row["user_id"]), shifts=row["shifts"], hours=row["hours"])
            for row in rows
        ],
        empty=NO_STATS,
    )


STATS_PAGES = paged_list("shift_stats", _stats_pages)


@router.component(CLAIM_ACTION, level=PermissionLevel.MODERATOR, needs_config=True)
def claim_shift(inv: Invocation) -> Reply:
    shift = services.shift_claim(guild_id=inv.guild_id, actor=actor_of(inv), shift_id=inv.target_id)
    return Reply(content=discord_format(CLAIMED, shift_id=shift.pk, start=shift.start_time_utc), ephemeral=True)


@router.component(RELEASE_ACTION, level=PermissionLevel.MODERATOR, needs_config=True)
def release_shift(inv: Invocation) -> Reply:
    shift = services.shift_release(guild_id=inv.guild_id, actor=actor_of(inv), shift_id=inv.target_id)
    return Reply(content=RELEASED.format(shift_id=shift.pk), ephemeral=True)


# ---------------------------------------------------------------------------- autocomplete


for _command in ("schedule_add", "schedule_add_admin", "drop_shift"):
    register_zone_option(_command, "timezone")


@router.autocomplete("drop_mod_shift", "slot")
def slot_choices(inv: Invocation) -> list[Choice]:
    """The slots of the chosen moderator (yourself unless you are an admin naming someone)."""
    if inv.guild_id is None:
        return []
    raw_user = inv.options.get("user")
    user_id = inv.user_id
    if raw_user and str(raw_user).isdigit() and inv.level >= PermissionLevel.ADMIN:
        user_id = int(raw_user)
    typed = str(inv.options.get("slot") or "").strip().lower()
    now = timezone.now()
    choices = []
    for slot in selectors.schedule_list(guild_id=inv.guild_id, user_id=user_id)[:100]:
        name = slot_choice_name(slot, now=now)
        if typed and typed not in name.lower() and typed != str(slot.pk):
            continue
        choices.append(Choice(name, slot.pk))
    return choices[:25]
