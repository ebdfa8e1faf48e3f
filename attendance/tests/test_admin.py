"""The events' back office: officers edit the bounded text fields through `event_update` and
cancel through `event_cancel`; the season filter follows the dates."""

import datetime as dt

import pytest

from attendance.models import RaidEvent
from attendance.tests.factories import EventFactory, SeasonFactory

pytestmark = pytest.mark.django_db
INLINE = {
    "attendance-TOTAL_FORMS": "0",
    "attendance-INITIAL_FORMS": "0",
    "attendance-MIN_NUM_FORMS": "0",
    "attendance-MAX_NUM_FORMS": "1000",
}


def test_event_text_fields_are_edited_through_the_service(admin_client):
    event = EventFactory(start_time_utc=dt.datetime(2099, 1, 5, 19, tzinfo=dt.UTC))
    url = f"/admin/attendance/raidevent/{event.pk}/change/"
    assert admin_client.get(url).status_code == 200
    bad = admin_client.post(
        url, {"title": "Raid", "notes": "", "log_url": "javascript:alert(1)", "raid_helper_event_id": "", **INLINE}
    )
    assert bad.status_code == 200 and b"errorlist" in bad.content
    assert RaidEvent.objects.get(pk=event.pk).version == 0
    good = admin_client.post(
        url,
        {"title": "Heroic", "notes": "n", "log_url": "https://logs.example/r", "raid_helper_event_id": "123", **INLINE},
    )
    assert good.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.log_url, event.raid_helper_event_id, event.version) == (
        "Heroic",
        "https://logs.example/r",
        "123",
        1,
    )


def test_cancel_action_and_season_filter(admin_client):
    season = SeasonFactory(start_date=dt.date(2099, 1, 1))
    event = EventFactory(start_time_utc=dt.datetime(2099, 1, 5, 19, tzinfo=dt.UTC))
    listing = admin_client.get(f"/admin/attendance/raidevent/?season={season.pk}")
    assert listing.status_code == 200 and event.title.encode() in listing.content
    assert admin_client.get("/admin/attendance/raidevent/?season=abc").status_code == 200
    response = admin_client.post(
        "/admin/attendance/raidevent/", {"action": "cancel_events", "_selected_action": [str(event.pk)]}
    )
    assert response.status_code == 302
    assert RaidEvent.objects.get(pk=event.pk).cancelled_at is not None
