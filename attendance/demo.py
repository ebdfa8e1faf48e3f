"""Demo data for `make run`: a season and an upcoming raid with sign-ups, once.

The raid is the next Wednesday evening at least a day ahead (guild zone), posted in the demo
guild's raids channel. The demo member has not answered yet, so she can sign up herself."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone as dj_timezone

from attendance import services
from attendance.models import RaidSeason
from config import demo
from config.actors import SYSTEM
from config.timeutils import local_today, next_weekly_occurrence, zone_or_error
from scheduling.demo import load_demo_data as load_demo_roster
from scheduling.models import Player

SEASON_NAME = "Demo season"
RAID_TITLE = "Liberation of Undermine (demo)"
ANSWERS = (
    (demo.MODERATOR, "signed_up", ""),
    (demo.ADMIN, "signed_up", ""),
    (demo.RAIDERS[0], "signed_up", ""),
    (demo.RAIDERS[1], "tentative", ""),
    (demo.RAIDERS[2], "declined", "Travelling for work that week."),
    (demo.RAIDERS[3], "signed_up", ""),
)


def load_demo_data(now: datetime | None = None) -> str:
    now = now or dj_timezone.now()
    load_demo_roster()  # the sign-ups are players of the roster
    if RaidSeason.objects.filter(guild_id=demo.GUILD_ID, name=SEASON_NAME).exists():
        return "demo season already present"
    zone = zone_or_error(demo.GUILD_TIMEZONE)
    today = local_today(zone, now=now)
    services.season_create(actor=SYSTEM, guild_id=demo.GUILD_ID, name=SEASON_NAME, start_date=today.replace(day=1))
    start = next_weekly_occurrence(day_of_week=2, clock=time(20, 0), zone=zone, now=now + timedelta(days=1))
    leader = Player.objects.get(guild_id=demo.GUILD_ID, discord_user_id=demo.ADMIN.user_id)
    event = services.event_create(
        actor=SYSTEM,
        guild_id=demo.GUILD_ID,
        title=RAID_TITLE,
        start=start,
        duration=timedelta(hours=3),
        timezone=zone,
        discord_channel_id=demo.CHANNELS["raids"],
        notes="Bring flasks and food. Heroic progress on the last two bosses.",
        created_by=leader,
        now=now,
    )
    for member, answer, reason in ANSWERS:
        services.attendance_answer(
            event_id=event.pk,
            discord_user_id=member.user_id,
            answer=answer,
            guild_id=demo.GUILD_ID,
            reason=reason,
            now=now,
        )
    return f"demo season and raid {event.pk} on {start:%Y-%m-%d} with {len(ANSWERS)} answers"
