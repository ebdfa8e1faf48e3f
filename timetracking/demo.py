"""Demo data for `make run`: the demo member's finished week, built through the services, once.

Last week (in her zone) she had allocations for three subjects and worked through focus sessions
against them, every one ended and confirmed; this week has its allocations and no session yet, so
her first `/session in` starts one."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone as dj_timezone

from config import demo
from config.timeutils import wall_instant, week_containing, zone_or_error
from timetracking import services
from timetracking.models import TrackedUser

DEMO_USER_ID = demo.MEMBER.user_id
ALLOCATIONS = {"search_engine": 6 * 60, "Gym": 3 * 60, "Spanish": 2 * 60}
# (day of last week 0 = Monday, subject, goal, start, minutes worked, minutes paused)
SESSIONS = (
    (0, "search_engine", "finish the web scraper", time(19, 0), 110, 10),
    (1, "Gym", "", time(18, 0), 75, 0),
    (2, "search_engine", "rank pages by links", time(19, 30), 95, 15),
    (3, "Spanish", "chapter 4 exercises", time(20, 0), 45, 0),
    (4, "Gym", "", time(17, 30), 60, 0),
    (5, "search_engine", "index 10,000 pages", time(10, 0), 140, 20),
    (6, "Spanish", "listening practice", time(11, 0), 40, 5),
)


def load_demo_data(now: datetime | None = None) -> str:
    now = now or dj_timezone.now()
    if TrackedUser.objects.filter(pk=DEMO_USER_ID).exists():
        return "demo time-tracking user already present"
    zone = zone_or_error(demo.MEMBER.timezone)
    services.tracked_user_set_timezone(user_id=DEMO_USER_ID, zone=zone)
    this_week = week_containing(now, zone).start_date
    last_week = this_week - timedelta(days=7)
    for week in (last_week, this_week):
        for subject, minutes in ALLOCATIONS.items():
            services.allocation_set(user_id=DEMO_USER_ID, subject=subject, minutes=minutes, week_start=week, now=now)
    for day, subject, goal, clock, worked, paused in SESSIONS:
        start = wall_instant(last_week + timedelta(days=day), clock, zone)
        session = services.session_clock_in(user_id=DEMO_USER_ID, subject=subject, goal=goal or None, now=start)
        if paused:
            pause_at = start + timedelta(minutes=worked // 2)
            services.session_pause(user_id=DEMO_USER_ID, session_id=session.pk, now=pause_at)
            services.session_resume(
                user_id=DEMO_USER_ID, session_id=session.pk, now=pause_at + timedelta(minutes=paused)
            )
        end = start + timedelta(minutes=worked + paused)
        services.session_clock_out(user_id=DEMO_USER_ID, session_id=session.pk, now=end)
        services.session_confirm(user_id=DEMO_USER_ID, session_id=session.pk)
    return (
        f"demo time-tracking user {DEMO_USER_ID}: {len(ALLOCATIONS)} subjects allocated last week and this week, "
        f"{len(SESSIONS)} confirmed sessions last week, none running"
    )
