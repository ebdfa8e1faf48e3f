"""Shared reads of the roster: players, availability, the roster for scoring and the best times
(officers only: checked here through the actor, as in the services)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, QuerySet
from django.db.models import Window as SqlWindow
from django.db.models.functions import RowNumber
from django.utils import timezone as djtz

from config.exceptions import ApplicationError
from config.timeutils import local_midnight, local_today, wall_instant, zone_or_error
from scheduling.actors import Actor, require_officer
from scheduling.besttime import Heatmap, RosterEntry, Slot, Window, find_best_slots, slot_roster, weighted_heatmap
from scheduling.models import (
    UTC_ZONE,
    Dispatch,
    GuildRank,
    MemberZone,
    Player,
    PlayerAvailability,
    Reminder,
    member_zone_subquery,
)
from scheduling.services import parse_day

BAD_DAYS = "The number of days must be from 1 to 14."
BAD_LENGTH = "The raid length must be from 0.5 to 8 hours, in 5-minute steps."
BAD_GRID = "The grid must be 5, 10, 15, 20, 30 or 60 minutes."
BAD_TOP = "Ask for 1 to 25 slots."
RANGE_OVER = "That range ended at {end}; pick a first day from today on."
BAD_PAGE = "There is no page {page}; pages run from 1 to {pages} ({count} players present, {page_size} a page)."
BAD_PAGE_SIZE = "The page size must be from 1 to {largest}."
BAD_START = "Pick a start from the year {first} to {last}."
START_YEARS = (1900, 9998)  # the windows around a start are read from two days before to a day after
PRESENT_PAGE_SIZE = 50
PRESENT_PAGE_SIZE_MAX = 500


def member_zone(user_id: int) -> zoneinfo.ZoneInfo | None:
    """The member's stored zone (one query), or None when they never set one. The one place
    every feature reads a member's zone from; a caller picks its own fallback (the guild's zone,
    UTC)."""
    return MemberZone.objects.filter(discord_user_id=user_id).values_list("timezone", flat=True).first()


def availability_get(*, player: Player) -> QuerySet[PlayerAvailability]:
    """The player's windows, Monday first."""
    return PlayerAvailability.objects.filter(player=player).order_by("day_of_week")


def availability_for_day(*, guild_id: int, day_of_week: int) -> list[dict]:
    """Every window of the guild on one weekday with its player and the player's rank weight
    (one query), heaviest rank first."""
    day = parse_day(day_of_week)
    rows = (
        PlayerAvailability.objects.filter(player__guild_id=guild_id, day_of_week=day)
        .select_related("player__rank")
        .annotate(player_timezone=member_zone_subquery("player__discord_user_id"))
        .order_by("-player__rank__scheduling_weight", "player__display_name", "player_id")
    )
    for row in rows:
        row.player.__dict__["member_timezone"] = row.player_timezone
    return [
        {
            "player_id": row.player_id,
            "player": row.player,
            "display_name": row.player.display_name,
            "timezone": row.player.timezone,
            "rank": row.player.rank.name,
            "scheduling_weight": row.player.rank.scheduling_weight,
            "day_of_week": row.day_of_week,
            "earliest_start": row.earliest_start,
            "available_hours": row.available_hours,
        }
        for row in rows
    ]


def player_of(*, guild_id: int, discord_user_id: int) -> Player | None:
    """The guild's player for a Discord user, or None (reads never add anyone to the roster)."""
    return Player.objects.select_related("rank").filter(guild_id=guild_id, discord_user_id=discord_user_id).first()


def player_for_user(*, user, guild_id: int, discord_user_id: int | None = None) -> Player | None:
    """The login's player in the guild: the one linked to the login (`Player.user`), else the
    player of the Discord user the login is linked to (`discord_user_id`)."""
    if user is None or not user.is_authenticated:
        return None
    players = Player.objects.select_related("rank").filter(guild_id=guild_id)
    player = players.filter(user=user).first()
    if player is None and discord_user_id is not None:
        player = players.filter(discord_user_id=discord_user_id).first()
    return player


def ranks_for_guild(*, guild_id: int) -> QuerySet[GuildRank]:
    return GuildRank.objects.filter(guild_id=guild_id).order_by("level")


def _roster_sql() -> str:
    availability, player = PlayerAvailability._meta.db_table, Player._meta.db_table
    rank, member_zone = GuildRank._meta.db_table, MemberZone._meta.db_table
    return (
        "SELECT a.player_id, a.day_of_week, a.earliest_start, a.available_hours::float8,"
        " p.display_name, r.scheduling_weight, r.level, p.discord_user_id, z.timezone"
        f' FROM "{availability}" a'
        f' JOIN "{player}" p ON p.id = a.player_id'
        f' JOIN "{rank}" r ON r.id = p.rank_id'
        f' LEFT JOIN "{member_zone}" z ON z.discord_user_id = p.discord_user_id'
        " WHERE p.guild_id = %s"
    )


