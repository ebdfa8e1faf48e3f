"""An event belongs to the season current on its date, whenever the season was created or
changed (issue 12)."""

import datetime as dt

import pytest

from attendance import selectors, services
from attendance.models import RaidEvent
from attendance.tests.factories import EventFactory, SeasonFactory
from scheduling.actors import SYSTEM
from scheduling.tests.factories import GUILD_ID

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)


def season_of(event: RaidEvent):
    return selectors.event_season(event=RaidEvent.objects.get(pk=event.pk))


def test_a_season_created_after_the_event_takes_it():
    event = services.event_create(
        actor=SYSTEM,
        guild_id=GUILD_ID,
        title="Heroic",
        start=dt.datetime(2030, 1, 7, 19, tzinfo=dt.UTC),
        now=NOW,
    )
    assert season_of(event) is None
    season = services.season_create(actor=SYSTEM, guild_id=GUILD_ID, name="S1", start_date=dt.date(2029, 12, 1))
    assert season_of(event) == season
    assert list(RaidEvent.objects.in_season(season)) == [event]


def test_membership_follows_the_season_dates_and_active_flag():
    old = SeasonFactory(name="Old", start_date=dt.date(2029, 1, 1))
    new = SeasonFactory(name="New", start_date=dt.date(2030, 2, 1))
    january = EventFactory(start_time_utc=dt.datetime(2030, 1, 7, 19, tzinfo=dt.UTC))
    assert season_of(january) == old
    services.season_update(actor=SYSTEM, season=new, start_date=dt.date(2030, 1, 1))
    assert season_of(january) == new
    assert list(RaidEvent.objects.in_season(old)) == []
    services.season_update(actor=SYSTEM, season=new, is_active=False)
    assert season_of(january) == old
    services.season_update(actor=SYSTEM, season=old, start_date=dt.date(2030, 1, 8))
    assert season_of(january) is None


def test_events_annotated_with_their_season():
    season = SeasonFactory(start_date=dt.date(2030, 1, 1))
    inside = EventFactory(start_time_utc=dt.datetime(2030, 1, 7, 19, tzinfo=dt.UTC))
    EventFactory(start_time_utc=dt.datetime(2029, 12, 7, 19, tzinfo=dt.UTC))
    annotated = RaidEvent.objects.with_season().get(pk=inside.pk)
    assert (annotated.season_pk, annotated.season_name) == (season.pk, season.name)
    assert list(RaidEvent.objects.in_season(season)) == [inside]
