"""Shared reads: the current season, the events due for a reminder or a summary, an event's
answers and attendance, and attendance statistics (with who may see whose)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone as djtz

from attendance.models import RaidAttendance, RaidEvent, RaidSeason, seasons_on
from config.exceptions import ApplicationError
from scheduling.actors import Actor, is_officer
from scheduling.models import Player

REMINDER_LEAD = dt.timedelta(minutes=30)
OTHERS_STATS = "Only officers can see other players' attendance."
NO_CURRENT_SEASON = (
    "This guild has no current season (no active season has started), so there are no statistics to show. "
    "Pick a season, ask for all seasons, or have an officer create one."
)
UNKNOWN_SEASON = "No season with that id in this guild."


def _expected(player: Player, row: RaidAttendance | None, event_end: dt.datetime) -> bool:
    """Was `player` expected at an event: on the raid team (rank weight > 0 or the flag) and on
    the roster before it ended, or signed up, or there (an attended raid always counts)."""
    if row is not None and (row.signed_up or row.attended):
        return True
    return player.on_raid_team and player.created_at <= event_end


def season_current(*, guild_id: int, today: dt.date | None = None) -> RaidSeason | None:
    """The active season with the latest start_date not after `today` (UTC date by default)."""
    return seasons_on(guild_id=guild_id, day=today or djtz.now().date()).first()


def event_season(*, event: RaidEvent) -> RaidSeason | None:
    """The season an event belongs to: the one current on its date (computed, never stored)."""
    return season_current(guild_id=event.guild_id, today=event.event_date)


def statistics_season(
    *, guild_id: int, season_id: int | None = None, all_seasons: bool = False, today: dt.date | None = None
) -> RaidSeason | None:
    """The season statistics cover: `season_id` (of this guild), None for every event when
    `all_seasons`, else the current season; refuses rather than silently covering every event
    when there is no current season."""
    if season_id is not None:
        season = RaidSeason.objects.filter(pk=season_id, guild_id=guild_id).first()
        if season is None:
            raise ApplicationError(UNKNOWN_SEASON, field="season")
        return season
    if all_seasons:
        return None
    season = season_current(guild_id=guild_id, today=today)
    if season is None:
        raise ApplicationError(NO_CURRENT_SEASON, field="season", code="no_current_season")
    return season


def season_list(*, guild_id: int):
    """The guild's seasons, newest start first."""
    return RaidSeason.objects.filter(guild_id=guild_id).order_by("-start_date", "-id")


