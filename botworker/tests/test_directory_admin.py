"""The back office speaks names: pickers of the guild's known channels and roles that still take a
raw id, member names in lists and search, days by name, and the front page grouped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from botworker.admin.directory import DirectoryPicker
from botworker.directory import record_guild_snapshot
from botworker.guilds import guild_configure
from botworker.models import GuildConfig
from botworker.tests.test_guilds import inline_data
from config import directory as names
from scheduling.models import GuildRank
from shifts.models import Shift

pytestmark = pytest.mark.django_db

GUILD = 730_000_000_000_000_001
SHIFTS, OPS, VOICE = 731_000_000_000_000_001, 731_000_000_000_000_002, 731_000_000_000_000_003
OFFICERS, MODS = 732_000_000_000_000_001, 732_000_000_000_000_002
ALICE, BOB = 733_000_000_000_000_001, 733_000_000_000_000_002
UNKNOWN_ROLE = 739_000_000_000_000_009


@pytest.fixture
def named_guild():
    record_guild_snapshot(
        {
            "id": str(GUILD),
            "name": "Raiders",
            "channels": [
                {"id": str(OPS), "type": 4, "name": "Operations", "position": 0},
                {"id": str(SHIFTS), "type": 0, "name": "shifts", "position": 1, "parent_id": str(OPS)},
                {"id": str(VOICE), "type": 2, "name": "Raid voice", "position": 2},
            ],
            "roles": [
                {"id": str(GUILD), "name": "@everyone", "position": 0},
                {"id": str(OFFICERS), "name": "Officers", "position": 2},
                {"id": str(MODS), "name": "Moderators", "position": 1},
            ],
            "members": [
                {"user": {"id": str(ALICE), "username": "alice", "global_name": "Alice"}, "nick": "Ally"},
                {"user": {"id": str(BOB), "username": "bob", "global_name": None}},
            ],
        }
    )
    return guild_configure(guild_id=GUILD, name="Raiders", moderator_role_ids=[MODS], channels={"shifts": SHIFTS})


def test_the_guild_configuration_offers_its_roles_and_channels_by_name(admin_client, named_guild):
    page = admin_client.get(reverse("admin:botworker_guildconfig_change", args=[named_guild.pk])).content.decode()
    assert f'<option value="{OFFICERS}">@Officers</option>' in page
    assert f'<option value="{MODS}" selected>@Moderators</option>' in page
    assert f'<option value="{SHIFTS}" selected>#shifts</option>' in page
    assert f'<option value="{OPS}">Operations (category)</option>' in page
    # @everyone is no role to configure; a voice channel no channel to post in.
    assert f'value="{GUILD}"' not in page.split('name="roles-0-role_id"')[1].split("</select>")[0]
    assert "Raid voice" not in page


def test_a_picked_role_and_a_raw_id_the_directory_does_not_know_are_both_saved(admin_client, named_guild):
    data = inline_data(
        named_guild,
        name="Raiders",
        timezone="UTC",
        roles=[(MODS, "moderator"), (OFFICERS, "admin")],
        channels=[("shifts", SHIFTS)],
    )
    # The second row: "not listed" in the select, and an id typed beside it.
    data["roles-1-role_id"] = ""
    data["roles-1-role_id_id"] = str(UNKNOWN_ROLE)
    response = admin_client.post(reverse("admin:botworker_guildconfig_change", args=[named_guild.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert sorted(named_guild.roles.values_list("kind", "role_id")) == [("admin", UNKNOWN_ROLE), ("moderator", MODS)]

    page = admin_client.get(reverse("admin:botworker_guildconfig_change", args=[named_guild.pk])).content.decode()
    assert f'value="{UNKNOWN_ROLE}"' in page and "not in the directory" in page


def test_text_that_is_no_id_is_refused_on_the_form_and_nothing_is_written(admin_client, named_guild):
    data = inline_data(named_guild, name="Raiders", timezone="UTC", roles=[(MODS, "moderator")])
    data["roles-0-role_id"] = ""
    data["roles-0-role_id_id"] = "Officers"
    response = admin_client.post(reverse("admin:botworker_guildconfig_change", args=[named_guild.pk]), data)
    assert response.status_code == 200
    assert "Enter a whole number." in response.content.decode()
    assert list(named_guild.roles.values_list("role_id", flat=True)) == [MODS]


@pytest.mark.parametrize(
    "picked, typed, shown, value",
    [
        ("11", "", "", "11"),  # picked from the list
        ("12", "11", "11", "12"),  # picked another: the select changed, the stale id is ignored
        ("", "99", "11", "99"),  # "not listed", and an id typed
        ("", "11", "11", ""),  # "none" picked: cleared
        ("11", "99", "11", "99"),  # the select left alone, another id typed
        ("", " 99 ", "", "99"),  # an unknown id kept or typed
        ("", "", "", ""),
    ],
)
def test_the_picker_takes_the_changed_select_else_the_typed_id(picked, typed, shown, value):
    data = {"role": picked, "role_id": typed, "role_shown": shown}
    assert DirectoryPicker(names.ROLE).value_from_datadict(data, {}, "role") == value


def test_lists_show_member_names_next_to_their_ids_in_a_few_queries(
    admin_client, named_guild, django_assert_max_num_queries
):
    from shifts.tests.factories import ShiftFactory

    start = timezone.now() + timedelta(days=1)
    for n in range(5):
        ShiftFactory(
            guild_id=GUILD,
            created_by=ALICE,
            claimed_by=BOB,
            claimed_at=start,
            start_time_utc=start + timedelta(hours=n),
        )
    url = reverse("admin:shifts_shift_changelist")
    admin_client.get(url)
    with django_assert_max_num_queries(14) as few:
        page = admin_client.get(url).content.decode()
    ShiftFactory.create_batch(
        10, guild_id=GUILD, created_by=ALICE, claimed_by=BOB, claimed_at=start, start_time_utc=start
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(url)
    assert '<span class="gh-name">bob</span>' in page
    assert f'<span class="gh-id">{BOB}</span>' in page
    assert '<span class="gh-name">Raiders</span>' in page
    assert "UTC</span>" in page


def test_a_list_finds_members_by_name(admin_client, named_guild):
    from shifts.tests.factories import ShiftFactory

    start = timezone.now() + timedelta(days=1)
    claimed = ShiftFactory(guild_id=GUILD, claimed_by=ALICE, claimed_at=start, start_time_utc=start)
    ShiftFactory(guild_id=GUILD, claimed_by=BOB, claimed_at=start, start_time_utc=start)
    response = admin_client.get(reverse("admin:shifts_shift_changelist") + "?q=ally")
    assert [s.pk for s in response.context["cl"].result_list] == [claimed.pk]


def test_the_guild_filter_and_the_days_are_named(admin_client, named_guild):
    from shifts.tests.factories import ModScheduleFactory

    ModScheduleFactory(guild_id=GUILD, user_id=ALICE, day_of_week=2, hour=18, minute=30, timezone="UTC")
    page = admin_client.get(reverse("admin:shifts_modschedule_changelist")).content.decode()
    assert "Wednesday" in page and "18:30 UTC" in page and "Ally" in page
    assert f'?guild={GUILD}">Raiders</a>' in page
    filtered = admin_client.get(reverse("admin:shifts_modschedule_changelist") + "?day=2")
    assert len(filtered.context["cl"].result_list) == 1
    assert not admin_client.get(reverse("admin:shifts_modschedule_changelist") + "?day=3").context["cl"].result_list


def test_a_rank_maps_to_a_role_picked_by_name(admin_client, named_guild):
    rank = GuildRank.objects.create(guild_id=GUILD, name="Officer", level=1, discord_role_id=OFFICERS)
    page = admin_client.get(reverse("admin:scheduling_guildrank_change", args=[rank.pk])).content.decode()
    assert f'<option value="{OFFICERS}" selected>@Officers</option>' in page


def test_the_availability_inline_offers_days_by_name(admin_client, named_guild):
    from scheduling.models import Player

    rank = GuildRank.objects.create(guild_id=GUILD, name="Raider", level=3)
    player = Player.objects.create(guild_id=GUILD, discord_user_id=ALICE, display_name="Ally", rank=rank)
    page = admin_client.get(reverse("admin:scheduling_player_change", args=[player.pk])).content.decode()
    assert '<option value="0">Monday</option>' in page
    assert "Ally" in page and str(ALICE) in page


def test_every_list_and_form_of_the_back_office_renders(admin_client, named_guild):
    from shifts.tests.factories import ShiftFactory

    ShiftFactory(guild_id=GUILD, created_by=ALICE, start_time_utc=timezone.now() + timedelta(days=1))
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert admin_client.get(reverse(f"{info}_changelist")).status_code == 200, info
        # Models written only by code refuse the add page (403); the others render it.
        assert admin_client.get(reverse(f"{info}_add")).status_code in (200, 403), info
    shift = Shift.objects.get()
    assert admin_client.get(reverse("admin:shifts_shift_change", args=[shift.pk])).status_code == 200
    assert admin_client.get(reverse("admin:botworker_guildconfig_add")).status_code == 200
    assert GuildConfig.objects.count() == 1
