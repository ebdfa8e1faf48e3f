"""The attendance app's personal data (registry: config.gdpr; rules: docs/gdpr.md)."""

from __future__ import annotations

from attendance.models import RaidAttendance, RaidEvent
from config.gdpr import Erase, Link, register

register(RaidAttendance, Link("player__discord_user_id", Erase.FOLLOWS))
register(RaidEvent, Link("created_by_player__discord_user_id", Erase.FOLLOWS))
