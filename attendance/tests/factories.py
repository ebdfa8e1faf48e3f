"""Factories for seasons and events (events are built through the service in tests that need its
rules; these are for fixtures)."""

from __future__ import annotations

import datetime as dt

import factory

from attendance.models import RaidEvent, RaidSeason
from scheduling.tests.factories import GUILD_ID


class SeasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RaidSeason

    guild_id = GUILD_ID
    name = factory.Sequence(lambda n: f"Season {n}")
    start_date = dt.date(2026, 1, 1)
    is_active = True


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RaidEvent

    guild_id = GUILD_ID
    title = factory.Sequence(lambda n: f"Raid {n}")
    start_time_utc = factory.LazyFunction(lambda: dt.datetime(2030, 1, 7, 19, tzinfo=dt.UTC))
    end_time_utc = factory.LazyAttribute(lambda o: o.start_time_utc + dt.timedelta(hours=2))
    event_date = factory.LazyAttribute(lambda o: o.start_time_utc.date())
