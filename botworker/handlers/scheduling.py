"""Raid scheduling and attendance in Discord: availability, time zone, auto-invite, the best raid
time, raid events with answer buttons, and attendance.

Handlers translate: they build the actor from the invocation, call one service or selector
(which checks what the actor may do), and hand the result to `botworker.presenters.scheduling`.
Commands that change a member's own data identify them with `player_ensure` (the Discord
counterpart of logging in); read commands never add anyone to the roster."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone as djtz

from attendance import selectors as attendance_selectors
from attendance import services as attendance_services
from botworker.guilds import channel_for
from botworker.handlers.zones import register_zone_option
from botworker.interactions import (
    Choice,
    Invocation,
    Modal,
    Option,
    OptionType,
    PagedText,
    Reply,
    TextInput,
    paged_list,
    router,
)
from botworker.models import PermissionLevel
from botworker.presenters import scheduling as present
from config.exceptions import ApplicationError
from config.timeutils import DAY_NAMES, local_today, parse_local_datetime, zone_or_error
from scheduling import selectors, services
from scheduling.actors import Actor

DAY_CHOICES = tuple(Choice(name, index) for index, name in enumerate(DAY_NAMES))

BAD_DATE = "{value!r} is not a date; use YYYY-MM-DD, for example 2026-03-05."


def actor_of(inv: Invocation) -> Actor:
    return Actor(
        user_id=inv.user_id,
        role_ids=frozenset(inv.role_ids),
        is_moderator=inv.level >= PermissionLevel.MODERATOR,
        is_admin=inv.level >= PermissionLevel.ADMIN,
    )


def _player(inv: Invocation):
    return services.player_ensure(
        guild_id=inv.guild_id, discord_user_id=inv.user_id, role_ids=inv.role_ids, timezone=_guild_zone(inv)
    )


def _guild_zone(inv: Invocation) -> zoneinfo.ZoneInfo:
    """The guild's zone, from its configuration (the one place it is kept)."""
    return zone_or_error(inv.guild.timezone if inv.guild is not None else "UTC")


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
    return present.availability_saved(row, player.timezone)


@router.command(
    "availability clear",
    description="Clear your availability (one day, or the whole week)",
    options=[Option("day", "Only this weekday", OptionType.INTEGER, choices=DAY_CHOICES)],
    guild_only=True,
)
def availability_clear(inv: Invocation) -> Reply:
    removed = services.availability_clear(player=_player(inv), day_of_week=inv.options.get("day"))
    return present.availability_cleared(inv.options.get("day"), removed)


def _own_availability(inv: Invocation, arg: str) -> PagedText:
    """The member's own windows (recomputed for whoever clicks Previous/Next)."""
    player = selectors.player_of(guild_id=inv.guild_id, discord_user_id=inv.user_id) if inv.guild_id else None
    if player is None:
        return present.availability_page(None, [])
    return present.availability_page(player.timezone, selectors.availability_next_starts(player=player, now=djtz.now()))


AVAILABILITY_VIEW = paged_list("availability_view", _own_availability)


@router.command("availability view", description="Show your weekly availability", guild_only=True)
def availability_view(inv: Invocation) -> Reply:
    return AVAILABILITY_VIEW.reply(inv)


# --- time zone and auto-invite -----------------------------------------------------------------

router.group("timezone", "Your time zone")


@router.command(
    "timezone set",
    description="Set your time zone (availability, time tracking, shifts)",
    options=[Option("zone", "IANA zone, e.g. Europe/Berlin", required=True, autocomplete=True, max_length=50)],
    guild_only=True,
)
def timezone_set(inv: Invocation) -> Reply:
    return present.zone_saved(services.player_set_timezone(player=_player(inv), timezone=inv.options["zone"]))


register_zone_option("timezone set", "zone")

router.group("autoinvite", "Get a DM invitation for every new raid event")


@router.command("autoinvite on", description="DM me an invitation for every new raid event", guild_only=True)
def autoinvite_on(inv: Invocation) -> Reply:
    services.player_set_auto_invite(player=_player(inv), enabled=True)
    return present.auto_invite_saved(True)


@router.command("autoinvite off", description="Stop DM invitations for new raid events", guild_only=True)
def autoinvite_off(inv: Invocation) -> Reply:
    services.player_set_auto_invite(player=_player(inv), enabled=False)
    return present.auto_invite_saved(False)


# --- the best raid time ------------------------------------------------------------------------


def _parse_date(value: str | None, zone: zoneinfo.ZoneInfo) -> dt.date:
    if not value:
        return local_today(zone, now=djtz.now())
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
    zone = _guild_zone(inv)
    length = float(inv.options.get("length", 2.0))
    overview = selectors.raid_time_overview(
        actor=actor_of(inv),
        guild_id=inv.guild_id,
        date_from=_parse_date(inv.options.get("from"), zone),
        days=inv.options.get("days", 7),
        length=dt.timedelta(hours=length),
        top=5,
        timezone=zone,
    )
    return present.raid_time_answer(overview, length=length, zone=zone)


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
    zone = _guild_zone(inv)
    channel_id = (
        inv.options.get("channel") or (channel_for(inv.guild, "raids") if inv.guild else None) or inv.channel_id
    )
    event = attendance_services.event_create(
        actor=actor_of(inv),
        guild_id=inv.guild_id,
        title=inv.options["title"],
        start=parse_local_datetime(inv.options["start"], zone),
        duration=dt.timedelta(hours=float(inv.options.get("hours", 2.0))),
        timezone=zone,
        discord_channel_id=channel_id,
        notes=inv.options.get("notes", ""),
    )
    return present.event_created(event, channel_id)


