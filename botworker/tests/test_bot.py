"""The gateway bot end to end: a real `manage.py runbot` process, the real discord.py client, the
Discord emulator (REST and gateway) and PostgreSQL."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import transaction

from botworker.gateway import SYNC_REFUSED
from botworker.guilds import guild_configure
from botworker.models import BotAction, DirectoryChannel, DirectoryGuild, DirectoryMember, DirectoryRole
from botworker.outbox import enqueue
from botworker.tests.factories import ADMIN_ROLE, MOD_ROLE, Signer, command_payload, next_id
from conftest import BASE_DIR, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

GUILD = 811_111_111_111_111_111
MEMBER = 833_333_333_333_333_333
MESSAGES = r"/channels/\d+/messages"


class BotProcess:
    """`manage.py runbot` as a child process pointed at the emulator."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None
        self.runs = 0

    def start(self) -> BotProcess:
        self.runs += 1
        self.log_path = self.log_dir / f"bot-{self.runs}.log"
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runbot"],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
        )
        return self

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def signal(self, signum: int) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def discord_guild(emulator):
    emulator.add_guild(guild_id=str(GUILD), name="Raiders")
    general = emulator.add_channel(guild_id=str(GUILD), name="general")
    logs = emulator.add_channel(guild_id=str(GUILD), name="logs")
    emulator.add_role(str(GUILD), "Moderators")
    emulator.add_member(str(GUILD), str(MEMBER))
    return {"general": general["id"], "logs": logs["id"]}


@pytest.fixture
def bot_env(emulator, subprocess_env, settings):
    settings.DISCORD_APPLICATION_ID = emulator.application_id
    return {
        **subprocess_env,
        "DISCORD_TOKEN": emulator.token,
        "DISCORD_API_BASE": emulator.api_base,
        "DISCORD_GATEWAY_URL": emulator.gateway_url,
        "DISCORD_APPLICATION_ID": emulator.application_id,
        "OUTBOX_LEASE_SECONDS": "5",
    }


@pytest.fixture
def bot(bot_env, tmp_path):
    process = BotProcess(bot_env, tmp_path)
    yield process
    process.kill()


def start_ready(bot: BotProcess, emulator) -> BotProcess:
    bot.start()
    try:
        # Generous: on a loaded two-core machine, Django's start-up alone can take seconds.
        emulator.wait_for_ready(timeout=60)
    except Exception:
        raise AssertionError(f"the bot did not become ready; its log:\n{bot.log}") from None
    return bot


def kill_and_wait_for_the_connection_to_end(bot: BotProcess, emulator) -> None:
    """SIGKILL the bot, then wait until the emulator has seen its gateway connection end: until
    then wait_for_ready() may still find the dead bot's session ready, and an interaction sent
    to it would never reach the next bot."""
    bot.kill()
    wait_for(
        lambda: not any(s.connected for s in emulator.gateway_sessions),
        timeout=10,
        message="the emulator to see the killed bot's connection end",
    )


def gateway_answer(emulator, payload: dict, timeout: float = 10) -> dict:
    sent = emulator.send_interaction(payload)
    [body] = wait_for(lambda: emulator.interaction_responses(sent["id"]), timeout=timeout, message="the bot's answer")
    return body


def whoami(channel_id: str, **kwargs) -> dict:
    payload = command_payload("whoami", guild_id=GUILD, user_id=MEMBER, **kwargs)
    payload["channel_id"] = channel_id
    return payload


def test_slash_command_over_the_gateway_answers_as_the_http_endpoint_does(
    emulator, discord_guild, bot, client, settings
):
    guild_configure(guild_id=GUILD, moderator_role_ids=[MOD_ROLE], admin_role_ids=[ADMIN_ROLE])
    start_ready(bot, emulator)
    over_gateway = gateway_answer(emulator, whoami(discord_guild["general"], roles=(MOD_ROLE,)))

    signer = Signer()
    settings.DISCORD_PUBLIC_KEY = signer.public_key_hex
    over_http = signer.post(client, whoami(discord_guild["general"], roles=(MOD_ROLE,))).json()
    assert over_gateway == over_http
    assert over_gateway["data"]["content"].startswith("You are a **moderator** here.")


