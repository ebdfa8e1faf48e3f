"""The demo data `make run` loads (`bootstrap`): every app's, once, and agreeing with config.demo's
cast: who holds which Discord role, and so which rank, which slots and which shifts."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from attendance.models import RaidAttendance, RaidEvent, RaidSeason
from botworker.emulator import DiscordEmulator
from botworker.management.commands.discord_emulator import seed_demo_guild
from botworker.models import BotAction, GuildChannel, GuildConfig, GuildRole
from config import demo
from config.timeutils import week_containing, zone_or_error
from scheduling.models import GuildRank, Player, PlayerAvailability
from scheduling.services import player_ensure
from shifts.models import ModSchedule, Shift, ShiftPolicy
from timetracking import services as timetracking
from timetracking.models import FocusSession, TrackedUser, WeeklyAllocation

pytestmark = pytest.mark.django_db

MODELS = [
    GuildConfig,
    GuildRole,
    GuildChannel,
    ShiftPolicy,
    ModSchedule,
    Shift,
    GuildRank,
    Player,
    PlayerAvailability,
    RaidSeason,
    RaidEvent,
    RaidAttendance,
    TrackedUser,
    WeeklyAllocation,
    FocusSession,
    BotAction,
]
APPS = ["botworker", "timetracking", "shifts", "scheduling", "attendance"]


def bootstrap(settings, tmp_path) -> str:
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in MODELS}


def test_every_app_loads_its_demo_once(settings, tmp_path):
    first = bootstrap(settings, tmp_path)
    loaded = counts()
    second = bootstrap(settings, tmp_path)

    assert counts() == loaded
    assert all(loaded.values()), loaded  # every app has data, and its Discord posts are queued
    for app in APPS:
        assert f"demo data ({app}): " in first
        assert (
            f"demo data ({app}): demo" in second and "already present" in second.split(f"({app}): ")[1].split("\n")[0]
        )


def test_only_members_holding_a_moderator_role_own_slots_and_shifts(settings, tmp_path):
    bootstrap(settings, tmp_path)
    moderators = {member.user_id for member in demo.MODERATORS}
    assert moderators == {demo.MODERATOR.user_id, demo.ADMIN.user_id}
    assert set(ModSchedule.objects.values_list("user_id", flat=True)) == moderators
    people = set()
    for shift in Shift.objects.all():
        people |= {shift.created_by, shift.assigned_user_id, shift.claimed_by} - {None}
    assert people <= moderators
    assert Shift.objects.filter(claimed_by__isnull=True, cancelled_at__isnull=True).count() == 1
    assert Shift.objects.filter(claimed_by=demo.MODERATOR.user_id).count() == 1
    config = GuildConfig.objects.get(guild_id=demo.GUILD_ID)
    roles = {(role.kind, role.role_id) for role in GuildRole.objects.filter(guild=config)}
    assert {role_id for _, role_id in roles} == {demo.MODERATOR_ROLE_ID, demo.ADMIN_ROLE_ID}


def test_ranks_follow_the_roles_each_member_holds(settings, tmp_path):
    bootstrap(settings, tmp_path)
    for member in demo.MEMBERS:
        player = Player.objects.select_related("rank").get(guild_id=demo.GUILD_ID, discord_user_id=member.user_id)
        assert player.rank.name == member.rank
        if player.rank.discord_role_id is not None:
            assert player.rank.discord_role_id in member.role_ids
        # The member acting in Discord with the roles they hold keeps the rank (no silent demotion).
        again = player_ensure(guild_id=demo.GUILD_ID, discord_user_id=member.user_id, role_ids=member.role_ids)
        assert again.rank_id == player.rank_id
        assert PlayerAvailability.objects.filter(player=player).count() == len(member.availability)


def test_the_emulator_serves_the_same_cast():
    emulator = DiscordEmulator()
    seed_demo_guild(emulator)
    for member in demo.MEMBERS:
        assert emulator.member_roles(demo.GUILD_ID, member.user_id) == {str(r) for r in member.role_ids}
    assert {c["name"] for c in emulator.channels(demo.GUILD_ID)} == set(demo.CHANNELS)


def test_the_demo_member_has_a_finished_week_and_can_clock_in(settings, tmp_path):
    bootstrap(settings, tmp_path)
    now = timezone.now()
    zone = zone_or_error(demo.MEMBER.timezone)
    this_week = week_containing(now, zone).start_date
    sessions = FocusSession.objects.filter(user_id=demo.MEMBER.user_id)
    assert set(sessions.values_list("status", flat=True)) == {FocusSession.Status.ENDED_CONFIRMED}
    assert set(sessions.values_list("week_start_date", flat=True)) == {this_week - timedelta(days=7)}
    allocated = set(sessions.values_list("subject__name", flat=True))
    last_week = WeeklyAllocation.objects.filter(
        user_id=demo.MEMBER.user_id, week_start_date=this_week - timedelta(days=7)
    )
    assert allocated <= set(last_week.values_list("subject__name", flat=True))
    assert WeeklyAllocation.objects.filter(user_id=demo.MEMBER.user_id, week_start_date=this_week).exists()

    started = timetracking.session_clock_in(user_id=demo.MEMBER.user_id, subject="Gym", now=now)
    assert started.status == FocusSession.Status.RUNNING


def test_the_upcoming_raid_has_sign_ups_but_not_the_demo_members(settings, tmp_path):
    bootstrap(settings, tmp_path)
    event = RaidEvent.objects.get(guild_id=demo.GUILD_ID)
    assert event.start_time_utc > timezone.now()
    assert event.discord_channel_id == demo.CHANNELS["raids"]
    answers = RaidAttendance.objects.filter(event=event)
    assert answers.filter(signed_up=True).count() == 4
    assert answers.filter(tentative=True).count() == 1
    assert answers.filter(noted_absence=True).exclude(absence_reason="").count() == 1
    assert not answers.filter(player__discord_user_id=demo.MEMBER.user_id).exists()
    assert RaidSeason.objects.filter(guild_id=demo.GUILD_ID, is_active=True).count() == 1


def test_the_back_office_knows_the_demo_guilds_names(settings, tmp_path, admin_client):
    from botworker.models import DirectoryChannel, DirectoryRole

    bootstrap(settings, tmp_path)
    assert DirectoryChannel.objects.filter(guild_id=demo.GUILD_ID, name="shifts").exists()
    assert DirectoryRole.objects.filter(guild_id=demo.GUILD_ID, name="Moderators").exists()
    page = admin_client.get("/admin/shifts/shift/").content.decode()
    assert demo.MODERATOR.display_name in page
