"""Shared reads: an event's answers and attendance, and attendance statistics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone as djtz

from attendance.models import RaidAttendance, RaidEvent, RaidSeason
from scheduling.models import Player


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
    """Who attended, who was excused and who was absent without notice, for one event (players
    of the guild that joined before the event ended, plus anyone with a row)."""
    rows = {row.player_id: row for row in RaidAttendance.objects.filter(event=event).select_related("player")}
    expected = {
        player.pk: player
        for player in Player.objects.filter(guild_id=event.guild_id, created_at__lte=event.end_time_utc)
    }
    expected.update({player_id: row.player for player_id, row in rows.items()})
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
    now: dt.datetime | None = None,
) -> list[PlayerStats]:
    """Per player: the ended events they were expected at (the season's events, or all the
    guild's when `season` is None, that ended after the player joined, plus any event they have a
    row for), how many they attended, how many they missed with a noted absence (excused) and
    without (unexcused), and the rate attended/events. Three queries, however many players."""
    now = now or djtz.now()
    events = RaidEvent.objects.filter(guild_id=guild_id, end_time_utc__lte=now)
    if season is not None:
        events = events.filter(season=season)
    event_end = dict(events.values_list("pk", "end_time_utc"))
    players: QuerySet[Player] = Player.objects.filter(guild_id=guild_id).select_related("rank")
    if player is not None:
        players = players.filter(pk=player.pk)
    rows: dict[int, dict[int, RaidAttendance]] = {}
    for row in RaidAttendance.objects.filter(event_id__in=list(event_end), player__in=players).only(
        "event_id", "player_id", "attended", "noted_absence"
    ):
        rows.setdefault(row.player_id, {})[row.event_id] = row
    stats = []
    for each in players.order_by("display_name", "id"):
        own = rows.get(each.pk, {})
        expected = {event_id for event_id, end in event_end.items() if end >= each.created_at} | set(own)
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
