"""factory_boy factories for the shifts app."""

from __future__ import annotations

from datetime import UTC, datetime

import factory

from shifts.models import ModSchedule, Shift, ShiftPolicy

GUILD = 700_000_000_000_000_001
OTHER_GUILD = 700_000_000_000_000_002
CHANNEL = 710_000_000_000_000_001
DROPPER = 720_000_000_000_000_001
MOD_A = 720_000_000_000_000_002
MOD_B = 720_000_000_000_000_003
ADMIN = 720_000_000_000_000_009
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class ShiftPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShiftPolicy
        django_get_or_create = ("guild_id",)

    guild_id = GUILD


class ModScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModSchedule

    guild_id = GUILD
    user_id = DROPPER
    day_of_week = 0
    hour = 18
    minute = 0
    timezone = "America/New_York"
    duration_hours = 2.0


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    guild_id = GUILD
    channel_id = CHANNEL
    description = "Cover the help desk"
    created_by = DROPPER
    start_time_utc = datetime(2026, 6, 3, 18, 0, tzinfo=UTC)
    duration_hours = 1.0
    timezone = "UTC"
