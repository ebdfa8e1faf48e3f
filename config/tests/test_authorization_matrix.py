"""Every operation of the OpenAPI schema, as five callers: the expected status of each, and no
row of another guild or of another member's personal data in any 200 body (docs/authorization.md).

The schema is generated here, so a new endpoint is in the matrix the day it is added (and fails
until the table below says what each caller gets from it). Path parameters are filled with real
ids of guild A's rows (and the personal rows of the member of guild A). Each case runs in a
savepoint that is rolled back, so every case sees the same data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from attendance.tests.factories import EventFactory, SeasonFactory
from botworker.guilds import guild_configure
from config.actors import SYSTEM, Actor
from conftest import link_member
from scheduling.models import Dispatch, Role
from scheduling.services import jobs
from scheduling.services.reminders import reminder_create
from scheduling.tests.factories import PlayerFactory, rank
from shifts.tests.factories import ModScheduleFactory, ShiftFactory, ShiftPolicyFactory
from support.tests.factories import TicketFactory
from timetracking import services as timetracking

pytestmark = pytest.mark.django_db

GUILD_A = 810_000_000_000_000_001
GUILD_B = 810_000_000_000_000_002
MOD_ROLE_A = 830_000_000_000_000_001
CHANNEL_A = 840_000_000_000_000_001
MEMBER = 820_000_000_000_000_001  # a linked member of guild A, no roles
MODERATOR = 820_000_000_000_000_002  # a linked member of guild A holding its moderator role
OFFICER_B = 820_000_000_000_000_003  # a linked member of guild B, an officer there
OUTSIDER = 820_000_000_000_000_004  # a Discord user with personal data and no login
ANOTHER_MOD = 820_000_000_000_000_005  # the moderator staff act for
ROLES = ("anonymous", "member_a", "moderator_a", "officer_b", "staff")
# Who each caller says acts in a write's body (`user_id`, `user`): themselves; staff a moderator.
ME = {"anonymous": MEMBER, "member_a": MEMBER, "moderator_a": MODERATOR, "officer_b": OFFICER_B, "staff": ANOTHER_MOD}
MEMBER_SUBJECT = "member-a-subject"
OUTSIDER_SUBJECT = "outsider-secret-subject"
B_TITLE = "guild-b-secret-raid"

# Expected status per operation: one status for all five callers in ROLES order.
EXPECTED: dict[str, tuple[int, int, int, int, int]] = {
    # anonymous, member of A, moderator of A, officer of B, staff
    "attendance_guilds_events_list": (401, 403, 200, 403, 200),
    "attendance_guilds_events_create": (401, 403, 201, 403, 201),
    "attendance_guilds_events_partial_update": (401, 403, 200, 403, 200),
    "attendance_guilds_events_attendance_list": (401, 403, 200, 403, 200),
    "attendance_guilds_events_attendance_create": (401, 403, 200, 403, 200),
    "attendance_guilds_events_cancel_create": (401, 403, 200, 403, 200),
    "attendance_guilds_seasons_list": (401, 403, 200, 403, 200),
    "attendance_guilds_seasons_create": (401, 403, 201, 403, 201),
    "attendance_guilds_seasons_partial_update": (401, 403, 200, 403, 200),
    "attendance_guilds_statistics_list": (401, 403, 200, 403, 200),
    "auth_token_create": (400, 400, 400, 400, 400),
    "health_retrieve": (200, 200, 200, 200, 200),
    # Scheduled jobs: the guild's admins and staff (no caller here is an admin of A); another
    # guild's job is a 404, a job of a guild one is a member of a 403.
    "jobs_schedule": (401, 403, 403, 403, 201),
    "jobs_list": (401, 200, 200, 200, 200),
    "jobs_retrieve": (401, 403, 403, 404, 200),
    "jobs_partial_update": (401, 403, 403, 404, 200),
    "jobs_destroy": (401, 403, 403, 404, 204),
    "jobs_run_now": (401, 403, 403, 404, 200),
    "jobs_executions_list": (401, 200, 200, 200, 200),
    "scheduling_classes_list": (401, 200, 200, 200, 200),
    "scheduling_guilds_best_time_list": (401, 403, 200, 403, 200),
    "scheduling_guilds_best_time_present_retrieve": (401, 403, 200, 403, 200),
    "scheduling_guilds_calendar_retrieve": (401, 403, 403, 403, 200),  # admins
    "scheduling_guilds_calendar_rotate_create": (401, 403, 403, 403, 200),
    "scheduling_guilds_dispatches_list": (401, 403, 200, 403, 200),
    "scheduling_guilds_reminders_list": (401, 200, 200, 403, 200),
    "scheduling_guilds_reminders_create": (401, 403, 201, 403, 201),
    "scheduling_guilds_reminders_retrieve": (401, 200, 200, 403, 200),
    "scheduling_guilds_reminders_partial_update": (401, 403, 200, 403, 200),
    "scheduling_guilds_reminders_destroy": (401, 403, 204, 403, 204),  # its creator (the moderator) or an admin
    "scheduling_guilds_me_availability_retrieve": (401, 200, 400, 403, 400),
    "scheduling_guilds_me_availability_update": (401, 200, 400, 403, 400),
    "scheduling_guilds_players_list": (401, 403, 200, 403, 200),
    "scheduling_guilds_players_partial_update": (401, 403, 200, 403, 200),
    "scheduling_guilds_ranks_list": (401, 403, 200, 403, 200),
    "scheduling_guilds_ranks_partial_update": (401, 403, 200, 403, 200),
    "scheduling_roles_list": (401, 200, 200, 200, 200),
    "scheduling_roles_partial_update": (401, 403, 403, 403, 200),
    "scheduling_specializations_list": (401, 200, 200, 200, 200),
    "shifts_schedules_list": (401, 200, 200, 200, 200),
    "shifts_schedules_create": (401, 403, 201, 403, 201),
    "shifts_schedules_retrieve": (401, 200, 200, 404, 200),
    "shifts_schedules_destroy": (401, 403, 204, 404, 204),
    "shifts_shifts_list": (401, 200, 200, 200, 200),
    "shifts_shifts_drop": (401, 403, 201, 403, 201),
    "shifts_shifts_retrieve": (401, 200, 200, 404, 200),
    "shifts_shifts_edit": (401, 403, 200, 404, 200),
    "shifts_shifts_cancel": (401, 403, 200, 404, 200),
    "shifts_shifts_claim": (401, 403, 400, 404, 200),
    "shifts_shifts_release": (401, 400, 400, 404, 400),  # 400: they hold no claim on it
    "shifts_stats": (401, 200, 200, 200, 200),
    # Support staff see every ticket of the guild, a member their own; claiming needs a Discord user.
    "support_guilds_tickets_list": (401, 200, 200, 403, 200),
    "support_guilds_tickets_retrieve": (401, 200, 200, 403, 200),
    "support_guilds_tickets_claim_create": (401, 403, 200, 403, 400),
    # Ticket statistics: the guild's support staff (its moderators among them) and staff logins.
    "support_guilds_ticket_stats_retrieve": (401, 403, 200, 403, 200),
    # GDPR records (consent counts, export/erasure requests): the guild's admins and staff.
    "support_guilds_gdpr_retrieve": (401, 403, 403, 403, 200),
    "support_guilds_gdpr_requests_list": (401, 403, 403, 403, 200),
    "timetracking_allocations_list": (401, 200, 200, 200, 200),
    "timetracking_allocations_create": (401, 200, 200, 200, 200),
    "timetracking_allocations_retrieve": (401, 200, 404, 404, 200),
    "timetracking_sessions_list": (401, 200, 200, 200, 200),
    "timetracking_sessions_retrieve": (401, 200, 404, 404, 200),
    "timetracking_subjects_list": (401, 200, 200, 200, 200),
    "timetracking_subjects_create": (401, 201, 201, 201, 201),
    "timetracking_subjects_retrieve": (401, 200, 404, 404, 200),
    "timetracking_users_list": (401, 200, 200, 200, 200),
    "timetracking_users_retrieve": (401, 200, 404, 404, 200),
    "timetracking_users_report_retrieve": (401, 200, 404, 404, 200),
}


def bodies(me: int, rows: dict) -> dict[str, dict]:
    """A valid body per write, so the answer is about who asks, not about the input."""
    future = (timezone.now() + dt.timedelta(days=3)).strftime("%Y-%m-%d 18:00")
    return {
        "attendance_guilds_events_create": {"title": "Raid", "start": future, "timezone": "UTC", "duration_hours": 2},
        "attendance_guilds_events_partial_update": {"notes": "bring flasks"},
        "attendance_guilds_events_attendance_create": {"player_id": rows["player"].pk, "attended": True},
        "attendance_guilds_seasons_create": {"name": "Season 9", "start_date": "2030-01-01"},
        "attendance_guilds_seasons_partial_update": {"name": "Season 8"},
        "auth_token_create": {},
        "jobs_schedule": {
            "guild_id": str(GUILD_A),
            "job_method": "send_message",
            "job_params": {"channel_id": str(CHANNEL_A), "content": "Daily update!"},
            "trigger": {"type": "interval", "hours": 1},
        },
        "jobs_partial_update": {"enabled": False},
        "jobs_run_now": {"job_id": rows["job"].job_id},
        "scheduling_guilds_me_availability_update": {"days": []},
        "scheduling_guilds_players_partial_update": {"display_name": "Renamed"},
        "scheduling_guilds_reminders_create": {
            "name": "Raid",
            "message": "Log in",
            "channel_id": str(CHANNEL_A),
            "timezone": "UTC",
            "days": [0, 2],
            "time": "20:00",
        },
        "scheduling_guilds_reminders_partial_update": {"name": "Renamed", "time": "21:00"},
        "scheduling_guilds_ranks_partial_update": {"scheduling_weight": 40},
        "scheduling_roles_partial_update": {"display_name": "Tanks"},
        "shifts_schedules_create": {
            "guild_id": str(GUILD_A),
            "user_id": str(me),
            "day_of_week": 1,
            "time": "18:00",
            "timezone": "UTC",
            "duration_hours": 2,
        },
        "shifts_shifts_drop": {
            "guild_id": str(GUILD_A),
            "user_id": str(me),
            "start": future,
            "duration_hours": 2,
            "timezone": "UTC",
            "channel_id": str(CHANNEL_A),
        },
        "shifts_shifts_edit": {"user_id": str(me), "description": "edited"},
        "shifts_shifts_cancel": {"user_id": str(me), "reason": "no longer needed"},
        "shifts_shifts_claim": {"user_id": str(me)},
        "shifts_shifts_release": {"user_id": str(me)},
        "timetracking_allocations_create": {"user": str(me), "subject_name": "Gym", "minutes_allocated": 60},
        "timetracking_subjects_create": {"user": str(me), "name": "Chess"},
    }


@pytest.fixture
def world():
    guild_configure(guild_id=GUILD_A, name="A", moderator_role_ids=[MOD_ROLE_A])
    guild_configure(guild_id=GUILD_B, name="B")
    logins = {"anonymous": None, "staff": User.objects.create_user("staff", is_staff=True)}
    logins["member_a"] = link_member(User.objects.create_user("member"), guild_id=GUILD_A, discord_user_id=MEMBER)
    logins["moderator_a"] = link_member(
        User.objects.create_user("moderator"), guild_id=GUILD_A, discord_user_id=MODERATOR, role_ids=[MOD_ROLE_A]
    )
    logins["officer_b"] = link_member(User.objects.create_user("officer"), guild_id=GUILD_B, discord_user_id=OFFICER_B)

    ShiftPolicyFactory(guild_id=GUILD_A)
    ShiftPolicyFactory(guild_id=GUILD_B)
    player_a = PlayerFactory(
        guild_id=GUILD_A, discord_user_id=MEMBER, user=logins["member_a"], rank=rank(GUILD_A, level=2)
    )
    PlayerFactory(guild_id=GUILD_B, discord_user_id=OFFICER_B, user=logins["officer_b"], rank=rank(GUILD_B, level=4))
    future = timezone.now() + dt.timedelta(days=2)
    started = timezone.now() - dt.timedelta(hours=1)
    rows = {
        "schedule": ModScheduleFactory(guild_id=GUILD_A, user_id=MODERATOR),
        "shift": ShiftFactory(guild_id=GUILD_A, created_by=MODERATOR, start_time_utc=future, channel_id=CHANNEL_A),
        "rank": player_a.rank,
        "player": player_a,
        "season": SeasonFactory(guild_id=GUILD_A),
        # Started and not ended: attendance can be recorded, and it can still be cancelled.
        "event": EventFactory(guild_id=GUILD_A, start_time_utc=started, end_time_utc=started + dt.timedelta(hours=3)),
        "role": Role.objects.get(name="tank"),
        "ticket": TicketFactory(guild_id=GUILD_A, number=1, user_id=MEMBER, category_id=CHANNEL_A),
        "reminder": reminder_create(
            actor=Actor(user_id=MODERATOR, is_moderator=True),
            guild_id=GUILD_A,
            name="Raid night",
            message="Log in",
            channel_id=CHANNEL_A,
            timezone_name="UTC",
            days="mon",
            time_text="20:00",
        ),
    }
    rows["job"] = jobs.job_create(
        actor=SYSTEM,
        guild_id=GUILD_A,
        job_id="guild-a-daily",
        method="send_message",
        params={"channel_id": CHANNEL_A, "content": "Daily update!"},
        trigger={"type": "interval", "hours": 1},
    )
    jobs.job_run_now(actor=SYSTEM, guild_id=GUILD_A, job_id="guild-a-daily")
    Dispatch.objects.create(
        source="reminder",
        source_id=rows["reminder"].pk,
        guild_id=GUILD_A,
        occurrence=started,
        kind="weekly",
        status=Dispatch.Status.MISSED,
        dispatched_at=started,
    )
    # Guild B's rows, which no caller but staff and B's officer may see.
    jobs.job_create(
        actor=SYSTEM,
        guild_id=GUILD_B,
        job_id=B_TITLE,
        method="send_message",
        params={"channel_id": CHANNEL_A + 1, "content": B_TITLE},
        trigger={"type": "interval", "hours": 1},
    )
    jobs.job_run_now(actor=SYSTEM, guild_id=GUILD_B, job_id=B_TITLE)
    ModScheduleFactory(guild_id=GUILD_B, user_id=OFFICER_B)
    ShiftFactory(guild_id=GUILD_B, created_by=OFFICER_B, start_time_utc=future, description=B_TITLE)
    SeasonFactory(guild_id=GUILD_B, name=B_TITLE)
    EventFactory(guild_id=GUILD_B, title=B_TITLE)
    TicketFactory(guild_id=GUILD_B, number=1, user_id=OFFICER_B, topic=B_TITLE)
    b_reminder = reminder_create(
        actor=Actor(user_id=OFFICER_B, is_moderator=True),
        guild_id=GUILD_B,
        name=B_TITLE,
        message=B_TITLE,
        channel_id=CHANNEL_A + 1,
        timezone_name="UTC",
        days="mon",
        time_text="20:00",
    )
    Dispatch.objects.create(
        source="reminder",
        source_id=b_reminder.pk,
        guild_id=GUILD_B,
        occurrence=started,
        kind="weekly",
        status=Dispatch.Status.MISSED,
        dispatched_at=started,
        detail=B_TITLE,
    )
    # Personal data: the member's (path ids) and an outsider's (nobody's but staff's to see).
    session = timetracking.session_clock_in(user_id=MEMBER, subject=MEMBER_SUBJECT)
    rows["subject"] = session.subject
    rows["session"] = session
    rows["allocation"] = timetracking.allocation_set(user_id=MEMBER, subject=MEMBER_SUBJECT, minutes=90)
    rows["tracked_user"] = session.subject.user_id
    timetracking.session_clock_in(user_id=OUTSIDER, subject=OUTSIDER_SUBJECT)
    timetracking.allocation_set(user_id=OUTSIDER, subject=OUTSIDER_SUBJECT, minutes=30)
    return logins, rows


def path_id(path: str, rows: dict) -> int:
    for prefix, key in [
        ("/api/shifts/schedules/", "schedule"),
        ("/api/shifts/shifts/", "shift"),
        ("/ranks/", "rank"),
        ("/players/", "player"),
        ("/reminders/", "reminder"),
        ("/roles/", "role"),
        ("/seasons/", "season"),
        ("/events/", "event"),
        ("/timetracking/users/", "tracked_user"),
        ("/timetracking/subjects/", "subject"),
        ("/timetracking/allocations/", "allocation"),
        ("/timetracking/sessions/", "session"),
        ("/support/guilds/{guild_id}/tickets/", "ticket"),
    ]:
        if prefix in path:
            row = rows[key]
            return row if isinstance(row, int) else row.pk
    raise AssertionError(f"no row for {path}")


def forbidden_markers(role: str) -> list[str]:
    """What must not appear in a 200 body for `role`: another guild's rows, another member's
    personal data."""
    if role == "staff":
        return []
    personal = [OUTSIDER_SUBJECT, str(OUTSIDER)]
    if role == "officer_b":
        return [*personal, MEMBER_SUBJECT, str(GUILD_A), str(MEMBER)]
    markers = [*personal, str(GUILD_B), B_TITLE, str(OFFICER_B)]
    if role == "moderator_a":
        markers.append(MEMBER_SUBJECT)
    return markers


def operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_as_every_caller(world):
    logins, rows = world
    seen, failures, leaks = set(), [], []
    for path, method, operation in operations():
        op = operation["operationId"]
        seen.add(op)
        assert op in EXPECTED, f"{method.upper()} {path} ({op}) is not in the authorization matrix"
        url = path.replace("{guild_id}", str(GUILD_A))
        if "{id}" in url:
            url = url.replace("{id}", str(path_id(path, rows)))
        url = url.replace("{job_id}", rows["job"].job_id)
        query = {
            "shifts_stats": {"guild_id": str(GUILD_A)},
            "scheduling_guilds_best_time_present_retrieve": {"start": "2030-06-03T20:00:00Z"},
        }.get(op, {})
        for role, expected in zip(ROLES, EXPECTED[op], strict=True):
            client = APIClient()
            if logins[role] is not None:
                client.force_authenticate(logins[role])
            body = bodies(ME[role], rows).get(op)
            with transaction.atomic():
                if method == "get":
                    response = client.get(url, query)
                else:
                    response = (
                        getattr(client, method)(url, body, format="json")
                        if body is not None
                        else getattr(client, method)(url)
                    )
                transaction.set_rollback(True)
            text = response.content.decode()
            if response.status_code != expected:
                failures.append(f"{op} as {role}: {response.status_code} (expected {expected}) {text[:200]}")
            if response.status_code == 200:
                leaks += [f"{op} as {role} shows {m}" for m in forbidden_markers(role) if m in text]
    assert not (set(EXPECTED) - seen), f"operations no longer in the schema: {set(EXPECTED) - seen}"
    assert failures == [], "\n".join(failures)
    assert leaks == [], "\n".join(leaks)
    print(f"authorization matrix: {len(seen)} operations x {len(ROLES)} callers = {len(seen) * len(ROLES)} cases")
