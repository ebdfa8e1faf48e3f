"""The back office of reminders: lists and pages render, the next sends shown in the reminder's
zone, its dispatch history, archiving through the service, clock settings saved through the
service, calendar links rotated."""

from __future__ import annotations

import datetime as dt

import pytest

from config.actors import Actor
from scheduling import dispatcher
from scheduling.models import CalendarFeed, GuildClockSettings, Reminder
from scheduling.services import reminders as services

pytestmark = pytest.mark.django_db

GUILD = 880_000_000_000_000_001


def weekly() -> Reminder:
    return services.reminder_create(
        actor=Actor(user_id=5, is_moderator=True),
        guild_id=GUILD,
        name="Raid night",
        message="Log in",
        channel_id=7,
        timezone_name="America/New_York",
        days="mon",
        time_text="20:00",
    )


def test_reminder_pages_show_the_next_sends_in_its_zone_and_the_history(admin_client):
    reminder = weekly()
    dispatcher.dispatch_due(now=reminder.next_fire_at + dt.timedelta(hours=2))  # missed
    listing = admin_client.get("/admin/scheduling/reminder/?status__exact=active")
    assert listing.status_code == 200
    page = admin_client.get(f"/admin/scheduling/reminder/{reminder.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("20:00 E") >= 1 + 5  # next send + 5 previewed, at 20:00 EST/EDT
    assert "missed (not sent)" in html
    assert f"?source=reminder&source_id={reminder.pk}" in html
    records = admin_client.get(f"/admin/scheduling/dispatch/?source=reminder&source_id={reminder.pk}&status=missed")
    assert records.status_code == 200
    [record] = records.context["cl"].result_list
    assert record.status == "missed"
    assert admin_client.get(f"/admin/scheduling/dispatch/{record.pk}/change/").status_code == 200


def test_archive_action_goes_through_the_service(admin_client):
    reminder = weekly()
    response = admin_client.post(
        "/admin/scheduling/reminder/", {"action": "archive", "_selected_action": [reminder.pk]}
    )
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert (reminder.status, reminder.next_fire_at) == ("archived", None)


def test_clock_settings_are_saved_through_the_service_and_bounded(admin_client):
    assert admin_client.get("/admin/scheduling/guildclocksettings/add/").status_code == 200
    data = {"guild_id": str(GUILD), "grace_minutes": "5", "replace_early_reminder": "on"}
    refused = admin_client.post("/admin/scheduling/guildclocksettings/add/", {**data, "grace_minutes": "99999"})
    assert refused.status_code == 200 and not GuildClockSettings.objects.exists()
    assert admin_client.post("/admin/scheduling/guildclocksettings/add/", data).status_code == 302
    settings = GuildClockSettings.objects.get()
    assert (settings.grace_minutes, settings.replace_early_reminder, settings.allow_everyone_mention) == (
        5,
        True,
        False,
    )
    assert admin_client.get("/admin/scheduling/guildclocksettings/").status_code == 200
    assert admin_client.get(f"/admin/scheduling/guildclocksettings/{settings.pk}/change/").status_code == 200


def test_calendar_links_are_made_and_rotated(admin_client):
    assert admin_client.post("/admin/scheduling/calendarfeed/add/", {"guild_id": str(GUILD)}).status_code == 302
    feed = CalendarFeed.objects.get()
    old = feed.token
    assert admin_client.get("/admin/scheduling/calendarfeed/").status_code == 200
    assert admin_client.get(f"/admin/scheduling/calendarfeed/{feed.pk}/change/").status_code == 200
    admin_client.post("/admin/scheduling/calendarfeed/", {"action": "rotate", "_selected_action": [feed.pk]})
    feed.refresh_from_db()
    assert feed.token != old