def test_the_connection_dropped_the_bot_resumes_and_answers(emulator, discord_guild, bot):
    start_ready(bot, emulator)
    assert emulator.drop_gateway() == 1
    wait_for(
        lambda: any(s.resume_count >= 1 and s.connected for s in emulator.gateway_sessions),
        timeout=30,
        message="a resume",
    )
    body = gateway_answer(emulator, whoami(discord_guild["general"]))
    assert body["data"]["content"].startswith("You are a **member** here.")
    assert all(s.identify_count == 1 for s in emulator.gateway_sessions)


def test_invalid_session_the_bot_identifies_again_and_answers(emulator, discord_guild, bot):
    start_ready(bot, emulator)
    emulator.send_invalid_session(False)
    wait_for(
        lambda: sum(s.identify_count for s in emulator.gateway_sessions) >= 2, timeout=30, message="a new IDENTIFY"
    )
    emulator.wait_for_ready(timeout=30)
    assert gateway_answer(emulator, whoami(discord_guild["general"]))["type"] == 4


def test_a_button_posted_by_the_bot_works_after_the_bot_was_killed(emulator, discord_guild, bot):
    """The Retry button of a dead-action notice, posted by one bot process, clicked in the next."""
    guild_configure(guild_id=GUILD, admin_role_ids=[ADMIN_ROLE], channels={"logs": int(discord_guild["logs"])})
    emulator.fail_next(1, status=403, path=rf"/channels/{discord_guild['general']}/messages")
    with transaction.atomic():
        action = enqueue(
            kind=BotAction.Kind.SEND_MESSAGE,
            payload={"channel_id": discord_guild["general"], "content": "Raid tonight"},
            dedupe_key="announce:raid",
            guild_id=GUILD,
        )
    start_ready(bot, emulator)
    [notice] = wait_for(lambda: emulator.messages(discord_guild["logs"]), timeout=15, message="the dead-action notice")
    button = notice["components"][0]["components"][0]
    assert button["custom_id"] == f"retry_action:{action.pk}"

    kill_and_wait_for_the_connection_to_end(bot, emulator)  # SIGKILL: nothing in memory survives
    start_ready(bot, emulator)
    click = {
        "type": 3,
        "guild_id": str(GUILD),
        "channel_id": discord_guild["logs"],
        "member": {"user": {"id": str(MEMBER), "username": "admin"}, "roles": [str(ADMIN_ROLE)], "permissions": "0"},
        "data": {"custom_id": button["custom_id"], "component_type": 2},
        "message": notice,
    }
    body = gateway_answer(emulator, click)
    assert body["type"] == 7
    assert f"Retried by <@{MEMBER}>." in body["data"]["content"]
    wait_for(lambda: emulator.messages(discord_guild["general"]), timeout=15, message="the retried announcement")
    assert [m["content"] for m in emulator.messages(discord_guild["general"])] == ["Raid tonight"]


def enqueue_announcements(channel_id: str, count: int, prefix: str) -> None:
    with transaction.atomic():
        for n in range(count):
            enqueue(
                kind=BotAction.Kind.SEND_MESSAGE,
                payload={"channel_id": channel_id, "content": f"{prefix} {n}"},
                dedupe_key=f"{prefix}:{n}",
            )


def test_outbox_row_committed_while_the_bot_runs_is_delivered_within_a_second(emulator, discord_guild, bot):
    start_ready(bot, emulator)
    time.sleep(1.5)  # let the deliverer settle into waiting for a notification
    committed_at = time.monotonic()
    enqueue_announcements(discord_guild["general"], 1, "live")
    [post] = wait_for(lambda: emulator.requests_to("POST", MESSAGES), timeout=10, message="the delivery")
    assert post.at - committed_at < 1.0


