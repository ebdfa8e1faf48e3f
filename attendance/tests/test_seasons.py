"""The seed's Task 10 season tests."""

import datetime as dt

import pytest

from attendance import selectors, services
from attendance.models import RaidSeason
from attendance.tests.factories import SeasonFactory
from config.exceptions import ApplicationError
from scheduling.actors import SYSTEM
from scheduling.tests.factories import GUILD_ID

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


def test_get_current_season_returns_latest_started():
    SeasonFactory(name="S1", start_date=dt.date(2026, 1, 1))
    latest = SeasonFactory(name="S2", start_date=dt.date(2026, 5, 1))
    SeasonFactory(name="S0", start_date=dt.date(2025, 9, 1))
    assert selectors.season_current(guild_id=GUILD_ID, today=TODAY) == latest


def test_get_current_season_ignores_future_start_dates():
    current = SeasonFactory(name="S1", start_date=dt.date(2026, 1, 1))
    SeasonFactory(name="S2", start_date=dt.date(2026, 6, 2))
    assert selectors.season_current(guild_id=GUILD_ID, today=TODAY) == current
    assert selectors.season_current(guild_id=GUILD_ID, today=dt.date(2026, 6, 2)).name == "S2"


def test_get_current_season_ignores_inactive():
    current = SeasonFactory(name="S1", start_date=dt.date(2026, 1, 1))
    SeasonFactory(name="S2", start_date=dt.date(2026, 5, 1), is_active=False)
    assert selectors.season_current(guild_id=GUILD_ID, today=TODAY) == current


def test_current_season_is_per_guild_and_none_without_one():
    SeasonFactory(guild_id=5, name="Other", start_date=dt.date(2026, 1, 1))
    assert selectors.season_current(guild_id=GUILD_ID, today=TODAY) is None


def test_create_season():
    season = services.season_create(
        actor=SYSTEM, guild_id=GUILD_ID, name=" Season 2 - Undermine ", start_date=dt.date(2026, 3, 1)
    )
    assert (season.name, season.start_date, season.is_active) == ("Season 2 - Undermine", dt.date(2026, 3, 1), True)
    assert list(selectors.season_list(guild_id=GUILD_ID)) == [season]
    with pytest.raises(ApplicationError) as error:
        services.season_create(
            actor=SYSTEM, guild_id=GUILD_ID, name="Season 2 - Undermine", start_date=dt.date(2026, 4, 1)
        )
    assert (error.value.message, error.value.field) == (services.SEASON_EXISTS, "name")
    with pytest.raises(ApplicationError):
        services.season_create(actor=SYSTEM, guild_id=GUILD_ID, name="  ", start_date=dt.date(2026, 4, 1))
    assert RaidSeason.objects.count() == 1


def test_update_season():
    season = SeasonFactory(name="S1")
    services.season_update(actor=SYSTEM, season=season, name="Renamed", is_active=False)
    season.refresh_from_db()
    assert (season.name, season.is_active) == ("Renamed", False)
