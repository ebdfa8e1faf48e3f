"""The shifts app through Discord: every command through the router, the permission matrix,
autocomplete, refusals that write nothing, and the shift message's life through the outbox and
the Discord emulator (post, claim → edit + DM, cancel → DM, expire → edit)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.utils import timezone

from botworker.discord_api import discord_http_client
from botworker.guilds import guild_configure
from botworker.handlers import shifts as shift_handlers
from botworker.interactions import handle_interaction
from botworker.interactions.routing import MALFORMED_COMPONENT, NEEDS_LEVEL, router
from botworker.models import BotAction
from botworker.outbox import OutboxDeliverer
from botworker.presenters.shifts import hours_text, shift_message
from botworker.receivers.shifts import on_shift_changed, post_key
from botworker.tests.factories import (
    ADMIN_ROLE,
    CHANNEL_ID,
    GUILD_ID,
    MOD_ROLE,
    Signer,
    command_payload,
    component_payload,
)
from config.timeutils import BAD_LOCAL_DATETIME, DAY_NAMES, zone_choices
from shifts import services
from shifts.models import ModSchedule, Shift
from shifts.tests.factories import ModScheduleFactory, ShiftFactory, ShiftPolicyFactory

MEMBER_ID = 810_000_000_000_000_001
MOD_ID = 810_000_000_000_000_002
ADMIN_ID = 810_000_000_000_000_003
OTHER_ID = 810_000_000_000_000_004
OTHER_GUILD = 119_999_999_999_999_999
WHO = {
    "member": (MEMBER_ID, ()),
    "mod": (MOD_ID, (MOD_ROLE,)),
    "admin": (ADMIN_ID, (ADMIN_ROLE,)),
    "other": (OTHER_ID, (MOD_ROLE,)),
}
ONLY_MODS = NEEDS_LEVEL.format(level="moderator")
ONLY_ADMINS = NEEDS_LEVEL.format(level="admin")
OPTION_TYPES = {"day": 4, "slot": 4, "shift_id": 4, "duration": 10, "user": 6}
ZONES = ("Europe/Berlin", "America/Argentina/Buenos_Aires", "Pacific/Port_Moresby", "America/Indiana/Indianapolis")


def configure() -> None:
    guild_configure(
        guild_id=GUILD_ID,
        name="Shifts Guild",
        timezone="Europe/Berlin",
        moderator_role_ids=[MOD_ROLE],
        admin_role_ids=[ADMIN_ROLE],
        channels={"shifts": CHANNEL_ID},
    )


def options(**values) -> list[dict]:
    return [{"name": k, "type": OPTION_TYPES.get(k, 3), "value": v} for k, v in values.items()]


def run(name: str, who: str = "mod", guild_id: int = GUILD_ID, **values) -> dict:
    user_id, roles = WHO[who]
    return handle_interaction(command_payload(name, options(**values), user_id=user_id, roles=roles, guild_id=guild_id))


def click(custom_id: str, who: str = "other", guild_id: int = GUILD_ID) -> dict:
    user_id, roles = WHO[who]
    return handle_interaction(component_payload(custom_id, user_id=user_id, roles=roles, guild_id=guild_id))


def text(response: dict) -> str:
    assert response["data"].get("flags") == 64, "shift replies are ephemeral"
    return response["data"]["content"]


def future_local(days: int = 3, zone: str = "Europe/Berlin") -> str:
    return (timezone.now() + timedelta(days=days)).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d 18:00")


# ---------------------------------------------------------------------------- non-transactional


@pytest.fixture
def world(db):
    configure()
    slots = {
        who: ModScheduleFactory(guild_id=GUILD_ID, user_id=user_id, timezone="Europe/Berlin")
        for who, (user_id, _) in WHO.items()
    }
    shift = ShiftFactory(
        guild_id=GUILD_ID, channel_id=CHANNEL_ID, created_by=MOD_ID, start_time_utc=timezone.now() + timedelta(days=2)
    )
    return {"slots": slots, "shift": shift}


def _matrix():
    s = {"shift": lambda w: w["shift"].pk}
    rows = [
        (
            "schedule_add",
            {"day": 2, "time": "09:00"},
            {"member": ONLY_MODS, "mod": "Added **Wednesday 09:00**", "admin": "Added"},
        ),
        (
            "schedule_add_admin",
            {"user": OTHER_ID, "day": 2, "time": "09:00"},
            {"member": ONLY_ADMINS, "mod": ONLY_ADMINS, "admin": f"to <@{OTHER_ID}>'s schedule"},
        ),
        (
            "schedule_remove",
            {"day": 0, "time": "18:00"},
            {"member": ONLY_MODS, "mod": "Removed **Monday 18:00**", "admin": "Removed"},
        ),
        (
            "schedule_remove",
            {"user": OTHER_ID, "day": 0, "time": "18:00"},
            {
                "member": ONLY_MODS,
                "mod": services.NOT_ADMIN_FOR_OTHERS,
                "admin": f"Removed **Monday 18:00** from <@{OTHER_ID}>'s schedule.",
            },
        ),
        ("schedule_view", {}, {"member": "Monday 18:00", "mod": "Monday 18:00", "admin": "Monday 18:00"}),
        ("schedule_view", {"user": OTHER_ID}, {"member": f"<@{OTHER_ID}>'s schedule"}),
        (
            "schedule_clear",
            {},
            {"member": ONLY_MODS, "mod": "Removed 1 slot(s) from your schedule.", "admin": "Removed 1"},
        ),
        (
            "schedule_clear",
            {"user": OTHER_ID},
            {"mod": services.NOT_ADMIN_FOR_OTHERS, "admin": f"Removed 1 slot(s) from <@{OTHER_ID}>'s schedule."},
        ),
        (
            "drop_shift",
            {"start": future_local(), "duration": 1.5, "description": "Desk"},
            {"member": ONLY_MODS, "mod": "dropped for", "admin": "dropped for"},
        ),
        ("drop_mod_shift", {"slot": "own"}, {"member": ONLY_MODS, "mod": "dropped for", "admin": "dropped for"}),
        (
            "drop_mod_shift",
            {"slot": "other's", "user": OTHER_ID},
            {"mod": services.NOT_ADMIN_FOR_OTHERS, "admin": "dropped for"},
        ),
        (
            "shift_edit",
            {"shift_id": s["shift"], "description": "Changed"},
            {"member": ONLY_MODS, "mod": "updated", "admin": "updated", "other": services.NOT_OWNER},
        ),
        (
            "shift_cancel",
            {"shift_id": s["shift"]},
            {"member": ONLY_MODS, "mod": "cancelled", "admin": "cancelled", "other": services.NOT_OWNER},
        ),
        ("shift_stats", {}, {"member": shift_handlers.NO_STATS, "mod": shift_handlers.NO_STATS}),
        ("shift_stats", {"period": "all", "user": MOD_ID}, {"member": f"<@{MOD_ID}>: 0 shift(s), 0 h"}),
        (
            "claim_shift",
            {},
            {"member": ONLY_MODS, "mod": services.OWN_SHIFT, "admin": "You claimed", "other": "You claimed"},
        ),
    ]
    for command, opts, expectations in rows:
        for who, expected in expectations.items():
            yield pytest.param(
                command, opts, who, expected, id=f"{command}-{'-'.join(map(str, opts)) or 'plain'}-{who}"
            )


@pytest.mark.parametrize(("command", "opts", "who", "expected"), list(_matrix()))
def test_permission_matrix(world, command, opts, who, expected):
    values = {}
    for key, value in opts.items():
        if callable(value):
            value = value(world)
        elif value == "own":
            value = world["slots"][who].pk
        elif value == "other's":
            value = world["slots"]["other"].pk
        values[key] = value
    if command == "claim_shift":
        response = click(f"claim_shift:{world['shift'].pk}", who=who)
    else:
        response = run(command, who, **values)
    assert expected in text(response)


def test_commands_are_registered_with_choices_and_autocomplete():
    commands = {c["name"]: c for c in router.application_commands()}
    for name in (
        "schedule_add",
        "schedule_add_admin",
        "schedule_remove",
        "schedule_view",
        "schedule_clear",
        "drop_shift",
        "drop_mod_shift",
        "shift_edit",
        "shift_cancel",
        "shift_stats",
        "sync_commands",
    ):
        assert name in commands
    day = next(o for o in commands["schedule_add"]["options"] if o["name"] == "day")
    assert [c["name"] for c in day["choices"]] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert [c["value"] for c in day["choices"]] == list(range(7))
    assert next(o for o in commands["schedule_add"]["options"] if o["name"] == "timezone")["autocomplete"] is True
    assert next(o for o in commands["drop_mod_shift"]["options"] if o["name"] == "slot")["autocomplete"] is True
    period = next(o for o in commands["shift_stats"]["options"] if o["name"] == "period")
    assert [c["value"] for c in period["choices"]] == ["7d", "30d", "all"]


def autocomplete(name: str, focused: str, who: str = "mod", **values) -> list[dict]:
    user_id, roles = WHO[who]
    opts = options(**values)
    for option in opts:
        option["focused"] = option["name"] == focused
    response = handle_interaction(command_payload(name, opts, user_id=user_id, roles=roles, kind=4))
    assert response["type"] == 8
    return response["data"]["choices"]


def test_timezone_autocomplete(world):
    names = [c["value"] for c in autocomplete("schedule_add", "timezone", timezone="new_y")]
    assert names == ["America/New_York"]
    assert "Europe/London" in [c["value"] for c in autocomplete("drop_shift", "timezone", timezone="Europe/Lo")]
    # Nothing typed yet: the shared autocomplete's suggestions (at most Discord's 25).
    suggested = [c["value"] for c in autocomplete("schedule_add", "timezone", timezone="")]
    assert suggested == zone_choices("") and "UTC" in suggested and 0 < len(suggested) <= 25
    assert [c["value"] for c in autocomplete("schedule_add_admin", "timezone", "admin", timezone="berlin")] == [
        "Europe/Berlin"
    ]


def test_slot_autocomplete_lists_the_moderators_slots(world):
    ModScheduleFactory(guild_id=GUILD_ID, user_id=MOD_ID, day_of_week=4, hour=7, minute=15, timezone="Asia/Tokyo")
    own = autocomplete("drop_mod_shift", "slot", slot="")
    assert [c["name"].split(" (")[0] for c in own] == ["Monday 18:00 Europe/Berlin", "Friday 07:15 Asia/Tokyo"]
    assert {c["value"] for c in own} == set(ModSchedule.objects.filter(user_id=MOD_ID).values_list("pk", flat=True))
    assert [c["value"] for c in autocomplete("drop_mod_shift", "slot", slot="fri")] == [
        ModSchedule.objects.get(user_id=MOD_ID, day_of_week=4).pk
    ]
    # A moderator naming someone else still sees their own; an admin sees that member's.
    assert {c["value"] for c in autocomplete("drop_mod_shift", "slot", slot="", user=str(OTHER_ID))} == {
        c["value"] for c in own
    }
    assert [c["value"] for c in autocomplete("drop_mod_shift", "slot", "admin", slot="", user=str(OTHER_ID))] == [
        world["slots"]["other"].pk
    ]


def _counts() -> tuple[int, int, int]:
    return ModSchedule.objects.count(), Shift.objects.count(), BotAction.objects.count()


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda w: run("schedule_add", day=0, time="25:99"), "is not a time of day"),
        (lambda w: run("schedule_add", day=1, time="10:00", timezone="Europe/Lndon"), "Did you mean Europe/London?"),
        (lambda w: run("schedule_add", day=1, time="10:00", duration=30), "A shift lasts from 0.25 to 24 hours"),
        (lambda w: run("schedule_add", day=9, time="10:00"), "pick one of the offered choices"),
        (lambda w: run("schedule_add", day=0, time="18:00"), "You already have a slot on Monday at 18:00."),
        (lambda w: run("drop_shift", start="2020-01-01 10:00", duration=1, description="x"), "has already passed"),
        (
            lambda w: run("drop_shift", start="next friday", duration=1, description="x"),
            BAD_LOCAL_DATETIME.format(value="next friday"),
        ),
        (
            lambda w: run(
                "drop_shift", start="2027-03-14 02:30", duration=1, description="x", timezone="America/New_York"
            ),
            "does not exist in America/New_York",
        ),
        (lambda w: run("drop_shift", start=future_local(), duration=0.1, description="x"), "outside that"),
        (lambda w: run("drop_shift", start=future_local(), duration=1, description="d" * 1001), "at most 1000"),
        (lambda w: run("drop_mod_shift", slot=999999), services.SLOT_NOT_FOUND),
        (lambda w: run("shift_edit", shift_id=999999, description="x"), services.SHIFT_NOT_FOUND),
        (lambda w: run("shift_cancel", shift_id=999999), services.SHIFT_NOT_FOUND),
        (lambda w: run("shift_stats", period="1y"), "pick one of the offered choices"),
        (lambda w: click("claim_shift:999999"), services.SHIFT_NOT_FOUND),
        (lambda w: click("claim_shift:abc"), MALFORMED_COMPONENT),
        (lambda w: click(f"release_shift:{w['shift'].pk}"), "You have not claimed shift #"),
        (lambda w: click(f"claim_shift:{w['foreign'].pk}"), services.SHIFT_NOT_FOUND),
        (lambda w: run("shift_cancel", shift_id=w["foreign"].pk), services.SHIFT_NOT_FOUND),
    ],
)
def test_refusals_are_ephemeral_and_write_nothing(world, call, expected):
    world["foreign"] = ShiftFactory(
        guild_id=OTHER_GUILD, created_by=MOD_ID, start_time_utc=timezone.now() + timedelta(days=1)
    )
    before = _counts()
    versions = dict(Shift.objects.values_list("pk", "version"))
    assert expected in text(call(world))
    assert _counts() == before
    assert dict(Shift.objects.values_list("pk", "version")) == versions


def test_claim_in_another_guild_cannot_touch_this_guilds_shift(world):
    guild_configure(guild_id=OTHER_GUILD, moderator_role_ids=[MOD_ROLE], channels={"shifts": CHANNEL_ID})
    assert text(click(f"claim_shift:{world['shift'].pk}", guild_id=OTHER_GUILD)) == services.SHIFT_NOT_FOUND
    assert Shift.objects.get(pk=world["shift"].pk).claimed_by is None


def test_fairness_refusal_through_the_button(world):
    now = timezone.now()
    ShiftFactory(guild_id=GUILD_ID, claimed_by=OTHER_ID, claimed_at=now - timedelta(days=1), duration_hours=3)
    reply = text(click(f"claim_shift:{world['shift'].pk}"))
    assert "You have claimed 3 hours of shifts in the last 7 days, which reaches the cap of 3 hours" in reply
    ts = int((world["shift"].start_time_utc - timedelta(minutes=60)).timestamp())
    assert f"<t:{ts}:F>" in reply
    assert Shift.objects.get(pk=world["shift"].pk).claimed_by is None


@pytest.mark.parametrize(
    "call",
    [
        lambda w: run("drop_shift", start=future_local(), duration=1, description="x"),
        lambda w: run("drop_mod_shift", slot=w["slots"]["mod"].pk),
        lambda w: run("shift_edit", shift_id=w["shift"].pk, description="x"),
        lambda w: run("shift_cancel", shift_id=w["shift"].pk),
    ],
    ids=["drop_shift", "drop_mod_shift", "shift_edit", "shift_cancel"],
)
def test_shift_commands_work_only_in_the_guilds_shift_channel(world, call):
    guild_configure(guild_id=GUILD_ID, channels={"shifts": CHANNEL_ID + 1})
    before = _counts()
    versions = dict(Shift.objects.values_list("pk", "version"))
    reply = text(call(world))
    assert reply == f"Shift commands work in <#{CHANNEL_ID + 1}> only."
    assert _counts() == before
    assert dict(Shift.objects.values_list("pk", "version")) == versions


def test_drop_without_a_shift_channel_tells_an_admin_how_to_set_one(world):
    from botworker.models import GuildChannel

    GuildChannel.objects.filter(guild__guild_id=GUILD_ID, feature="shifts").delete()
    before = _counts()
    assert text(run("drop_shift", start=future_local(), duration=1, description="x")) == services.NO_CHANNEL
    assert _counts() == before


def test_the_members_zone_then_the_guilds_is_the_default(world):
    guild_configure(guild_id=GUILD_ID, timezone="Asia/Kolkata")
    # The zones of the moderator's earlier slots and shifts are no guess: the guild's zone is the
    # default until the member sets theirs.
    assert "(Asia/Kolkata, 1 h)" in text(run("schedule_add", "mod", day=1, time="09:00"))
    # `/timezone set` sets the member's one zone, which the shift defaults read too.
    assert "America/Denver" in run("timezone set", "mod", zone="america/denver")["data"]["content"]
    assert "(America/Denver, 1 h)" in text(run("schedule_add", "mod", day=2, time="07:00"))
    assert ModSchedule.objects.get(user_id=MOD_ID, day_of_week=2).timezone == ZoneInfo("America/Denver")
    # An explicit zone is used for that slot only; it does not become the member's zone.
    assert "(Asia/Tokyo, 1 h)" in text(run("schedule_add", "mod", day=3, time="07:00", timezone="Asia/Tokyo"))
    assert "(America/Denver, 1 h)" in text(run("schedule_add", "mod", day=4, time="07:00"))


def test_claim_through_the_signed_endpoint(world, client, settings):
    signer = Signer()
    settings.DISCORD_PUBLIC_KEY = signer.public_key_hex
    user_id, roles = WHO["other"]
    response = signer.post(client, component_payload(f"claim_shift:{world['shift'].pk}", user_id=user_id, roles=roles))
    assert response.status_code == 200
    assert response.json()["data"]["content"].startswith(f"You claimed shift #{world['shift'].pk}")
    assert Shift.objects.get(pk=world["shift"].pk).claimed_by == OTHER_ID


def test_drop_enqueues_the_post_and_changes_enqueue_ordered_edits(world):
    reply = text(run("drop_shift", start=future_local(), duration=2, description="Raid night desk"))
    shift = Shift.objects.latest("id")
    assert reply.startswith(f"Shift #{shift.pk} dropped for <t:{int(shift.start_time_utc.timestamp())}:F>")
    post = BotAction.objects.get(dedupe_key=post_key(shift.pk))
    assert (post.kind, post.ordering_key, post.hook, post.hook_args) == (
        "send_message",
        f"shift:{shift.pk}",
        "shifts.message_posted",
        {"shift_id": shift.pk},
    )
    assert post.payload["channel_id"] == str(CHANNEL_ID)
    button = post.payload["components"][0]["components"][0]
    assert (button["custom_id"], button["label"], button["disabled"]) == (f"claim_shift:{shift.pk}", "Claim", False)
    text(click(f"claim_shift:{shift.pk}"))
    edit = BotAction.objects.get(dedupe_key=f"shifts:shift:{shift.pk}:v2")
    assert (edit.kind, edit.ordering_key, edit.payload["message_from"]) == (
        "edit_message",
        f"shift:{shift.pk}",
        post.dedupe_key,
    )
    assert edit.pk > post.pk
    dm = BotAction.objects.get(kind="send_dm")
    assert dm.payload["user_id"] == str(MOD_ID)
    ts = int(shift.start_time_utc.timestamp())
    assert dm.payload["content"] == (
        f"✅ <@{OTHER_ID}> claimed your shift #{shift.pk} starting <t:{ts}:F> (<t:{ts}:R>)."
    )
    assert dm.dedupe_key == f"shifts:shift:{shift.pk}:v2:claimed-dm:{MOD_ID}"


@pytest.mark.django_db(transaction=True)
def test_twenty_moderators_click_claim_at_once():
    """Through the interaction handler, each click in its own thread and transaction."""
    configure()
    shift = ShiftFactory(
        guild_id=GUILD_ID, channel_id=CHANNEL_ID, created_by=MOD_ID, start_time_utc=timezone.now() + timedelta(hours=1)
    )
    clickers = [820_000_000_000_000_000 + n for n in range(20)]
    payloads = {uid: component_payload(f"claim_shift:{shift.pk}", user_id=uid, roles=(MOD_ROLE,)) for uid in clickers}
    barrier = threading.Barrier(len(clickers))
    answers: dict[int, str] = {}

    def press(user_id: int) -> None:
        try:
            barrier.wait()
            answers[user_id] = handle_interaction(payloads[user_id])["data"]["content"]
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(uid,)) for uid in clickers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    winners = [uid for uid, answer in answers.items() if answer.startswith("You claimed")]
    assert len(answers) == 20 and len(winners) == 1
    refusal = f"Shift #{shift.pk} is already claimed by <@{winners[0]}>."
    assert sorted(answer for uid, answer in answers.items() if uid != winners[0]) == [refusal] * 19
    assert Shift.objects.get(pk=shift.pk).claimed_by == winners[0]
    assert BotAction.objects.filter(kind="edit_message").count() == 1
    assert BotAction.objects.filter(kind="send_dm").count() == 1


# ---------------------------------------------------------------------------- end to end (outbox + emulator)


def deliver() -> Counter:
    async def scenario() -> Counter:
        try:
            async with discord_http_client() as http:
                return await OutboxDeliverer(http).deliver_due()
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(scenario())


def the_message(emulator, shift: Shift) -> dict:
    shift.refresh_from_db()
    message = emulator.get_message(CHANNEL_ID, shift.message_id)
    assert message is not None
    return message


def dms_to(emulator, user_id: int) -> list[str]:
    channel = emulator.dm_channel_for(user_id)
    return [m["content"] for m in emulator.messages(channel["id"])] if channel else []


@pytest.mark.django_db(transaction=True)
def test_shift_message_life_through_the_outbox(emulator):
    configure()
    emulator.add_guild(GUILD_ID, name="Shifts Guild")
    emulator.add_channel(GUILD_ID, name="shifts", channel_id=CHANNEL_ID)
    for user_id, _ in WHO.values():
        emulator.add_user(user_id)

    text(run("drop_shift", start=future_local(), duration=1.5, description="Help desk"))
    shift = Shift.objects.get()
    # The claim is pressed before the post is delivered: the edit must wait for the post.
    text(click(f"claim_shift:{shift.pk}"))
    deliver()
    deliver()
    message = the_message(emulator, shift)
    assert len(emulator.messages(CHANNEL_ID)) == 1
    embed = message["embeds"][0]
    assert embed["title"] == f"Shift #{shift.pk}"
    assert f"Claimed** by <@{OTHER_ID}>" in embed["description"]
    ts = int(shift.start_time_utc.timestamp())
    assert embed["fields"][0]["value"] == f"<t:{ts}:F> (<t:{ts}:R>)"
    claim, release = message["components"][0]["components"]
    assert (claim["label"], claim["disabled"]) == ("Claimed", True)
    assert release["custom_id"] == f"release_shift:{shift.pk}"
    assert dms_to(emulator, MOD_ID) == [
        f"✅ <@{OTHER_ID}> claimed your shift #{shift.pk} starting <t:{ts}:F> (<t:{ts}:R>)."
    ]

    text(click(f"release_shift:{shift.pk}"))
    text(run("shift_edit", shift_id=shift.pk, description="Help desk and tickets"))
    deliver()
    message = the_message(emulator, shift)
    assert "Help desk and tickets" in message["embeds"][0]["description"]
    assert message["components"][0]["components"][0]["disabled"] is False

    text(click(f"claim_shift:{shift.pk}", who="admin"))
    text(run("shift_cancel", shift_id=shift.pk, reason="Event moved"))
    deliver()
    message = the_message(emulator, shift)
    assert "Cancelled" in message["embeds"][0]["description"]
    assert message["components"][0]["components"][0]["disabled"] is True
    cancelled_dms = dms_to(emulator, ADMIN_ID)
    assert len(cancelled_dms) == 1 and "was cancelled by" in cancelled_dms[0] and "Event moved" in cancelled_dms[0]
    assert cancelled_dms[0] == (
        f"❌ Shift #{shift.pk} starting <t:{ts}:F>, which you claimed, was cancelled by <@{MOD_ID}>. Reason: Event moved"
    )
    assert not BotAction.objects.exclude(status="done").exists()


@pytest.mark.django_db(transaction=True)
def test_expired_shift_message_says_so(emulator):
    configure()
    emulator.add_guild(GUILD_ID, name="Shifts Guild")
    emulator.add_channel(GUILD_ID, name="shifts", channel_id=CHANNEL_ID)
    shift = services.shift_drop(
        guild_id=GUILD_ID,
        actor=services.Actor(user_id=MOD_ID, is_moderator=True),
        start=future_local(1, "UTC"),
        duration=1,
        timezone="UTC",
        channel_id=CHANNEL_ID,
    )
    deliver()
    services.shift_expire_due(now=shift.start_time_utc + timedelta(seconds=1))
    deliver()
    message = the_message(emulator, shift)
    assert "Expired" in message["embeds"][0]["description"]
    assert message["components"][0]["components"][0]["label"] == "Expired"
    assert message["components"][0]["components"][0]["disabled"] is True


# ---------------------------------------------------------------------------- issue 12


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (0.9999, "1 h"),
        (1.9999, "2 h"),
        (0.25, "15 min"),
        (1.5, "1 h 30 min"),
        (2, "2 h"),
        (1 + 59.6 / 60, "2 h"),
        (1 + 59.4 / 60, "1 h 59 min"),
        (0.7, "42 min"),
        (24, "24 h"),
    ],
)
def test_hours_text_rounds_once_to_whole_minutes(hours, expected):
    assert hours_text(hours) == expected
    assert "60 min" not in hours_text(hours)


def test_a_started_claimed_shift_cannot_be_cancelled_in_discord(world):
    shift = world["shift"]
    now = timezone.now()
    Shift.objects.filter(pk=shift.pk).update(
        claimed_by=OTHER_ID, claimed_at=now - timedelta(days=1), start_time_utc=now - timedelta(minutes=5)
    )
    shift.refresh_from_db()
    before = _counts()
    ts = int(shift.start_time_utc.timestamp())
    assert text(run("shift_cancel", "admin", shift_id=shift.pk)) == (
        f"Shift #{shift.pk} started <t:{ts}:F>; a claimed shift cannot be cancelled once it has started "
        "(its hours stay with the moderator who claimed it)."
    )
    assert _counts() == before
    assert not Shift.objects.get(pk=shift.pk).cancelled


def test_the_release_button_is_gone_once_a_claimed_shift_starts(world):
    shift = world["shift"]
    shift.claimed_by, shift.claimed_at = OTHER_ID, timezone.now()

    def labels(now):
        return [button["label"] for button in shift_message(shift, now=now).components[0]]

    assert labels(shift.start_time_utc - timedelta(seconds=1)) == ["Claimed", "Release"]
    assert labels(shift.start_time_utc) == ["Claimed"]


def dm_rows() -> dict[int, list[BotAction]]:
    rows: dict[int, list[BotAction]] = {}
    for row in BotAction.objects.filter(kind="send_dm").order_by("id"):
        rows.setdefault(int(row.payload["user_id"]), []).append(row)
    return rows


def test_the_moderator_whose_shift_it_is_hears_of_claims_and_cancellations(world):
    """An admin drops another moderator's slot; a third moderator claims it; the admin cancels."""
    ShiftPolicyFactory(guild_id=GUILD_ID)
    slot = world["slots"]["other"]
    text(run("drop_mod_shift", "admin", slot=slot.pk, user=OTHER_ID))
    shift = Shift.objects.get(assigned_user_id=OTHER_ID)
    assert (shift.created_by, shift.assigned_user_id) == (ADMIN_ID, OTHER_ID)
    text(click(f"claim_shift:{shift.pk}", who="mod"))
    ts = int(shift.start_time_utc.timestamp())
    claimed = dm_rows()
    assert sorted(claimed) == sorted([OTHER_ID, ADMIN_ID])  # not the claimer; one each
    assert [row.payload["content"] for row in claimed[OTHER_ID]] == [
        f"✅ <@{MOD_ID}> claimed your shift #{shift.pk} starting <t:{ts}:F> (<t:{ts}:R>)."
    ]
    assert [row.payload["content"] for row in claimed[ADMIN_ID]] == [
        f"✅ <@{MOD_ID}> claimed <@{OTHER_ID}>'s shift #{shift.pk}, which you dropped, starting <t:{ts}:F> (<t:{ts}:R>)."
    ]
    assert {row.dedupe_key for rows in claimed.values() for row in rows} == {
        f"shifts:shift:{shift.pk}:v2:claimed-dm:{OTHER_ID}",
        f"shifts:shift:{shift.pk}:v2:claimed-dm:{ADMIN_ID}",
    }
    # The same event handled again sends nothing twice.
    shift.refresh_from_db()
    on_shift_changed(sender=Shift, shift=shift, change="claimed")
    assert BotAction.objects.filter(kind="send_dm").count() == 2

    text(run("shift_cancel", "admin", shift_id=shift.pk, reason="Server event"))
    after = dm_rows()
    cancelled = {
        user: [row.payload["content"] for row in rows[len(claimed.get(user, [])) :]] for user, rows in after.items()
    }
    assert cancelled[MOD_ID] == [
        f"❌ Shift #{shift.pk} starting <t:{ts}:F>, which you claimed, was cancelled by <@{ADMIN_ID}>. "
        "Reason: Server event"
    ]
    assert cancelled[OTHER_ID] == [
        f"❌ Your shift #{shift.pk} starting <t:{ts}:F> was cancelled by <@{ADMIN_ID}>. Reason: Server event"
    ]
    assert cancelled[ADMIN_ID] == []  # the admin cancelled it: told by the reply, not by a DM
    keys = BotAction.objects.filter(kind="send_dm", dedupe_key__contains="cancelled").values_list(
        "dedupe_key", flat=True
    )
    assert set(keys) == {
        f"shifts:shift:{shift.pk}:cancelled-dm:{MOD_ID}",
        f"shifts:shift:{shift.pk}:cancelled-dm:{OTHER_ID}",
    }


