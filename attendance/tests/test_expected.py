"""Statistics and summaries count only the players who were expected at a raid: those who
signed up, and the raid team (a rank with scheduling weight > 0, or the officer-set flag)."""

import datetime as dt

import pytest

from attendance import selectors, services
from attendance.tests.factories import EventFactory, SeasonFactory
from config.exceptions import ApplicationError
from scheduling import services as roster_services
from scheduling.actors import SYSTEM
from scheduling.tests.factories import GUILD_ID, PlayerFactory, rank
from scheduling.tests.test_api import client_for

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)
AFTER = dt.datetime(2030, 1, 20, tzinfo=dt.UTC)
JOINED = dt.datetime(2029, 1, 1, tzinfo=dt.UTC)


def player(name: str, level: int, **extra):
    row = PlayerFactory(display_name=name, rank=rank(level=level), **extra)
    row.created_at = JOINED
    row.save(update_fields=["created_at"])
    return row


def answer(event, who, value, reason=""):
    services.attendance_answer(
        event_id=event.pk, discord_user_id=who.discord_user_id, answer=value, reason=reason, guild_id=GUILD_ID, now=NOW
    )


@pytest.fixture
def raid():
    """One ended raid in the current season, and a roster around it."""
    SeasonFactory(start_date=dt.date(2029, 12, 1))
    event = EventFactory(start_time_utc=dt.datetime(2030, 1, 7, 19, tzinfo=dt.UTC))
    people = {
        "idle initiate": player("idle initiate", 1),
        "signed initiate": player("signed initiate", 1),
        "tentative initiate": player("tentative initiate", 1),
        "attending initiate": player("attending initiate", 1),
        "team initiate": player("team initiate", 1, raid_team=True),
        "absent member": player("absent member", 2),
    }
    answer(event, people["signed initiate"], "signed_up")
    answer(event, people["tentative initiate"], "tentative")
    services.attendance_record(actor=SYSTEM, event_id=event.pk, player=people["attending initiate"], now=AFTER)
    return event, people


def test_statistics_count_only_the_expected(raid):
    event, people = raid
    stats = {
        s.player.display_name: (s.events, s.attended, s.unexcused)
        for s in selectors.attendance_statistics(
            guild_id=GUILD_ID, season=selectors.season_current(guild_id=GUILD_ID, today=AFTER.date()), now=AFTER
        )
    }
    assert stats["idle initiate"] == (0, 0, 0)
    assert stats["tentative initiate"] == (0, 0, 0)
    assert stats["signed initiate"] == (1, 0, 1)
    assert stats["attending initiate"] == (1, 1, 0)
    assert stats["team initiate"] == (1, 0, 1)
    assert stats["absent member"] == (1, 0, 1)


def test_the_summary_lists_only_the_expected(raid):
    event, people = raid
    summary = selectors.event_summary(event=event)
    unexcused = {p.display_name for p in summary["unexcused"]}
    assert unexcused == {"signed initiate", "team initiate", "absent member"}
    assert [p.display_name for p in summary["attended"]] == ["attending initiate"]


def test_officers_set_the_raid_team_flag_through_the_service_and_the_api(raid):
    _, people = raid
    idle = people["idle initiate"]
    roster_services.player_update(actor=SYSTEM, player=idle, raid_team=True)
    idle.refresh_from_db()
    assert idle.raid_team is True
    officer = client_for(PlayerFactory(rank=rank(level=4)))
    url = f"/api/scheduling/guilds/{GUILD_ID}/players/{idle.pk}/"
    response = officer.patch(url, {"raid_team": False}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["raid_team"] is False
    idle.refresh_from_db()
    assert idle.raid_team is False


def test_statistics_without_a_current_season_say_so():
    officer = client_for(PlayerFactory(rank=rank(level=4)))
    EventFactory(start_time_utc=dt.datetime(2020, 1, 7, 19, tzinfo=dt.UTC))
    base = f"/api/attendance/guilds/{GUILD_ID}/statistics/"
    response = officer.get(base)
    assert response.status_code == 400
    assert response.json()["detail"] == selectors.NO_CURRENT_SEASON
    assert officer.get(f"{base}?all_seasons=true").status_code == 200
    with pytest.raises(ApplicationError) as error:
        selectors.statistics_season(guild_id=GUILD_ID)
    assert error.value.message == selectors.NO_CURRENT_SEASON