def roster_for_scoring(*, guild_id: int) -> list[RosterEntry]:
    """The guild's players that have availability, as plain values for the finder, in one query
    of plain rows (a window with its player, rank and stored zone; no model instances: a thousand
    players with five windows each would otherwise spend most of the request building objects).
    Players come in id order, each one's windows Monday first."""
    players: dict[int, tuple[tuple, list[Window]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_roster_sql(), [guild_id])
        for row in cursor.fetchall():
            found = players.get(row[0])
            if found is None:
                found = players[row[0]] = (row, [])
            found[1].append(Window(row[1], row[2], row[3]))
    zones: dict[str | None, zoneinfo.ZoneInfo] = {}
    roster = []
    for player_id in sorted(players):
        row, windows = players[player_id]
        zone_name = row[8]
        zone = zones.get(zone_name)
        if zone is None:
            zone = zones[zone_name] = zone_or_error(zone_name) if zone_name else UTC_ZONE
        windows.sort()  # Monday first (a player has one window a day)
        roster.append(
            RosterEntry(
                player_id=player_id,
                name=row[4],
                weight=row[5],
                zone=zone,
                windows=tuple(windows),
                discord_user_id=row[7],
                rank_level=row[6],
            )
        )
    return roster


def next_grid_start(*, now: dt.datetime, zone: zoneinfo.ZoneInfo, grid: dt.timedelta) -> dt.datetime:
    """The first grid point strictly after `now`, counting the grid from local midnight of
    today in `zone` (so 30-minute starts stay on :00 and :30 of the local clock)."""
    midnight = local_midnight(local_today(zone, now=now), zone)
    steps = (now - midnight) // grid + 1
    return midnight + steps * grid


def _check_length(length: dt.timedelta) -> None:
    if not dt.timedelta(minutes=30) <= length <= dt.timedelta(hours=8) or length % dt.timedelta(minutes=5):
        raise ApplicationError(BAD_LENGTH, field="length_hours")


def _checked_range(
    *,
    date_from: dt.date,
    days: int,
    length: dt.timedelta,
    grid: dt.timedelta,
    top: int,
    zone: zoneinfo.ZoneInfo,
    now: dt.datetime,
) -> tuple[dt.datetime, dt.datetime]:
    """The range's first and last-exclusive instants (UTC): local midnight of the first day, or
    the next grid point after `now` if that is later (no start that has passed is offered), to
    local midnight of the day after the last, so a range across a DST change is an hour (half
    an hour at Lord Howe) shorter or longer."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 14:
        raise ApplicationError(BAD_DAYS, field="days")
    if grid not in {dt.timedelta(minutes=m) for m in (5, 10, 15, 20, 30, 60)}:
        raise ApplicationError(BAD_GRID, field="grid_minutes")
    _check_length(length)
    if not 1 <= top <= 25:
        raise ApplicationError(BAD_TOP, field="top")
    start = local_midnight(date_from, zone)
    end = local_midnight(date_from + dt.timedelta(days=days), zone)
    if start <= now:
        start = next_grid_start(now=now, zone=zone, grid=grid)
    if start >= end:
        raise ApplicationError(RANGE_OVER, params={"end": end}, field="date_from")
    return start, end


def best_raid_times(
    *,
    actor: Actor,
    guild_id: int,
    date_from: dt.date,
    days: int = 7,
    length: dt.timedelta = dt.timedelta(hours=2),
    grid: dt.timedelta = dt.timedelta(minutes=30),
    top: int = 5,
    timezone: str | zoneinfo.ZoneInfo = "UTC",
    now: dt.datetime | None = None,
) -> list[Slot]:
    """The guild's best raid starts from local midnight of `date_from` in `timezone` (or the next
    grid point after `now`, when the range has begun) for `days` days; see `scheduling.besttime`
    for the scoring. Officers only."""
    require_officer(actor, guild_id=guild_id)
    zone = zone_or_error(timezone)
    start, end = _checked_range(
        date_from=date_from, days=days, length=length, grid=grid, top=top, zone=zone, now=now or djtz.now()
    )
    return find_best_slots(
        roster_for_scoring(guild_id=guild_id), range_start=start, range_end=end, length=length, grid=grid, top=top
    )


@dataclass
class PresentPage:
    """One page of the players present at a slot, heaviest first (then by name)."""

    slot: Slot
    page: int
    pages: int
    page_size: int

    @property
    def players(self) -> list[RosterEntry]:
        first = (self.page - 1) * self.page_size
        return self.slot.present[first : first + self.page_size]


def best_time_present(
    *,
    actor: Actor,
    guild_id: int,
    start: dt.datetime,
    length: dt.timedelta = dt.timedelta(hours=2),
    page: int = 1,
    page_size: int = PRESENT_PAGE_SIZE,
) -> PresentPage:
    """The players whose availability covers the slot [start, start + length), a page at a time:
    the full list behind a best time's head count (the best-time answer gives only counts and the
    missing officers). Any start instant is accepted; the reading of the windows is the finder's.
    Page 1 exists even when nobody is present. Officers only."""
    require_officer(actor, guild_id=guild_id)
    _check_length(length)
    first, last = START_YEARS
    if not first <= start.astimezone(dt.UTC).year <= last:
        raise ApplicationError(BAD_START, params={"first": first, "last": last}, field="start")
    if not 1 <= page_size <= PRESENT_PAGE_SIZE_MAX:
        raise ApplicationError(BAD_PAGE_SIZE, params={"largest": PRESENT_PAGE_SIZE_MAX}, field="page_size")
    slot = slot_roster(roster_for_scoring(guild_id=guild_id), start=start, length=length)
    pages = max(1, -(-len(slot.present) // page_size))
    if not 1 <= page <= pages:
        raise ApplicationError(
            BAD_PAGE,
            params={"page": page, "count": len(slot.present), "pages": pages, "page_size": page_size},
            field="page",
        )
    return PresentPage(slot=slot, page=page, pages=pages, page_size=page_size)


def availability_next_starts(*, player: Player, now: dt.datetime) -> list[tuple[PlayerAvailability, dt.datetime]]:
    """Each of the player's windows with its next start (UTC) at or after `now`, read in the
    player's zone (the same reading as the best-time finder)."""
    zone = player.timezone
    today = local_today(zone, now=now)
    result = []
    for row in availability_get(player=player):
        for offset in range(15):
            day = today + dt.timedelta(days=offset)
            if day.weekday() != row.day_of_week:
                continue
            start = wall_instant(day, row.earliest_start, zone)
            if start >= now:
                result.append((row, start))
                break
    return result


