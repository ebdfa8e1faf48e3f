"""The time-tracking app's personal data (registry: support.gdpr.registry; rules: docs/gdpr.md).
Everything in it is one member's own: it all goes with the tracked user (CASCADE)."""

from __future__ import annotations

from support.gdpr.registry import Erase, Link, register
from timetracking.models import FocusSession, Subject, TrackedUser, WeeklyAllocation

register(TrackedUser, Link("id", Erase.DELETE))
register(Subject, Link("user", Erase.FOLLOWS))
register(WeeklyAllocation, Link("user", Erase.FOLLOWS))
register(FocusSession, Link("user", Erase.FOLLOWS))
