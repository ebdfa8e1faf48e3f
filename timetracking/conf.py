"""Time tracking's settings (declared in config/settings.py from the environment), bounded to
sensible values; the defaults are the issue's."""

from __future__ import annotations

from django.conf import settings


def forgotten_hours() -> int:
    """TIMETRACKING_FORGOTTEN_HOURS (12): hours without a sign of life before a running session's
    owner is asked about it; after twice that it is clocked out automatically."""
    return max(1, int(settings.TIMETRACKING_FORGOTTEN_HOURS))


def summary_hour() -> int:
    """TIMETRACKING_SUMMARY_HOUR (8): the local hour on Monday from which the weekly summary DM goes out."""
    return min(23, max(0, int(settings.TIMETRACKING_SUMMARY_HOUR)))