def test_a_moderator_dropping_their_own_slot_gets_one_dm_per_claim_and_release(world):
    text(run("drop_mod_shift", "mod", slot=world["slots"]["mod"].pk))
    shift = Shift.objects.get(assigned_user_id=MOD_ID)
    text(click(f"claim_shift:{shift.pk}", who="other"))
    rows = dm_rows()
    assert list(rows) == [MOD_ID] and len(rows[MOD_ID]) == 1
    assert "claimed your shift" in rows[MOD_ID][0].payload["content"]
    # A claim given back is news to the same moderator (decided: they were told it was covered).
    text(click(f"release_shift:{shift.pk}", who="other"))
    released = dm_rows()[MOD_ID][1]
    ts = int(shift.start_time_utc.timestamp())
    assert released.payload["content"] == (
        f"↩️ <@{OTHER_ID}> released your shift #{shift.pk} starting <t:{ts}:F> (<t:{ts}:R>); it is open to claim again."
    )
    assert released.dedupe_key == f"shifts:shift:{shift.pk}:v3:released-dm:{MOD_ID}"


def _page_ids(response: dict) -> list[str]:
    return [c["custom_id"] for row in response["data"].get("components", []) for c in row["components"]]


def test_schedule_view_pages_28_slots_and_shows_every_one(world):
    ModSchedule.objects.filter(user_id=MOD_ID).delete()
    for day in range(7):
        for n, zone in enumerate(ZONES):
            ModScheduleFactory(
                guild_id=GUILD_ID, user_id=MOD_ID, day_of_week=day, hour=6 + 4 * n, minute=45, timezone=zone
            )
    first = run("schedule_view", "member", user=MOD_ID)
    content = text(first)
    assert content.startswith(f"**<@{MOD_ID}>'s schedule**") and "Page 1 of 2" in content
    _, following = _page_ids(first)
    assert following.startswith("page:schedule_view.") and following.endswith(".1")
    second = click(following, who="member")
    assert second["type"] == 7  # the page replaces the message in place
    assert "Page 2 of 2" in second["data"]["content"]
    pages = content + "\n" + second["data"]["content"]
    for day in range(7):
        for n in range(len(ZONES)):
            assert f"**{DAY_NAMES[day]} {6 + 4 * n:02d}:45**" in pages
    assert len(content) <= 2000 and len(second["data"]["content"]) <= 2000


