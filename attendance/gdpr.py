"""The attendance app's personal data (registry: support.gdpr.registry; rules: docs/gdpr.md)."""

from __future__ import annotations

from attendance.models import RaidAttendance, RaidEvent
from support.gdpr.registry import Erase, Link, register

register(RaidAttendance, Link("player__discord_user_id", Erase.FOLLOWS))
register(RaidEvent, Link("created_by_player__discord_user_id", Erase.FOLLOWS))