def events_due_for_reminder(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of the events starting within the reminder lead that have not been reminded."""
    now = now or djtz.now()
    return list(
        RaidEvent.objects.filter(
            reminder_sent_at__isnull=True,
            cancelled_at__isnull=True,
            start_time_utc__gt=now,
            start_time_utc__lte=now + REMINDER_LEAD,
        ).values_list("pk", flat=True)
    )


def events_due_for_summary(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of the events that ended in the last week and have no summary yet."""
    now = now or djtz.now()
    # Only events that ended in the last week: an old event imported later gets no summary.
    return list(
        RaidEvent.objects.filter(
            summary_sent_at__isnull=True,
            cancelled_at__isnull=True,
            end_time_utc__lte=now,
            end_time_utc__gt=now - dt.timedelta(days=7),
        ).values_list("pk", flat=True)
    )


def event_answers(*, event: RaidEvent) -> dict[str, list[Player]]:
    """Players by answer (signed_up, tentative, declined), one query."""
    rows = RaidAttendance.objects.filter(event=event).select_related("player").order_by("player__display_name", "id")
    answers: dict[str, list[Player]] = {"signed_up": [], "tentative": [], "declined": []}
    for row in rows:
        if row.signed_up:
            answers["signed_up"].append(row.player)
        elif row.tentative:
            answers["tentative"].append(row.player)
        elif row.noted_absence:
            answers["declined"].append(row.player)
    return answers


def event_summary(*, event: RaidEvent) -> dict:
    """Who attended, who was excused and who was absent without notice, for one event, among the
    players expected at it: the raid team (rank weight > 0 or the flag) that joined before it
    ended, and whoever signed up or attended."""
    rows = {row.player_id: row for row in RaidAttendance.objects.filter(event=event).select_related("player__rank")}
    candidates = Player.objects.filter(guild_id=event.guild_id, created_at__lte=event.end_time_utc).filter(
        Q(raid_team=True) | Q(rank__scheduling_weight__gt=0)
    )
    everyone = {player.pk: player for player in candidates.select_related("rank")}
    everyone.update({player_id: row.player for player_id, row in rows.items()})
    expected = {
        player_id: player
        for player_id, player in everyone.items()
        if _expected(player, rows.get(player_id), event.end_time_utc)
    }
    attended, excused, unexcused = [], [], []
    for player_id, player in sorted(expected.items(), key=lambda item: (str(item[1]), item[0])):
        row = rows.get(player_id)
        if row is not None and row.attended:
            attended.append(player)
        elif row is not None and row.noted_absence:
            excused.append(player)
        else:
            unexcused.append(player)
    return {"attended": attended, "excused": excused, "unexcused": unexcused}


@dataclass(frozen=True)
class PlayerStats:
    player: Player
    events: int
    attended: int
    excused: int
    unexcused: int

    @property
    def rate(self) -> float | None:
        return round(self.attended / self.events, 4) if self.events else None


def attendance_statistics(
    *,
    guild_id: int,
    season: RaidSeason | None = None,
    player: Player | None = None,
    players: QuerySet[Player] | None = None,
    now: dt.datetime | None = None,
) -> list[PlayerStats]:
    """Per player: the ended events they were expected at (of the season's events, or all the
    guild's when `season` is None: see `_expected`), how many they attended, how many they
    missed with a noted absence (excused) and without (unexcused), and the rate attended/events. Three queries, however many players."""
    now = now or djtz.now()
    events = RaidEvent.objects.filter(guild_id=guild_id, end_time_utc__lte=now, cancelled_at__isnull=True)
    if season is not None:
        events = events.in_season(season)
    event_end = dict(events.values_list("pk", "end_time_utc"))
    players = (players if players is not None else Player.objects.all()).filter(guild_id=guild_id)
    players = players.select_related("rank")
    if player is not None:
        players = players.filter(pk=player.pk)
    rows: dict[int, dict[int, RaidAttendance]] = {}
    for row in RaidAttendance.objects.filter(event_id__in=list(event_end), player__in=players).only(
        "event_id", "player_id", "attended", "noted_absence", "signed_up"
    ):
        rows.setdefault(row.player_id, {})[row.event_id] = row
    stats = []
    for each in players.order_by("display_name", "id"):
        own = rows.get(each.pk, {})
        expected = {event_id for event_id, end in event_end.items() if _expected(each, own.get(event_id), end)}
        attended = sum(1 for event_id in expected if event_id in own and own[event_id].attended)
        excused = sum(
            1 for event_id in expected if event_id in own and not own[event_id].attended and own[event_id].noted_absence
        )
        stats.append(
            PlayerStats(
                player=each,
                events=len(expected),
                attended=attended,
                excused=excused,
                unexcused=len(expected) - attended - excused,
            )
        )
    return stats


def recent_events(*, guild_id: int, query: str = "", limit: int = 25) -> QuerySet[RaidEvent]:
    """The guild's events, newest start first, whose title contains `query` (autocomplete)."""
    events = RaidEvent.objects.filter(guild_id=guild_id)
    if query:
        events = events.filter(title__icontains=query)
    return events.order_by("-start_time_utc")[:limit]


def statistics_for(
    *,
    actor: Actor,
    guild_id: int,
    season: RaidSeason | None = None,
    discord_user_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[PlayerStats]:
    """`attendance_statistics` as `actor` may see them: officers anyone's (or everyone's when
    `discord_user_id` is None), members only their own line. A member not on the roster yet has
    no line (an empty list); nothing is written."""
    officer = is_officer(actor, guild_id=guild_id)
    if not officer:
        if discord_user_id is not None and discord_user_id != actor.user_id:
            raise ApplicationError(OTHERS_STATS, field="player", code="permission_denied")
        discord_user_id = actor.user_id
        if discord_user_id is None:
            return []
    player = None
    if discord_user_id is not None:
        player = Player.objects.filter(guild_id=guild_id, discord_user_id=discord_user_id).first()
        if player is None:
            return []
    return attendance_statistics(guild_id=guild_id, season=season, player=player, now=now)