def test_rows_committed_while_the_bot_was_down_are_delivered_once_each(emulator, discord_guild, bot):
    enqueue_announcements(discord_guild["general"], 25, "offline")
    start_ready(bot, emulator)
    wait_for(lambda: len(emulator.messages(discord_guild["general"])) == 25, timeout=30, message="25 deliveries")
    time.sleep(1)
    contents = [m["content"] for m in emulator.messages(discord_guild["general"])]
    assert sorted(contents) == sorted(f"offline {n}" for n in range(25))
    assert set(BotAction.objects.values_list("status", flat=True)) == {BotAction.Status.DONE}


def test_sigterm_during_delivery_exits_0_and_loses_and_duplicates_nothing(emulator, discord_guild, bot):
    enqueue_announcements(discord_guild["general"], 200, "burst")
    start_ready(bot, emulator)
    wait_for(lambda: len(emulator.requests_to("POST", MESSAGES)) >= 20, timeout=30, message="deliveries under way")
    assert bot.signal(signal.SIGTERM) == 0
    assert "Traceback" not in bot.log
    assert BotAction.objects.filter(status=BotAction.Status.IN_PROGRESS).count() == 0  # released, not stranded
    start_ready(bot, emulator)
    wait_for(
        lambda: not BotAction.objects.exclude(status=BotAction.Status.DONE).exists(),
        timeout=60,
        message="all delivered",
    )
    contents = [m["content"] for m in emulator.messages(discord_guild["general"])]
    assert len(contents) == 200
    assert sorted(contents) == sorted(f"burst {n}" for n in range(200))
    assert bot.signal(signal.SIGINT) == 0


def test_prefix_ping_answers(emulator, discord_guild, bot):
    start_ready(bot, emulator)
    emulator.send_message_create(discord_guild["general"], "!ping", author_id=str(MEMBER), guild_id=str(GUILD))
    replies = wait_for(
        lambda: [
            m for m in emulator.messages(discord_guild["general"]) if m["author"]["id"] == emulator.bot_user["id"]
        ],
        timeout=10,
        message="the !ping reply",
    )
    assert replies[0]["content"].startswith("Pong! Gateway latency ")


def test_prefix_sync_is_refused_for_a_member_and_done_for_an_admin(emulator, discord_guild, bot):
    guild_configure(guild_id=GUILD, admin_role_ids=[ADMIN_ROLE])
    start_ready(bot, emulator)

    def bot_replies():
        return [
            m["content"]
            for m in emulator.messages(discord_guild["general"])
            if m["author"]["id"] == emulator.bot_user["id"]
        ]

    emulator.send_message_create(discord_guild["general"], "!sync", author_id=str(MEMBER), guild_id=str(GUILD))
    wait_for(bot_replies, timeout=10, message="the refusal")
    assert bot_replies() == [SYNC_REFUSED]
    assert emulator.requests_to("PUT", r"/applications/.*") == []


def test_no_token_is_one_clear_line(bot_env):
    env = {**bot_env, "DISCORD_TOKEN": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", "runbot"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "CommandError: DISCORD_TOKEN is not set: the bot needs its token to connect to Discord."
    ]


