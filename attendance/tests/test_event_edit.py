"""Editing and cancelling raid events (issue 12): officers only, bounded and validated fields,
the post re-rendered under a new version, and one DM per change to those signed up."""

import datetime as dt

import pytest

from attendance import selectors, services, signals
from attendance.models import RaidEvent
from attendance.tests.factories import EventFactory
from config.exceptions import ApplicationError
from scheduling.actors import SYSTEM, Actor
from scheduling.tests.factories import GUILD_ID, PlayerFactory, rank
from scheduling.tests.test_api import client_for

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)
START = dt.datetime(2030, 1, 7, 19, tzinfo=dt.UTC)


@pytest.fixture
def changes():
    seen = []

    def receiver(sender, event, time_changed, cancelled, **kwargs):
        seen.append((event.version, time_changed, cancelled))

    signals.event_changed.connect(receiver)
    yield seen
    signals.event_changed.disconnect(receiver)


def test_edit_moves_the_event_and_signals_a_time_change(changes):
    event = EventFactory(start_time_utc=START)
    RaidEvent.objects.filter(pk=event.pk).update(reminder_sent_at=NOW)
    edited = services.event_update(
        actor=SYSTEM,
        event_id=event.pk,
        title="  Mythic  ",
        start=START + dt.timedelta(days=1),
        duration=dt.timedelta(hours=3),
        notes="Flasks",
        timezone="Europe/Berlin",
        now=NOW,
    )
    assert (edited.title, edited.notes) == ("Mythic", "Flasks")
    assert (edited.start_time_utc, edited.end_time_utc) == (
        START + dt.timedelta(days=1),
        START + dt.timedelta(days=1, hours=3),
    )
    assert edited.event_date == dt.date(2030, 1, 8)
    assert edited.reminder_sent_at is None  # the reminder goes out again for the new time
    services.event_update(actor=SYSTEM, event_id=event.pk, notes="Only notes", now=NOW)
    assert changes == [(1, True, False), (2, False, False)]


def test_log_url_and_raid_helper_id_are_validated_and_bounded(changes):
    event = EventFactory(start_time_utc=START)
    for url in ("javascript:alert(1)", "ftp://logs.example/x", "https://" + "a" * 500 + ".com", "not a url"):
        with pytest.raises(ApplicationError) as error:
            services.event_update(actor=SYSTEM, event_id=event.pk, log_url=url, now=NOW)
        assert error.value.field == "log_url"
    for value in ("x" * 31, "bad id!"):
        with pytest.raises(ApplicationError) as error:
            services.event_update(actor=SYSTEM, event_id=event.pk, raid_helper_event_id=value, now=NOW)
        assert error.value.field == "raid_helper_event_id"
    with pytest.raises(ApplicationError) as error:
        services.event_update(actor=SYSTEM, event_id=event.pk, notes="n" * 1001, now=NOW)
    assert error.value.field == "notes"
    with pytest.raises(ApplicationError) as error:
        services.event_update(actor=SYSTEM, event_id=event.pk, title="t" * 201, now=NOW)
    assert error.value.field == "title"
    assert changes == []
    after = START + dt.timedelta(hours=3)  # logs are added after the raid
    services.event_update(
        actor=SYSTEM,
        event_id=event.pk,
        log_url="https://www.warcraftlogs.com/reports/abc",
        raid_helper_event_id="1234567890",
        now=after,
    )
    event.refresh_from_db()
    assert (event.log_url, event.raid_helper_event_id) == ("https://www.warcraftlogs.com/reports/abc", "1234567890")


def test_members_cannot_edit_or_cancel():
    event = EventFactory(start_time_utc=START)
    member = PlayerFactory(rank=rank(level=3))
    actor = Actor(user_id=member.discord_user_id)
    with pytest.raises(ApplicationError) as error:
        services.event_update(actor=actor, event_id=event.pk, title="Mine", now=NOW)
    assert error.value.code == "permission_denied"
    with pytest.raises(ApplicationError) as error:
        services.event_cancel(actor=actor, event_id=event.pk, now=NOW)
    assert error.value.code == "permission_denied"
    event.refresh_from_db()
    assert event.cancelled_at is None and event.version == 0


def test_a_started_event_cannot_move_and_a_cancelled_one_is_closed(changes):
    event = EventFactory(start_time_utc=START)
    with pytest.raises(ApplicationError) as error:
        services.event_update(actor=SYSTEM, event_id=event.pk, start=START + dt.timedelta(hours=1), now=START)
    assert error.value.message == services.EVENT_STARTED
    with pytest.raises(ApplicationError) as error:
        services.event_update(actor=SYSTEM, event_id=event.pk, start=NOW - dt.timedelta(hours=1), now=NOW)
    assert error.value.message == services.START_IN_PAST
    player = PlayerFactory()
    services.attendance_answer(
        event_id=event.pk, discord_user_id=player.discord_user_id, answer="signed_up", guild_id=GUILD_ID, now=NOW
    )
    cancelled = services.event_cancel(actor=SYSTEM, event_id=event.pk, now=NOW)
    assert cancelled.cancelled_at == NOW
    assert changes == [(2, False, True)]
    with pytest.raises(ApplicationError) as error:
        services.event_cancel(actor=SYSTEM, event_id=event.pk, now=NOW)
    assert error.value.message == services.EVENT_CANCELLED
    with pytest.raises(ApplicationError) as error:
        services.event_update(actor=SYSTEM, event_id=event.pk, title="Again", now=NOW)
    assert error.value.message == services.EVENT_CANCELLED
    with pytest.raises(ApplicationError) as error:
        services.attendance_answer(
            event_id=event.pk, discord_user_id=player.discord_user_id, answer="tentative", guild_id=GUILD_ID, now=NOW
        )
    assert error.value.message == services.EVENT_CANCELLED
    soon = START - dt.timedelta(minutes=10)
    assert selectors.events_due_for_reminder(now=soon) == []
    assert services.event_send_reminder(event_id=event.pk, now=soon) is False
    assert selectors.events_due_for_summary(now=START + dt.timedelta(hours=3)) == []
    stats = selectors.attendance_statistics(guild_id=GUILD_ID, now=START + dt.timedelta(hours=3))
    assert all(s.events == 0 for s in stats)


def test_api_patch_and_cancel():
    officer = client_for(PlayerFactory(rank=rank(level=4)))
    event = EventFactory(start_time_utc=dt.datetime(2099, 1, 5, 19, tzinfo=dt.UTC))
    url = f"/api/attendance/guilds/{GUILD_ID}/events/{event.pk}/"
    response = officer.patch(
        url,
        {"title": "Heroic", "start": "2099-01-06 20:00", "timezone": "Europe/Berlin", "log_url": "https://x.example/r"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["title"], body["start_time_utc"], body["log_url"]) == (
        "Heroic",
        "2099-01-06T19:00:00Z",
        "https://x.example/r",
    )
    bad = officer.patch(url, {"log_url": "javascript:alert(1)"}, format="json")
    assert bad.status_code == 400 and "log_url" in bad.json()["fields"]
    member = client_for(PlayerFactory(rank=rank(level=2)))
    assert member.patch(url, {"title": "Mine"}, format="json").status_code == 403
    assert member.post(f"{url}cancel/").status_code == 403
    cancelled = officer.post(f"{url}cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["cancelled_at"] is not None
    assert officer.get(f"/api/attendance/guilds/{GUILD_ID}/events/{event.pk + 999}/").status_code in (404, 405)