@dataclass
class RaidTimeOverview:
    slots: list[Slot]
    heatmap: Heatmap
    range_start: dt.datetime  # the first start offered (UTC)
    range_end: dt.datetime  # exclusive (UTC)
    length: dt.timedelta


def raid_time_overview(
    *,
    actor: Actor,
    guild_id: int,
    date_from: dt.date,
    days: int = 7,
    length: dt.timedelta = dt.timedelta(hours=2),
    top: int = 5,
    timezone: str | zoneinfo.ZoneInfo = "UTC",
    now: dt.datetime | None = None,
) -> RaidTimeOverview:
    """The best raid starts and the weighted-availability heatmap of the same days (30-minute
    grid, cells that have passed marked as such), from one roster load. Officers only."""
    require_officer(actor, guild_id=guild_id)
    grid = dt.timedelta(minutes=30)
    zone = zone_or_error(timezone)
    now = now or djtz.now()
    start, end = _checked_range(date_from=date_from, days=days, length=length, grid=grid, top=top, zone=zone, now=now)
    roster = roster_for_scoring(guild_id=guild_id)
    return RaidTimeOverview(
        slots=find_best_slots(roster, range_start=start, range_end=end, length=length, grid=grid, top=top),
        heatmap=weighted_heatmap(roster, date_from=date_from, days=days, zone=zone, grid=grid, not_before=start),
        range_start=start,
        range_end=end,
        length=length,
    )


def reminders_for_guild(*, guild_id: int, channel_id: int | None = None, query: str = "") -> QuerySet[Reminder]:
    """The guild's active reminders, next send first (optionally of one channel, or whose name
    contains `query`)."""
    reminders = Reminder.objects.filter(guild_id=guild_id, status=Reminder.Status.ACTIVE)
    if channel_id is not None:
        reminders = reminders.filter(channel_id=channel_id)
    if query:
        reminders = reminders.filter(name__icontains=query)
    return reminders.order_by(F("next_fire_at").asc(nulls_last=True), "name", "id")


def reminder_dispatches(*, reminder_ids, per_reminder: int = 5) -> dict[int, list[Dispatch]]:
    """The last `per_reminder` dispatch records of each reminder, newest first (one query)."""
    ranked = (
        Dispatch.objects.filter(source="reminder", source_id__in=list(reminder_ids))
        .annotate(
            rank=SqlWindow(
                expression=RowNumber(),
                partition_by=[F("source_id")],
                order_by=[F("occurrence").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=per_reminder)
        .order_by("source_id", "-occurrence", "-id")
    )
    found: dict[int, list[Dispatch]] = {}
    for record in ranked:
        found.setdefault(record.source_id, []).append(record)
    return found