def test_a_page_click_rechecks_the_clicking_members_server(world):
    for day in range(7):
        for hour in range(3):
            ModScheduleFactory(guild_id=GUILD_ID, user_id=MOD_ID, day_of_week=day, hour=hour)
    following = _page_ids(run("schedule_view", "member", user=MOD_ID))[1]
    unconfigured = 555_000_000_000_000_001
    assert "not set up for Guildhall" in text(click(following, who="member", guild_id=unconfigured))


def test_shift_stats_pages_and_the_next_page_is_a_click(world):
    now = timezone.now()
    claimers = [830_000_000_000_000_000 + n for n in range(40)]
    for n, user_id in enumerate(claimers):
        ShiftFactory(
            guild_id=GUILD_ID,
            claimed_by=user_id,
            claimed_at=now - timedelta(hours=1),
            duration_hours=1 + n / 60,
            start_time_utc=now + timedelta(days=1, minutes=n),
        )
    first = run("shift_stats", "member", period="30d")
    content = text(first)
    assert content.startswith("**Claimed shifts, last 30 days**") and "Page 1 of 3" in content
    pages = [content]
    page_id = _page_ids(first)[1]
    for _ in range(5):
        response = click(page_id, who="member")
        pages.append(response["data"]["content"])
        next_button = response["data"]["components"][0]["components"][1]
        if next_button["disabled"]:
            break
        page_id = next_button["custom_id"]
    joined = "\n".join(pages)
    assert all(f"<@{user_id}>:" in joined for user_id in claimers)
    assert "Page 3 of 3" in pages[-1]