EVENT_OPTION = Option("event", "The raid event", OptionType.INTEGER, required=True, autocomplete=True)


@router.command(
    "raid edit",
    description="Change a raid event's title, start, length or notes (officers)",
    options=[
        EVENT_OPTION,
        Option("title", "New title", max_length=200),
        Option("start", "New start, YYYY-MM-DD HH:MM in the server's time zone", max_length=16),
        Option("hours", "New length in hours", OptionType.NUMBER, min_value=0.5, max_value=12),
        Option("notes", "New notes (replace the old ones)", max_length=1000),
    ],
    guild_only=True,
)
def raid_edit(inv: Invocation) -> Reply:
    zone = _guild_zone(inv)
    start, hours = inv.options.get("start"), inv.options.get("hours")
    event = attendance_services.event_update(
        actor=actor_of(inv),
        event_id=inv.options["event"],
        guild_id=inv.guild_id,
        title=inv.options.get("title"),
        start=parse_local_datetime(start, zone) if start else None,
        duration=dt.timedelta(hours=float(hours)) if hours is not None else None,
        notes=inv.options.get("notes"),
        timezone=zone,
    )
    return present.event_updated(event)


@router.command(
    "raid cancel",
    description="Cancel a raid event; those signed up get a DM (officers)",
    options=[EVENT_OPTION],
    guild_only=True,
)
def raid_cancel(inv: Invocation) -> Reply:
    event = attendance_services.event_cancel(actor=actor_of(inv), event_id=inv.options["event"], guild_id=inv.guild_id)
    return present.event_cancelled(event)


@router.command(
    "raid log",
    description="Attach the logs link (Warcraft Logs…) to a raid event (officers)",
    options=[EVENT_OPTION, Option("url", "http(s) link to the logs", required=True, max_length=500)],
    guild_only=True,
)
def raid_log(inv: Invocation) -> Reply:
    event = attendance_services.event_update(
        actor=actor_of(inv), event_id=inv.options["event"], guild_id=inv.guild_id, log_url=inv.options["url"]
    )
    return present.event_updated(event)


def _answer(inv: Invocation, answer: str, reason: str = "") -> Reply:
    row = attendance_services.attendance_answer(
        event_id=inv.target_id,
        discord_user_id=inv.user_id,
        answer=answer,
        guild_id=inv.guild_id,
        reason=reason,
        timezone=_guild_zone(inv) if inv.guild_id else None,
    )
    return present.answer_saved(answer, row.event)


@router.component(present.SIGNUP_ACTION)
def raid_signup(inv: Invocation) -> Reply:
    return _answer(inv, "signed_up")


@router.component(present.TENTATIVE_ACTION)
def raid_tentative(inv: Invocation) -> Reply:
    return _answer(inv, "tentative")


@router.component(present.DECLINE_ACTION)
def raid_decline(inv: Invocation) -> Reply:
    return Reply(
        modal=Modal(
            custom_id=f"{present.DECLINE_MODAL}:{inv.target_id}",
            title="Can't come",
            inputs=[TextInput("reason", "Why can't you come?", style=2, required=True, max_length=300)],
        )
    )


@router.modal(present.DECLINE_MODAL)
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
    attended = inv.options.get("attended", True)
    row = attendance_services.attendance_record_for_user(
        actor=actor_of(inv),
        event_id=inv.options["event"],
        guild_id=inv.guild_id,
        discord_user_id=inv.options["player"],
        attended=attended,
        timezone=_guild_zone(inv),
    )
    return present.attendance_recorded(discord_user_id=inv.options["player"], attended=attended, event=row.event)


@router.autocomplete("attendance record", "event")
@router.autocomplete("raid edit", "event")
@router.autocomplete("raid cancel", "event")
@router.autocomplete("raid log", "event")
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
        Option("all_seasons", "Count every raid of every season", OptionType.BOOLEAN),
    ],
    guild_only=True,
)
def attendance_stats(inv: Invocation) -> Reply:
    season = attendance_selectors.statistics_season(
        guild_id=inv.guild_id, season_id=inv.options.get("season"), all_seasons=inv.options.get("all_seasons", False)
    )
    # The page buttons carry the season resolved now ("all" for every season) and the player.
    scope = str(season.pk) if season is not None else "all"
    return ATTENDANCE_STATS.reply(inv, arg=f"{scope}-{inv.options.get('player') or ''}")


def _attendance_stats_page(inv: Invocation, arg: str) -> PagedText:
    """The whole statistics list for `arg` ("<season id|all>-<player id or empty>"), recomputed
    for the member who asked or clicked (members see only their own line)."""
    scope, _, target = arg.partition("-")
    season = attendance_selectors.statistics_season(
        guild_id=inv.guild_id, season_id=int(scope) if scope.isdigit() else None, all_seasons=scope == "all"
    )
    user_id = int(target) if target.isdigit() else None
    stats = attendance_selectors.statistics_for(
        actor=actor_of(inv), guild_id=inv.guild_id, season=season, discord_user_id=user_id
    )
    return present.statistics(stats, season=season, own=user_id in (None, inv.user_id))


ATTENDANCE_STATS = paged_list("attendance_stats", _attendance_stats_page)


@router.autocomplete("attendance stats", "season")
def season_choices(inv: Invocation) -> list[Choice]:
    typed = str(inv.options.get("season") or "").lower()
    seasons = attendance_selectors.season_list(guild_id=inv.guild_id)
    return [
        Choice(f"{season.name} (from {season.start_date:%Y-%m-%d})", season.pk)
        for season in seasons
        if typed.isdigit() or typed in season.name.lower()
    ][:25]
