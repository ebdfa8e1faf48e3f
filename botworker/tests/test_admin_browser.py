"""The back office in a real headless browser: an officer logs in and finds names, not snowflakes.

The guild configuration offers channel and role pickers with names (and the pickers keep the id
input in step), and the shifts and players lists show member names. With ADMIN_SCREENSHOTS set to
a folder, the pages are also photographed there at a desktop (1280 px) and a phone (390 px) width,
to look at after a change to the back office's layout."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from botworker.directory import record_guild_snapshot
from botworker.guilds import guild_configure
from config.tests.test_csp import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs Chromium at {CHROMIUM}"),
]

GUILD = 740_000_000_000_000_001
SHIFTS, OPS, ANNOUNCEMENTS = 741_000_000_000_000_001, 741_000_000_000_000_002, 741_000_000_000_000_003
OFFICERS, MODERATORS, RAIDERS = 742_000_000_000_000_001, 742_000_000_000_000_002, 742_000_000_000_000_003
MEMBERS = {
    743_000_000_000_000_001: ("aria", "Aria", "Aria the Bold"),
    743_000_000_000_000_002: ("brannoc", "Brannoc", None),
    743_000_000_000_000_003: ("cyd", None, None),
}
PASSWORD = "a-long-admin-pass-1"
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def guild_with_data():
    from scheduling.models import GuildRank, Player
    from shifts.tests.factories import ModScheduleFactory, ShiftFactory

    record_guild_snapshot(
        {
            "id": str(GUILD),
            "name": "Silver Hand",
            "channels": [
                {"id": str(OPS), "type": 4, "name": "Operations", "position": 0},
                {"id": str(SHIFTS), "type": 0, "name": "shifts", "position": 1, "parent_id": str(OPS)},
                {"id": str(ANNOUNCEMENTS), "type": 5, "name": "announcements", "position": 2},
            ],
            "roles": [
                {"id": str(GUILD), "name": "@everyone", "position": 0},
                {"id": str(OFFICERS), "name": "Officers", "position": 3, "color": 0xE67E22},
                {"id": str(MODERATORS), "name": "Moderators", "position": 2},
                {"id": str(RAIDERS), "name": "Raiders", "position": 1},
            ],
            "members": [
                {"user": {"id": str(user_id), "username": username, "global_name": shown}, "nick": nick}
                for user_id, (username, shown, nick) in MEMBERS.items()
            ],
        }
    )
    config = guild_configure(
        guild_id=GUILD,
        name="Silver Hand",
        timezone="Europe/Berlin",
        moderator_role_ids=[MODERATORS],
        admin_role_ids=[OFFICERS],
        channels={"shifts": SHIFTS, "announcements": ANNOUNCEMENTS},
    )
    aria, brannoc, cyd = MEMBERS
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    ShiftFactory(guild_id=GUILD, created_by=aria, start_time_utc=start, channel_id=SHIFTS)
    ShiftFactory(guild_id=GUILD, created_by=brannoc, claimed_by=aria, claimed_at=start, start_time_utc=start)
    ShiftFactory(guild_id=GUILD, created_by=cyd, start_time_utc=start + timedelta(hours=3))
    ModScheduleFactory(guild_id=GUILD, user_id=aria, day_of_week=0, hour=19, minute=0, timezone="Europe/Berlin")
    officer = GuildRank.objects.create(guild_id=GUILD, name="Officer", level=1, discord_role_id=OFFICERS)
    raider = GuildRank.objects.create(guild_id=GUILD, name="Raider", level=3, discord_role_id=RAIDERS)
    Player.objects.create(guild_id=GUILD, discord_user_id=aria, display_name="Aria", rank=officer)
    Player.objects.create(guild_id=GUILD, discord_user_id=brannoc, display_name="Brannoc", rank=raider)
    return config


def fits_its_page(page) -> bool:
    """Readable at 1280 px: neither the page nor the list's own box scrolls sideways."""
    return page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
        " && document.querySelector('#result_list').scrollWidth"
        " <= document.querySelector('.results').clientWidth"
    )


def test_an_officer_finds_pickers_with_names_and_member_names_in_the_lists(
    live_server, django_user_model, guild_with_data
):
    from playwright.sync_api import sync_playwright

    django_user_model.objects.create_superuser("officer", "officer@example.org", PASSWORD)
    shots = Path(os.environ["ADMIN_SCREENSHOTS"]) if os.environ.get("ADMIN_SCREENSHOTS") else None
    pages = {
        "index": "/admin/",
        "guild-config": f"/admin/botworker/guildconfig/{guild_with_data.pk}/change/",
        "shifts": "/admin/shifts/shift/",
        "players": "/admin/scheduling/player/",
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{live_server.url}/admin/login/?next=/admin/")
            page.fill("#id_username", "officer")
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_url(f"{live_server.url}/admin/")
            assert page.locator(".gh-app-description").first.is_visible()

            page.goto(live_server.url + pages["guild-config"])
            role_picker = page.locator("select[name='roles-0-role_id']")
            assert "@Officers" in role_picker.locator("option").all_inner_texts()
            assert role_picker.locator("option:checked").inner_text() in {"@Moderators", "@Officers"}
            channel_picker = page.locator("select[name='channels-0-channel_id']")
            options = channel_picker.locator("option").all_inner_texts()
            assert "#shifts" in options and "#announcements" in options and "Operations (category)" in options
            # Picking a name fills in its id beside it; typing an unknown id sets "not listed".
            role_picker.select_option(label="@Raiders")
            assert page.locator("input[name='roles-0-role_id_id']").input_value() == str(RAIDERS)
            page.locator("input[name='roles-0-role_id_id']").fill("749000000000000009")
            assert role_picker.input_value() == ""

            page.goto(live_server.url + pages["shifts"])
            shifts = page.locator("#result_list").inner_text()
            assert "Aria the Bold" in shifts and "Silver Hand" in shifts
            assert fits_its_page(page)

            page.goto(live_server.url + pages["players"])
            players = page.locator("#result_list").inner_text()
            assert "Aria the Bold" in players and "Brannoc" in players
            assert fits_its_page(page)

            if shots is not None:
                shots.mkdir(parents=True, exist_ok=True)
                for width_name, width in WIDTHS.items():
                    page.set_viewport_size({"width": width, "height": 900})
                    for name, path in pages.items():
                        page.goto(live_server.url + path)
                        page.screenshot(path=shots / f"{name}-{width_name}.png", full_page=True)
        finally:
            browser.close()
