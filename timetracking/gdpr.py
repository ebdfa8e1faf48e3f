"""The time-tracking app's personal data (registry: config.gdpr; rules: docs/gdpr.md).
Everything in it is one member's own: it all goes with the tracked user (CASCADE)."""

from __future__ import annotations

from config.gdpr import Erase, Link, register
from timetracking.models import FocusSession, Subject, TrackedUser, WeeklyAllocation

register(TrackedUser, Link("id", Erase.DELETE))
register(Subject, Link("user", Erase.FOLLOWS))
register(WeeklyAllocation, Link("user", Erase.FOLLOWS))
register(FocusSession, Link("user", Erase.FOLLOWS))