def test_bad_token_is_one_clear_line(bot_env):
    env = {**bot_env, "DISCORD_TOKEN": "not-the-token"}
    result = subprocess.run(
        [sys.executable, "manage.py", "runbot"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert (
        result.stderr.strip().splitlines()[-1]
        == "CommandError: Discord refused DISCORD_TOKEN (401 Unauthorized): check the bot token."
    )
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_the_bot_sets_its_presence_from_the_outbox(emulator, discord_guild, bot):
    start_ready(bot, emulator)
    with transaction.atomic():
        enqueue(
            kind=BotAction.Kind.SET_PRESENCE,
            payload={"status": "idle", "activity_type": "watching", "activity_text": "the raid schedule"},
            dedupe_key=f"presence:{next_id()}",
        )
    presence = wait_for(
        lambda: [p for p in emulator.presences if p.status == "idle"], timeout=10, message="the presence"
    )
    assert json.dumps(presence[0].activities).count("the raid schedule") == 1


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_bot_shards_when_discord_recommends_it(subprocess_env, tmp_path):
    """Discord recommends two shards: the bot runs AutoShardedClient, each shard owns its guilds."""
    from botworker.emulator import DiscordEmulator

    guilds = [g for g in range(900_000_000_000_000_000, 900_000_000_000_000_000 + (8 << 22), 1 << 22)]
    on_shard = {shard: next(g for g in guilds if (g >> 22) % 2 == shard) for shard in (0, 1)}
    with DiscordEmulator(token="sharded-token", shards=2) as emu:
        channels = {}
        for shard, guild_id in on_shard.items():
            emu.add_guild(guild_id=guild_id, name=f"Guild {shard}")
            channels[shard] = emu.add_channel(guild_id=guild_id, name="general")["id"]
            emu.add_member(guild_id, str(MEMBER))
        env = {
            **subprocess_env,
            "DISCORD_TOKEN": emu.token,
            "DISCORD_API_BASE": emu.api_base,
            "DISCORD_GATEWAY_URL": emu.gateway_url,
            "DISCORD_APPLICATION_ID": emu.application_id,
        }
        bot = BotProcess(env, tmp_path).start()
        try:
            emu.wait_for_ready(timeout=40, shard_id=0)
            emu.wait_for_ready(timeout=40, shard_id=1)
            assert sorted(s.shard for s in emu.gateway_sessions) == [(0, 2), (1, 2)]
            for shard, guild_id in on_shard.items():
                payload = command_payload("whoami", guild_id=guild_id, user_id=MEMBER)
                payload["channel_id"] = channels[shard]
                assert gateway_answer(emu, payload)["data"]["content"].startswith("You are a **member** here.")
            wait_for(lambda: "shard 1 ready" in bot.log, timeout=10, message="the shard log line")
        finally:
            bot.kill()


def test_a_shift_claim_button_works_after_the_bot_restarts(emulator, discord_guild, bot):
    """Issue 5's Claim button: posted by one bot process, claimed in the next one."""
    from datetime import timedelta

    from django.utils import timezone

    from shifts import services as shift_services
    from shifts.models import Shift

    dropper, claimer = 844_444_444_444_444_441, 844_444_444_444_444_442
    emulator.add_member(str(GUILD), str(claimer))
    guild_configure(guild_id=GUILD, moderator_role_ids=[MOD_ROLE], channels={"shifts": int(discord_guild["general"])})
    start = (timezone.now() + timedelta(days=2)).astimezone(timezone.get_fixed_timezone(0)).strftime("%Y-%m-%d %H:%M")
    shift = shift_services.shift_drop(
        guild_id=GUILD,
        actor=shift_services.Actor(user_id=dropper, is_moderator=True),
        start=start,
        duration=2,
        description="Evening watch",
        timezone="UTC",
        channel_id=int(discord_guild["general"]),
    )
    start_ready(bot, emulator)
    posted = wait_for(lambda: Shift.objects.get(pk=shift.pk).message_id, timeout=15, message="the shift post")
    message = emulator.get_message(discord_guild["general"], posted)
    claim = message["components"][0]["components"][0]
    assert claim["custom_id"] == f"claim_shift:{shift.pk}"

    kill_and_wait_for_the_connection_to_end(bot, emulator)
    start_ready(bot, emulator)
    click = {
        "type": 3,
        "guild_id": str(GUILD),
        "channel_id": discord_guild["general"],
        "member": {"user": {"id": str(claimer), "username": "mod"}, "roles": [str(MOD_ROLE)], "permissions": "0"},
        "data": {"custom_id": claim["custom_id"], "component_type": 2},
        "message": message,
    }
    body = gateway_answer(emulator, click)
    assert f"You claimed shift #{shift.pk}" in json.dumps(body)
    assert Shift.objects.get(pk=shift.pk).claimed_by == claimer
    # The bot re-renders the shift's message: the Claim button is disabled.
    wait_for(
        lambda: emulator.get_message(discord_guild["general"], posted)["components"][0]["components"][0]["disabled"],
        timeout=15,
        message="the re-rendered shift message",
    )


def test_time_tracking_works_through_the_gateway_in_a_direct_message(emulator, discord_guild, bot):
    """Issue 6's commands are personal: they answer over the gateway in a DM, with no guild set-up."""
    from timetracking.models import FocusSession

    start_ready(bot, emulator)
    clock_in = {
        "type": 2,
        "user": {"id": str(MEMBER), "username": "member"},
        "data": {
            "name": "session",
            "type": 1,
            "options": [{"name": "in", "type": 1, "options": [{"name": "subject", "type": 3, "value": "Maths"}]}],
        },
    }
    body = gateway_answer(emulator, clock_in)
    assert body["type"] == 4
    session = FocusSession.objects.get()
    assert session.status == FocusSession.Status.RUNNING
    assert f"pause:{session.pk}" in json.dumps(body["data"]["components"])


# --- the Discord directory, kept current by the bot ------------------------------------------


def directory_channel(channel_id) -> DirectoryChannel | None:
    return DirectoryChannel.objects.filter(channel_id=int(channel_id)).first()


def test_the_bot_records_the_guild_it_joins_and_follows_its_changes(emulator, discord_guild, bot):
    officers = emulator.add_role(str(GUILD), "Officers")
    start_ready(bot, emulator)

    wait_for(
        lambda: directory_channel(discord_guild["logs"]), timeout=30, message="the guild's channels in the directory"
    )
    assert DirectoryGuild.objects.get(guild_id=GUILD).name == "Raiders"
    assert directory_channel(discord_guild["general"]).name == "general"
    assert DirectoryRole.objects.get(role_id=int(officers["id"])).name == "Officers"

    emulator.update_channel(discord_guild["general"], name="shifts")
    emulator.update_role(str(GUILD), officers["id"], name="Council", color=0x3498DB)
    emulator.delete_channel(discord_guild["logs"])
    category = emulator.create_channel(str(GUILD), "Raids", type=4)
    emulator.update_guild(str(GUILD), name="Raiders Reborn")

    wait_for(
        lambda: DirectoryGuild.objects.filter(guild_id=GUILD, name="Raiders Reborn").exists(),
        timeout=30,
        message="the last change recorded",
    )
    # Events are recorded in the order they came, so the earlier ones are in by now.
    assert directory_channel(discord_guild["general"]).name == "shifts"
    role = DirectoryRole.objects.get(role_id=int(officers["id"]))
    assert (role.name, role.colour) == ("Council", 0x3498DB)
    logs = directory_channel(discord_guild["logs"])
    assert logs.gone_at is not None and logs.name == "logs"
    assert directory_channel(category["id"]).type == DirectoryChannel.Type.CATEGORY

    emulator.delete_role(str(GUILD), officers["id"])
    wait_for(
        lambda: DirectoryRole.objects.filter(role_id=int(officers["id"]), gone_at__isnull=False).exists(),
        timeout=30,
        message="the deleted role marked gone",
    )
    assert DirectoryRole.objects.get(role_id=int(officers["id"])).name == "Council"


def test_an_interaction_over_the_gateway_records_its_member(emulator, discord_guild, bot):
    start_ready(bot, emulator)
    payload = command_payload("whoami", guild_id=GUILD, user_id=MEMBER)
    payload["channel_id"] = discord_guild["general"]
    payload["member"]["nick"] = "Shieldwall"
    gateway_answer(emulator, payload, timeout=30)
    assert DirectoryMember.objects.get(guild_id=GUILD, user_id=MEMBER).nick == "Shieldwall"
