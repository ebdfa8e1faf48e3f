"""Demo data for `make run`: one user's week, built through the services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from timetracking import services
from timetracking.models import TrackedUser

DEMO_USER_ID = 100_000_000_000_000_301


def load_demo_data() -> str:
    if TrackedUser.objects.filter(pk=DEMO_USER_ID).exists():
        return "demo time-tracking user already present"
    now = timezone.now()
    services.allocation_set(user_id=DEMO_USER_ID, subject="search_engine", minutes=6 * 60, now=now)
    services.allocation_set(user_id=DEMO_USER_ID, subject="Gym", minutes=3 * 60, now=now)
    start = now - timedelta(hours=3)
    session = services.session_clock_in(
        user_id=DEMO_USER_ID, subject="search_engine", goal="finish web scraper", now=start
    )
    services.session_pause(user_id=DEMO_USER_ID, session_id=session.pk, now=start + timedelta(minutes=50))
    services.session_resume(user_id=DEMO_USER_ID, session_id=session.pk, now=start + timedelta(minutes=60))
    services.session_clock_out(user_id=DEMO_USER_ID, session_id=session.pk, now=start + timedelta(minutes=130))
    services.session_confirm(user_id=DEMO_USER_ID, session_id=session.pk)
    services.session_clock_in(user_id=DEMO_USER_ID, subject="Gym", now=now - timedelta(minutes=20))
    return f"demo time-tracking user {DEMO_USER_ID} with 2 subjects and 2 sessions"
