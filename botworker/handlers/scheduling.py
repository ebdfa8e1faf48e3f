"""Raid scheduling and attendance in Discord: availability, time zone, auto-invite, the best raid
time, raid events with answer buttons, and attendance.

Handlers translate: they identify the player (`player_ensure`, the Discord counterpart of logging
in), call one service or selector, and render the answer."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache

from django.utils import timezone as djtz

from attendance import selectors as attendance_selectors
from attendance import services as attendance_services
from attendance.models import RaidSeason
from botworker.guilds import channel_for
from botworker.interactions import Choice, Invocation, Modal, Option, OptionType, Reply, ReplyFile, TextInput, router
from botworker.models import PermissionLevel
from botworker.receivers.scheduling import DECLINE_ACTION, DECLINE_MODAL, SIGNUP_ACTION, TENTATIVE_ACTION
from config.exceptions import ApplicationError
from scheduling import selectors, services
from scheduling.heatmap import render_heatmap_png

DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DAY_CHOICES = tuple(Choice(name, index) for index, name in enumerate(DAY_NAMES))

NOT_OFFICER = "Only officers (rank Officer or higher, or Guildhall moderators) can use this."
BAD_DATE = "{value!r} is not a date; use YYYY-MM-DD, for example 2026-03-05."
OTHERS_STATS = "Only officers can see other players' attendance."
UNKNOWN_SEASON = "No season with that id in this server; pick one from the list."
NO_AVAILABILITY = "You have not set any availability yet. Use `/availability set`."
NO_SLOTS = "Nobody has availability that fits a {length:g}-hour raid in that range."
MISSING_SHOWN = 8
HEATMAP_FILE = "raid-availability.png"
STATS_SHOWN = 25


def _player(inv: Invocation):
    return services.player_ensure(guild_id=inv.guild_id, discord_user_id=inv.user_id, role_ids=inv.role_ids)


def _is_officer(inv: Invocation) -> bool:
    return inv.level >= PermissionLevel.MODERATOR or selectors.discord_user_is_officer(
        guild_id=inv.guild_id, discord_user_id=inv.user_id, role_ids=inv.role_ids
    )


def _require_officer(inv: Invocation) -> None:
    if not _is_officer(inv):
        raise ApplicationError(NOT_OFFICER)


def _guild_zone(inv: Invocation) -> str:
    return inv.guild.timezone if inv.guild is not None else "UTC"


def _hours(value) -> str:
    return f"{float(value):g} h"


# --- availability ------------------------------------------------------------------------------

router.group("availability", "Your weekly raid availability")


@router.command(
    "availability set",
    description="Set when you can raid on one weekday (in your time zone)",
    options=[
        Option("day", "Weekday", OptionType.INTEGER, required=True, choices=DAY_CHOICES),
        Option("earliest_start", "Earliest start, HH:MM (24 h) in your time zone", required=True, max_length=5),
        Option("hours", "How many hours you can raid from then (up to 16)", OptionType.NUMBER, required=True),
    ],
    guild_only=True,
)
def availability_set(inv: Invocation) -> Reply:
    player = _player(inv)
    row = services.availability_set(
        player=player,
        day_of_week=inv.options["day"],
        earliest_start=inv.options["earliest_start"],
        available_hours=inv.options["hours"],
    )
    return Reply(
        content=(
            f"✅ {DAY_NAMES[row.day_of_week]}: from {row.earliest_start:%H:%M} for {_hours(row.available_hours)} "
            f"({player.timezone}). Wrong zone? `/timezone set`."
        ),
        ephemeral=True,
    )


@router.command(
    "availability clear",
    description="Clear your availability (one day, or the whole week)",
    options=[Option("day", "Only this weekday", OptionType.INTEGER, choices=DAY_CHOICES)],
    guild_only=True,
)
def availability_clear(inv: Invocation) -> Reply:
    removed = services.availability_clear(player=_player(inv), day_of_week=inv.options.get("day"))
    scope = DAY_NAMES[inv.options["day"]] if "day" in inv.options else "the whole week"
    return Reply(content=f"🧹 Cleared {scope} ({removed} window{'s' if removed != 1 else ''}).", ephemeral=True)


@router.command("availability view", description="Show your weekly availability", guild_only=True)
def availability_view(inv: Invocation) -> Reply:
    player = _player(inv)
    rows = selectors.availability_next_starts(player=player, now=djtz.now())
    if not rows:
        return Reply(content=NO_AVAILABILITY, ephemeral=True)
    lines = [f"Your availability ({player.timezone}):"]
    for row, next_start in rows:
        ts = int(next_start.timestamp())
        lines.append(
            f"• **{DAY_NAMES[row.day_of_week]}** from {row.earliest_start:%H:%M} for {_hours(row.available_hours)}"
            f" — next <t:{ts}:F>"
        )
    return Reply(content="\n".join(lines), ephemeral=True)


# --- time zone and auto-invite -----------------------------------------------------------------

router.group("timezone", "Your time zone")


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


@router.command(
    "timezone set",
    description="Set the time zone your availability is in",
    options=[Option("zone", "IANA zone, e.g. Europe/Berlin", required=True, autocomplete=True, max_length=50)],
    guild_only=True,
)
def timezone_set(inv: Invocation) -> Reply:
    player = services.player_set_timezone(player=_player(inv), timezone=inv.options["zone"])
    return Reply(content=f"🌍 Your time zone is now **{player.timezone}**.", ephemeral=True)


@router.autocomplete("timezone set", "zone")
def zone_choices(inv: Invocation) -> list[Choice]:
    typed = str(inv.options.get("zone") or "").strip().lower().replace(" ", "_")
    matches = [zone for zone in _zones() if typed in zone.lower()]
    # Zones that start with what was typed first (e.g. "ber" → Europe/Berlin before Asia/...).
    matches.sort(key=lambda zone: (not zone.lower().split("/")[-1].startswith(typed), zone))
    return [Choice(zone, zone) for zone in matches[:25]]


router.group("autoinvite", "Get a DM invitation for every new raid event")


@router.command("autoinvite on", description="DM me an invitation for every new raid event", guild_only=True)
def autoinvite_on(inv: Invocation) -> Reply:
    services.player_set_auto_invite(player=_player(inv), enabled=True)
    return Reply(content="📬 You'll get a DM invitation for every new raid event.", ephemeral=True)


@router.command("autoinvite off", description="Stop DM invitations for new raid events", guild_only=True)
def autoinvite_off(inv: Invocation) -> Reply:
    services.player_set_auto_invite(player=_player(inv), enabled=False)
    return Reply(content="📭 No more DM invitations for new raid events.", ephemeral=True)


# --- the best raid time ------------------------------------------------------------------------


def _parse_date(value: str | None, zone: str) -> dt.date:
    if not value:
        return djtz.now().astimezone(zoneinfo.ZoneInfo(zone)).date()
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ApplicationError(BAD_DATE.format(value=value), field="from") from None


@router.command(
    "raidtime",
    description="The best raid start times by rank-weighted availability (officers)",
    options=[
        Option("from", "First day, YYYY-MM-DD (default today)", max_length=10),
        Option("days", "How many days to look at (default 7)", OptionType.INTEGER, min_value=1, max_value=14),
        Option("length", "Raid length in hours (default 2)", OptionType.NUMBER, min_value=0.5, max_value=8),
    ],
    guild_only=True,
    deferred=True,
)
def raidtime(inv: Invocation) -> Reply:
    """Deferred: the follow-up edit uploads the heatmap PNG (only deferred answers carry files)."""
    _require_officer(inv)
    zone = _guild_zone(inv)
    length = float(inv.options.get("length", 2.0))
    overview = selectors.raid_time_overview(
        guild_id=inv.guild_id,
        date_from=_parse_date(inv.options.get("from"), zone),
        days=inv.options.get("days", 7),
        length=dt.timedelta(hours=length),
        top=5,
        timezone=zone,
    )
    slots = overview.slots
    if not slots or slots[0].head_count == 0:
        return Reply(content=NO_SLOTS.format(length=length), ephemeral=True)
    fields = []
    for index, slot in enumerate(slots, start=1):
        ts = int(slot.start.timestamp())
        missing = [entry for entry in slot.missing if entry.weight > 0]
        shown = ", ".join(f"{entry.name} ({entry.weight})" for entry in missing[:MISSING_SHOWN])
        if len(missing) > MISSING_SHOWN:
            shown += f" and {len(missing) - MISSING_SHOWN} more"
        fields.append(
            {
                "name": f"{index}. <t:{ts}:F>",
                "value": f"Score **{slot.score}** · {slot.head_count} players (<t:{ts}:R>)\nMissing: {shown or 'nobody who counts'}",
            }
        )
    embed = {
        "title": f"Best {length:g}-hour raid starts",
        "description": "Score = sum of rank weights of the players whose availability covers the whole raid.",
        "color": 0x5865F2,
        "fields": fields,
        "image": {"url": f"attachment://{HEATMAP_FILE}"},
        "footer": {"text": f"Heatmap: weighted availability per 30 minutes, rows from local midnight ({zone})"},
    }
    heatmap = ReplyFile(HEATMAP_FILE, render_heatmap_png(overview.heatmap), "Weighted availability heatmap")
    return Reply(embeds=[embed], files=[heatmap], ephemeral=True)


# --- raid events -------------------------------------------------------------------------------

router.group("raid", "Raid events")


@router.command(
    "raid create",
    description="Create a raid event with sign-up buttons (officers)",
    options=[
        Option("title", "Event title", required=True, max_length=200),
        Option("start", "Start, YYYY-MM-DD HH:MM in the server's time zone", required=True, max_length=16),
        Option("hours", "Length in hours (default 2)", OptionType.NUMBER, min_value=0.5, max_value=12),
        Option("channel", "Where to post it (default: the raids channel, or here)", OptionType.CHANNEL),
        Option("notes", "Notes shown on the event", max_length=1000),
    ],
    guild_only=True,
)
def raid_create(inv: Invocation) -> Reply:
    _require_officer(inv)
    zone = _guild_zone(inv)
    channel_id = (
        inv.options.get("channel") or (channel_for(inv.guild, "raids") if inv.guild else None) or inv.channel_id
    )
    event = attendance_services.event_create(
        guild_id=inv.guild_id,
        title=inv.options["title"],
        start=attendance_services.parse_local_start(inv.options["start"], timezone=zone),
        duration=dt.timedelta(hours=float(inv.options.get("hours", 2.0))),
        timezone=zone,
        discord_channel_id=channel_id,
        notes=inv.options.get("notes", ""),
        created_by=_player(inv),
    )
    ts = int(event.start_time_utc.timestamp())
    return Reply(
        content=f"📅 Created **{event.title}** (#{event.pk}) for <t:{ts}:F>; posting it in <#{channel_id}>.",
        ephemeral=True,
    )


ANSWER_TEXT = {
    "signed_up": "✅ You're signed up for **{title}** (<t:{ts}:F>).",
    "tentative": "❔ You're tentative for **{title}** (<t:{ts}:F>).",
    "declined": "❌ Noted: you can't come to **{title}**. Thanks for telling us.",
}


def _answer(inv: Invocation, answer: str, reason: str = "") -> Reply:
    row = attendance_services.attendance_answer(
        event_id=inv.target_id, discord_user_id=inv.user_id, answer=answer, guild_id=inv.guild_id, reason=reason
    )
    event = row.event
    return Reply(
        content=ANSWER_TEXT[answer].format(title=event.title, ts=int(event.start_time_utc.timestamp())), ephemeral=True
    )


@router.component(SIGNUP_ACTION)
def raid_signup(inv: Invocation) -> Reply:
    return _answer(inv, "signed_up")


@router.component(TENTATIVE_ACTION)
def raid_tentative(inv: Invocation) -> Reply:
    return _answer(inv, "tentative")


@router.component(DECLINE_ACTION)
def raid_decline(inv: Invocation) -> Reply:
    return Reply(
        modal=Modal(
            custom_id=f"{DECLINE_MODAL}:{inv.target_id}",
            title="Can't come",
            inputs=[TextInput("reason", "Why can't you come?", style=2, required=True, max_length=300)],
        )
    )


@router.modal(DECLINE_MODAL)
def raid_decline_reason(inv: Invocation) -> Reply:
    return _answer(inv, "declined", reason=inv.fields.get("reason", ""))


# --- attendance --------------------------------------------------------------------------------

router.group("attendance", "Raid attendance")


@router.command(
    "attendance record",
    description="Record who attended a raid (officers)",
    options=[
        Option("event", "The raid event", OptionType.INTEGER, required=True, autocomplete=True),
        Option("player", "Who", OptionType.USER, required=True),
        Option("attended", "Attended? (default yes)", OptionType.BOOLEAN),
    ],
    guild_only=True,
)
def attendance_record(inv: Invocation) -> Reply:
    _require_officer(inv)
    attended = inv.options.get("attended", True)
    row = attendance_services.attendance_record_for_user(
        event_id=inv.options["event"], guild_id=inv.guild_id, discord_user_id=inv.options["player"], attended=attended
    )
    verb = "attended" if attended else "did not attend"
    return Reply(content=f"📝 Recorded: <@{inv.options['player']}> {verb} **{row.event.title}**.", ephemeral=True)


@router.autocomplete("attendance record", "event")
def event_choices(inv: Invocation) -> list[Choice]:
    typed = str(inv.options.get("event") or "")
    return [
        Choice(f"#{event.pk} {event.title} ({event.event_date:%Y-%m-%d})", event.pk)
        for event in attendance_selectors.recent_events(guild_id=inv.guild_id, query="" if typed.isdigit() else typed)
    ]


@router.command(
    "attendance stats",
    description="Attendance statistics for a season (yours, or anyone's for officers)",
    options=[
        Option("player", "Whose (officers may pick anyone)", OptionType.USER),
        Option("season", "Season (default: the current one)", OptionType.INTEGER, autocomplete=True),
    ],
    guild_only=True,
)
def attendance_stats(inv: Invocation) -> Reply:
    target = inv.options.get("player")
    if target != inv.user_id and not _is_officer(inv):
        if target is not None:
            raise ApplicationError(OTHERS_STATS, field="player")
        target = inv.user_id  # members see their own line
    season = None
    if "season" in inv.options:
        season = RaidSeason.objects.filter(pk=inv.options["season"], guild_id=inv.guild_id).first()
        if season is None:
            raise ApplicationError(UNKNOWN_SEASON, field="season")
    else:
        season = attendance_services.season_current(guild_id=inv.guild_id)
    player = None
    if target is not None:
        player = services.player_ensure(guild_id=inv.guild_id, discord_user_id=target)
    stats = attendance_selectors.attendance_statistics(guild_id=inv.guild_id, season=season, player=player)
    stats = sorted(stats, key=lambda s: (-(s.rate or 0), -s.events, str(s.player)))
    lines = [f"**Attendance — {season.name if season else 'all events'}**"]
    for each in stats[:STATS_SHOWN]:
        rate = f"{each.rate:.0%}" if each.rate is not None else "—"
        lines.append(
            f"{each.player.mention}: {rate} · {each.attended}/{each.events} attended, "
            f"{each.excused} excused, {each.unexcused} unexcused"
        )
    if len(stats) > STATS_SHOWN:
        lines.append(f"… and {len(stats) - STATS_SHOWN} more (full list in the API).")
    return Reply(content="\n".join(lines), ephemeral=True)


@router.autocomplete("attendance stats", "season")
def season_choices(inv: Invocation) -> list[Choice]:
    typed = str(inv.options.get("season") or "").lower()
    seasons = attendance_services.season_list(guild_id=inv.guild_id)
    return [
        Choice(f"{season.name} (from {season.start_date:%Y-%m-%d})", season.pk)
        for season in seasons
        if typed.isdigit() or typed in season.name.lower()
    ][:25]
