"""Tests of the Discord gateway emulator, driven by the real discord.py 2.7.1 client (no Django needed).

Each test runs a real ``discord.Client`` (or ``AutoShardedClient``) on its own event loop in a
background thread, pointed at the emulator through ``Route.BASE`` and
``DiscordWebSocket.DEFAULT_GATEWAY``; the test thread drives the emulator and reads what the
client saw from queues. A few tests speak the raw protocol with aiohttp to pin down frames and
close codes that discord.py hides.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import queue
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord.gateway import DiscordWebSocket, KeepAliveHandler
from discord.http import Route

from botworker.emulator import CloseCode, DiscordEmulator, Intent, Op
from botworker.emulator.gateway import DEFAULT_HEARTBEAT_INTERVAL_MS

TOKEN = "gateway-test-token"
WAIT = 5.0  # seconds any single expected event may take
# Snowflakes whose timestamp part decides their shard: (id >> 22) % 2.
GUILD_ON_SHARD_0 = (1_000_000 << 22) | 1
GUILD_ON_SHARD_1 = (1_000_001 << 22) | 1
USER_ID = 222_000_000_000_000_001


# ---------------------------------------------------------------- fixtures and helpers


def point_discord_at(emulator: DiscordEmulator, monkeypatch: pytest.MonkeyPatch) -> DiscordEmulator:
    """Make discord.py's REST and gateway clients talk to ``emulator`` (monkeypatch restores both)."""
    monkeypatch.setattr(Route, "BASE", emulator.api_base)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(emulator.gateway_url))
    return emulator


@pytest.fixture(scope="module")
def running_emulator() -> Iterator[DiscordEmulator]:
    with DiscordEmulator(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def emu(running_emulator: DiscordEmulator, monkeypatch: pytest.MonkeyPatch) -> DiscordEmulator:
    running_emulator.reset()
    return point_discord_at(running_emulator, monkeypatch)


class Recording:
    """Mixed into a discord.py client: hands what the client sees to the test thread.

    ``seen[event]`` are thread-safe queues of plain snapshots (never discord.py objects, which
    belong to the client's loop). Interactions are answered the way the bot answers them: slash
    commands and modal submits with an ephemeral message, component clicks by editing the message.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.seen: defaultdict[str, queue.Queue[Any]] = defaultdict(queue.Queue)
        self.identifies: list[tuple[int | None, bool]] = []

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py sleeps 5 s here before every IDENTIFY but the very first (other shards,
        # re-identifying after INVALID_SESSION); record the call instead of waiting.
        self.identifies.append((shard_id, initial))

    async def on_ready(self) -> None:
        self.seen["ready"].put(True)

    async def on_resumed(self) -> None:
        self.seen["resumed"].put(True)

    async def on_message(self, message: discord.Message) -> None:
        self.seen["message"].put(
            {
                "id": message.id,
                "content": message.content,
                "embeds": [embed.to_dict() for embed in message.embeds],
                "author_id": message.author.id,
                "author_is_member": isinstance(message.author, discord.Member),
                "guild_id": message.guild.id if message.guild else None,
                "channel_name": getattr(message.channel, "name", None),
            }
        )

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        try:
            if interaction.type is discord.InteractionType.component:
                await interaction.response.edit_message(content="clicked")
            else:
                await interaction.response.send_message("pong", ephemeral=True)
            user = interaction.user
            self.seen["interaction"].put(
                {
                    "id": interaction.id,
                    "type": interaction.type,
                    "user_id": user.id,
                    "is_member": isinstance(user, discord.Member),
                    "role_ids": sorted(role.id for role in getattr(user, "roles", []) if not role.is_default()),
                    "guild_id": interaction.guild_id,
                    "guild_name": interaction.guild.name if interaction.guild else None,
                    "channel_id": interaction.channel_id,
                    "channel_type": interaction.channel.type if interaction.channel else None,
                    "data": interaction.data,
                    "message_id": interaction.message.id if interaction.message else None,
                    "permissions": interaction.permissions.value,
                    "locale": interaction.locale,
                }
            )
        except Exception as error:  # handed to the test instead of being logged by discord.py
            self.seen["interaction"].put(error)


class RecordingClient(Recording, discord.Client):
    """A plain client: connects to ``DiscordWebSocket.DEFAULT_GATEWAY`` as one unsharded session."""


class RecordingShardedClient(Recording, discord.AutoShardedClient):
    """A sharded client: asks ``GET /gateway/bot`` for the shard count and URL, one session per shard."""


def intents(*names: str) -> discord.Intents:
    value = discord.Intents.none()
    for name in ("guilds", *names):
        setattr(value, name, True)
    return value


def make_client(*intent_names: str, sharded: bool = False, **options: Any) -> Recording:
    # guild_ready_timeout: discord.py fires on_ready that long after the last GUILD_CREATE (default 2 s).
    cls = RecordingShardedClient if sharded else RecordingClient
    return cls(intents=intents(*intent_names), guild_ready_timeout=0.05, **options)


class ClientThread:
    """A discord.py client running ``start(token)`` on its own event loop in a daemon thread."""

    def __init__(self, client: Recording, token: str) -> None:
        self.client = client
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="discord-client", daemon=True)
        self.thread.start()
        self.running: concurrent.futures.Future[None] = asyncio.run_coroutine_threadsafe(client.start(token), self.loop)
        self.stopped = False

    def call(self, coro: Any, timeout: float = WAIT) -> Any:
        """Run a coroutine on the client's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def hold(self) -> threading.Event:
        """Block the client's loop until the returned event is set (it then cannot react, e.g. reconnect)."""
        release = threading.Event()
        self.loop.call_soon_threadsafe(release.wait, WAIT)
        return release

    def stop(self) -> None:
        """Close the client, wait for ``start`` to return and end the thread (idempotent)."""
        if self.stopped:
            return
        self.stopped = True
        try:
            self.call(self.client.close())
            # What start() raised, if anything, is for the test to assert, not for the teardown.
            with contextlib.suppress(Exception):
                self.running.result(WAIT)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(WAIT)
            self.loop.close()


@pytest.fixture
def run_client() -> Iterator[Callable[..., ClientThread]]:
    """Start clients in background threads; every one is closed after the test."""
    started: list[ClientThread] = []

    def run(client: Recording, token: str = TOKEN) -> ClientThread:
        runner = ClientThread(client, token)
        started.append(runner)
        return runner

    yield run
    for runner in started:
        runner.stop()


def next_seen(client: Recording, event: str) -> Any:
    item = client.seen[event].get(timeout=WAIT)
    if isinstance(item, BaseException):
        raise item
    return item


def guild_with_member(emu: DiscordEmulator, guild_id: int | None = None) -> dict[str, str]:
    """A guild with a text channel, a role and a member who has it."""
    guild = emu.add_guild(guild_id, name="Raid Guild")["id"]
    channel = emu.add_channel(guild, name="general")["id"]
    role = emu.add_role(guild, "Raider", permissions=1 << 11)["id"]  # SEND_MESSAGES
    emu.add_member(guild, USER_ID, roles=[role])
    return {"guild": guild, "channel": channel, "role": role}


def start_ready(run_client: Callable[..., ClientThread], emu: DiscordEmulator, *intent_names: str) -> ClientThread:
    runner = run_client(make_client(*intent_names))
    emu.wait_for_ready(WAIT)
    next_seen(runner.client, "ready")
    return runner


def slash_command(ids: dict[str, str], name: str = "shift") -> dict[str, Any]:
    return {
        "type": 2,
        "guild_id": ids["guild"],
        "channel_id": ids["channel"],
        "member": {"user": {"id": str(USER_ID)}},
        "data": {"name": name, "options": [{"name": "week", "type": 4, "value": 12}]},
    }


# ---------------------------------------------------------------- connecting


def test_client_identifies_and_builds_its_guilds_from_ready_and_guild_create(
    emu: DiscordEmulator, run_client: Callable[..., ClientThread]
) -> None:
    ids = guild_with_member(emu)
    category = emu.add_channel(ids["guild"], name="Raids", type=4)["id"]
    emu.add_channel(ids["guild"], name="signups", parent_id=category, topic="Sign up here")
    emu.add_channel(ids["guild"], name="Voice", type=2)
    client = run_client(make_client()).client

    session = emu.wait_for_ready(WAIT)
    next_seen(client, "ready")

    guild = client.get_guild(int(ids["guild"]))
    assert guild is not None and guild.name == "Raid Guild" and not guild.unavailable
    assert {c.name: c.type for c in guild.channels} == {
        "general": discord.ChannelType.text,
        "Raids": discord.ChannelType.category,
        "signups": discord.ChannelType.text,
        "Voice": discord.ChannelType.voice,
    }
    signups = discord.utils.get(guild.text_channels, name="signups")
    assert signups.category.name == "Raids" and signups.topic == "Sign up here"
    assert {r.name for r in guild.roles} == {"@everyone", "Raider"}
    assert guild.me is not None and guild.me.id == client.user.id == int(emu.bot_user_id)
    # Without the GUILD_MEMBERS intent Discord only sends the bot's own member; member_count is the total.
    assert guild.get_member(USER_ID) is None and guild.member_count == 2
    assert session.shard == (0, 1) and session.intents == client.intents.value
    assert session.identify_count == 1 and session.resume_count == 0 and session.connected
    assert session.last_seq == 2  # READY, GUILD_CREATE
    identify = next(e for e in emu.gateway_events if e.op == Op.IDENTIFY)
    assert identify.d["token"] == TOKEN and identify.d["properties"]["browser"] == "discord.py"
    assert client.identifies == [(None, True)]


def test_wrong_token_fails_login_before_the_gateway(
    emu: DiscordEmulator, run_client: Callable[..., ClientThread]
) -> None:
    runner = run_client(make_client(), token="wrong")

    with pytest.raises(discord.LoginFailure):
        runner.running.result(WAIT)
    assert emu.gateway_sessions == [] and emu.gateway_events == []


@pytest.mark.parametrize(
    ("code", "raised"),
    [(4004, discord.ConnectionClosed), (4014, discord.PrivilegedIntentsRequired)],
)
def test_fatal_close_codes_stop_the_client(
    emu: DiscordEmulator, run_client: Callable[..., ClientThread], code: int, raised: type[Exception]
) -> None:
    guild_with_member(emu)
    runner = start_ready(run_client, emu)

    assert emu.close_gateway(code) == 1

    with pytest.raises(raised):
        runner.running.result(WAIT)
    assert emu.gateway_closes[-1].code == code and emu.gateway_closes[-1].by_server
    assert not emu.gateway_sessions[0].resumable


def test_wait_for_ready_times_out_with_what_it_knows(emu: DiscordEmulator) -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="no gateway session became ready"):
        emu.wait_for_ready(timeout=0.1)
    assert time.monotonic() - started < 1


# ---------------------------------------------------------------- interactions


def test_slash_command_reaches_on_interaction_and_its_answer_reaches_the_callback(
    emu: DiscordEmulator, run_client: Callable[..., ClientThread]
) -> None:
    ids = guild_with_member(emu)
    client = start_ready(run_client, emu).client

    sent = emu.send_interaction(slash_command(ids))
    seen = next_seen(client, "interaction")

    assert seen["id"] == int(sent["id"]) and seen["type"] is discord.InteractionType.application_command
    assert seen["is_member"] and seen["user_id"] == USER_ID and seen["role_ids"] == [int(ids["role"])]
    assert seen["guild_id"] == int(ids["guild"]) and seen["guild_name"] == "Raid Guild"
    assert seen["channel_id"] == int(ids["channel"]) and seen["channel_type"] is discord.ChannelType.text
    assert seen["data"]["name"] == "shift" and seen["data"]["options"] == [{"name": "week", "type": 4, "value": 12}]
    assert seen["permissions"] == 1 << 11 and seen["locale"] is discord.Locale.american_english
    assert emu.interaction_responses(sent["id"]) == [
        {"type": 4, "data": {"tts": False, "content": "pong", "flags": 64}}
    ]
    answer = emu.original_response(None, sent["token"])
    assert answer["content"] == "pong" and answer["flags"] & 64
    assert emu.messages(ids["channel"]) == []  # ephemeral answers stay out of the channel


def test_button_click_is_parsed_and_can_update_its_message(
    emu: DiscordEmulator, run_client: Callable[..., ClientThread]
) -> None:
    ids = guild_with_member(emu)
    shifts = emu.add_channel(ids["guild"], name="shifts")["id"]
    button = {"type": 2, "style": 1, "label": "Claim", "custom_id": "claim_shift:42"}
    posted = emu.add_message(shifts, "Shift open", components=[{"type": 1, "components": [button]}])
    client = start_ready(run_client, emu).client

    sent = emu.send_interaction(
        {
            "type": 3,
            "guild_id": ids["guild"],
            "member": {"user": {"id": str(USER_ID)}},
            "message": posted["id"],  # its channel is the interaction's channel
            "data": {"custom_id": "claim_shift:42", "component_type": 2},
        }
    )
    seen = next_seen(client, "interaction")

    assert seen["type"] is discord.InteractionType.component and seen["message_id"] == int(posted["id"])
    assert seen["channel_id"] == int(shifts)
    assert seen["data"] == {"custom_id": "claim_shift:42", "component_type": 2}
    assert sent["message"]["components"] == posted["components"]
    assert emu.interaction_responses(sent["id"])[0]["type"] == 7
    assert emu.get_message(shifts, posted["id"])["content"] == "clicked"


def test_modal_submit_is_parsed(emu: DiscordEmulator, run_client: Callable[..., ClientThread]) -> None:
    ids = guild_with_member(emu)
    client = start_ready(run_client, emu).client
    field = {"type": 4, "custom_id": "reason", "value": "Out of town"}

    sent = emu.send_interaction(
        {
            "type": 5,
            "guild_id": ids["guild"],
            "member": {"user": {"id": str(USER_ID)}, "roles": []},
            "data": {"custom_id": "drop_shift:42", "components": [{"type": 1, "components": [field]}]},
        }
    )
    seen = next_seen(client, "interaction")

    assert seen["type"] is discord.InteractionType.modal_submit and seen["role_ids"] == []
    assert seen["channel_id"] == int(ids["channel"])  # the guild's first text channel by default
    assert seen["data"]["custom_id"] == "drop_shift:42"
    assert seen["data"]["components"][0]["components"][0]["value"] == "Out of town"
    assert emu.interaction_responses(sent["id"])[0]["data"]["flags"] == 64


def test_direct_message_interaction_has_a_user_and_a_dm_channel(
    emu: DiscordEmulator, run_client: Callable[..., ClientThread]
) -> None:
    guild_with_member(emu)
    client = start_ready(run_client, emu).client

    sent = emu.send_interaction({"type": 2, "user": {"id": str(USER_ID)}, "data": {"name": "timer"}})
    seen = next_seen(client, "interaction")

    assert not seen["is_member"] and seen["user_id"] == USER_ID and seen["guild_id"] is None
    assert seen["channel_type"] is discord.ChannelType.private
    assert seen["channel_id"] == int(emu.dm_channel_for(USER_ID)["id"]) == int(sent["channel_id"])
    assert sent["context"] == 1 and "member" not in sent
    assert emu.interaction_responses(sent["id"])[0]["type"] == 4


# ---------------------------------------------------------------- messages and intents


def test_message_create_reaches_on_message_with_content_and_embeds(
    emu: DiscordEmulator, run_client: Callable[..., ClientThread]
) -> None:
    ids = guild_with_member(emu)
    client = start_ready(run_client, emu, "guild_messages", "message_content").client

    sent = emu.send_message_create(
        ids["channel"], "Who is free on Friday?", author_id=USER_ID, embeds=[{"title": "Raid"}]
    )
    seen = next_seen(client, "message")

    assert seen["id"] == int(sent["id"]) and seen["content"] == "Who is free on Friday?"
    assert [embed["title"] for embed in seen["embeds"]] == ["Raid"]
    assert seen["author_id"] == USER_ID and seen["author_is_member"]
    assert seen["guild_id"] == int(ids["guild"]) and seen["channel_name"] == "general"
    assert emu.messages(ids["channel"])[-1]["id"] == sent["id"]  # REST history agrees


def test_intents_decide_what_the_client_receives(emu: DiscordEmulator, run_client: Callable[..., ClientThread]) -> None:
    ids = guild_with_member(emu)
    client = start_ready(run_client, emu, "guild_messages").client  # no MESSAGE_CONTENT

    emu.send_message_create(ids["channel"], "secret plans", author_id=USER_ID, embeds=[{"title": "x"}])
    blank = next_seen(client, "message")
    emu.send_message_create(ids["channel"], f"<@{emu.bot_user_id}> help", author_id=USER_ID)
    mentioned = next_seen(client, "message")

    assert blank["content"] == "" and blank["embeds"] == []
    assert mentioned["content"] == f"<@{emu.bot_user_id}> help"
    # Typing needs GUILD_MESSAGE_TYPING, which this client did not ask for: nothing is sent.
    typing = {"guild_id": ids["guild"], "channel_id": ids["channel"], "user_id": str(USER_ID), "timestamp": 0}
    assert emu.dispatch("TYPING_START", typing) == 0
    # Interactions need no intent.
    emu.send_interaction(slash_command(ids))
    assert next_seen(client, "interaction")["user_id"] == USER_ID


def test_members_intent_chunks_guilds_with_request_guild_members(
    emu: DiscordEmulator, run_client: Callable[..., ClientThread]
) -> None:
    ids = guild_with_member(emu)
    emu.add_member(ids["guild"], USER_ID + 1)
    # Without GUILD_PRESENCES, GUILD_CREATE carries only the bot's member and discord.py asks for the rest.
    client = start_ready(run_client, emu, "members").client

    guild = client.get_guild(int(ids["guild"]))
    request = next(e for e in emu.gateway_events if e.op == Op.REQUEST_GUILD_MEMBERS)
    assert request.d["guild_id"] == int(ids["guild"]) and request.d["query"] == "" and request.d["nonce"]
    assert guild.chunked and guild.member_count == len(guild.members) == 3
    assert [r.id for r in guild.get_member(USER_ID).roles if not r.is_default()] == [int(ids["role"])]


# ---------------------------------------------------------------- resuming and re-identifying


def test_dropped_connection_resumes_and_replays_what_was_missed(
    emu: DiscordEmulator, run_client: Callable[..., ClientThread]
) -> None:
    ids = guild_with_member(emu)
    runner = start_ready(run_client, emu, "guild_messages", "message_content")
    before = emu.wait_for_ready(WAIT)

    release = runner.hold()  # the client cannot notice the drop (and come back) yet
    assert emu.drop_gateway() == 1
    missed = emu.send_message_create(ids["channel"], "sent while you were away", author_id=USER_ID)
    assert not emu.gateway_sessions[0].connected
    release.set()

    after = emu.wait_for_ready(WAIT)
    next_seen(runner.client, "resumed")
    assert next_seen(runner.client, "message")["id"] == int(missed["id"])
    assert after.session_id == before.session_id
    assert after.resume_count == 1 and after.identify_count == 1
    assert after.last_seq == before.last_seq + 2  # the missed MESSAGE_CREATE, RESUMED
    resume = next(e for e in emu.gateway_events if e.op == Op.RESUME)
    assert resume.d["session_id"] == before.session_id and resume.d["seq"] == before.last_seq
    assert emu.gateway_closes[0].code == 1006 and emu.gateway_closes[0].by_server

    sent = emu.send_interaction(slash_command(ids))
    assert next_seen(runner.client, "interaction")["id"] == int(sent["id"])
    assert emu.interaction_responses(sent["id"])[0]["data"]["content"] == "pong"


def test_reconnect_op_makes_the_client_resume(emu: DiscordEmulator, run_client: Callable[..., ClientThread]) -> None:
    guild_with_member(emu)
    runner = start_ready(run_client, emu)

    assert emu.send_reconnect() == 1

    session = emu.wait_for_ready(WAIT)
    next_seen(runner.client, "resumed")
    assert session.resume_count == 1 and session.identify_count == 1
    client_close = [c for c in emu.gateway_closes if not c.by_server]
    assert [c.code for c in client_close] == [4000]  # discord.py closes resumably before reconnecting


def test_resumable_invalid_session_makes_the_client_resume(
    emu: DiscordEmulator, run_client: Callable[..., ClientThread]
) -> None:
    guild_with_member(emu)
    runner = start_ready(run_client, emu)

    assert emu.send_invalid_session(True) == 1

    session = emu.wait_for_ready(WAIT)
    next_seen(runner.client, "resumed")
    assert session.resume_count == 1 and session.identify_count == 1


def test_invalid_session_makes_the_client_identify_again(
    emu: DiscordEmulator, run_client: Callable[..., ClientThread]
) -> None:
    ids = guild_with_member(emu)
    runner = start_ready(run_client, emu)
    first = emu.wait_for_ready(WAIT)

    assert emu.send_invalid_session(False) == 1

    second = emu.wait_for_ready(WAIT)
    next_seen(runner.client, "ready")  # a new READY fires on_ready again
    assert second.identify_count == 2 and second.resume_count == 0
    assert second.session_id != first.session_id and second.last_seq == 2
    assert len(emu.gateway_sessions) == 1
    # The second IDENTIFY is not the initial one: discord.py's default before_identify_hook sleeps 5 s.
    assert runner.client.identifies == [(None, True), (None, False)]
    assert [c.code for c in emu.gateway_closes if not c.by_server] == [1000]
    assert [e.op for e in emu.gateway_events if e.op in (Op.IDENTIFY, Op.RESUME)] == [Op.IDENTIFY, Op.IDENTIFY]
    sent = emu.send_interaction(slash_command(ids))
    assert next_seen(runner.client, "interaction")["id"] == int(sent["id"])


def test_reset_forgets_sessions_so_a_running_client_identifies_again(
    emu: DiscordEmulator, run_client: Callable[..., ClientThread]
) -> None:
    guild_with_member(emu)
    runner = start_ready(run_client, emu)

    release = runner.hold()  # so that it comes back only once the new guild exists
    emu.reset()
    emu.add_guild(name="After reset")
    release.set()

    session = emu.wait_for_ready(WAIT)
    next_seen(runner.client, "ready")
    # It tried to resume the forgotten session, got INVALID_SESSION and identified.
    assert [e.op for e in emu.gateway_events if e.op in (Op.IDENTIFY, Op.RESUME)] == [Op.RESUME, Op.IDENTIFY]
    assert session.identify_count == 1
    assert [g.name for g in runner.client.guilds] == ["After reset"]


# ---------------------------------------------------------------- presence and heartbeats


def test_presence_set_at_identify_and_with_change_presence_is_recorded(
    emu: DiscordEmulator, run_client: Callable[..., ClientThread]
) -> None:
    guild_with_member(emu)
    client = make_client(activity=discord.Game("Raid night"), status=discord.Status.dnd)
    runner = run_client(client)
    emu.wait_for_ready(WAIT)
    next_seen(client, "ready")

    runner.call(client.change_presence(status=discord.Status.idle, activity=discord.Game("x")))

    deadline = time.monotonic() + WAIT
    while len(emu.presences) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    at_identify, changed = emu.presences
    assert at_identify.from_identify and at_identify.status == "dnd"
    assert [(a["name"], a["type"]) for a in at_identify.activities] == [("Raid night", 0)]
    assert not changed.from_identify and changed.shard == 0
    assert changed.status == "idle" and changed.since
    assert [(a["name"], a["type"]) for a in changed.activities] == [("x", 0)]


def test_heartbeats_are_acknowledged_and_can_be_requested(
    monkeypatch: pytest.MonkeyPatch, run_client: Callable[..., ClientThread]
) -> None:
    with DiscordEmulator(token=TOKEN, heartbeat_interval_ms=100) as emulator:
        point_discord_at(emulator, monkeypatch)
        emulator.add_guild(name="Guild")
        runner = run_client(make_client())
        client = runner.client
        emulator.wait_for_ready(WAIT)
        next_seen(client, "ready")

        time.sleep(0.35)
        beats = emulator.gateway_sessions[0].heartbeats
        assert beats >= 3  # one right after HELLO, then one every 100 ms
        assert emulator.request_heartbeat() == 1
        time.sleep(0.02)
        assert emulator.gateway_sessions[0].heartbeats > beats
        assert client.latency < 1  # the ACKs arrived: discord.py's latency is inf without them
        hello_interval = 0.1
        assert client.ws._keep_alive.interval == hello_interval
        runner.stop()  # before the emulator stops, or the client would keep trying to reconnect


HOUR_OF_BEATS = -(-3600_000 // DEFAULT_HEARTBEAT_INTERVAL_MS)  # heartbeats an hour takes at Discord's interval


def test_every_heartbeat_ack_answers_its_own_beat_over_a_simulated_hour(
    monkeypatch: pytest.MonkeyPatch, run_client: Callable[..., ClientThread]
) -> None:
    """An hour of heartbeats on an accelerated clock (80 ms for Discord's 41.25 s): discord.py
    measures each ACK against the heartbeat it answers. When ACKs came back in zero time they were
    measured against the previous beat, and discord.py logged "Can't keep up, websocket is 41.2s
    behind" with the real interval."""
    interval_ms = 80
    latencies: list[float] = []
    acknowledge = KeepAliveHandler.ack

    def recording_ack(handler: KeepAliveHandler) -> None:
        acknowledge(handler)
        latencies.append(handler.latency)

    monkeypatch.setattr(KeepAliveHandler, "ack", recording_ack)
    with DiscordEmulator(token=TOKEN, heartbeat_interval_ms=interval_ms) as emulator:
        point_discord_at(emulator, monkeypatch)
        emulator.add_guild(name="Guild")
        runner = run_client(make_client())
        emulator.wait_for_ready(WAIT)
        next_seen(runner.client, "ready")
        deadline = time.monotonic() + HOUR_OF_BEATS * interval_ms / 1000 * 4
        while len(latencies) < HOUR_OF_BEATS and time.monotonic() < deadline:
            time.sleep(interval_ms / 1000)
        runner.stop()
        session = emulator.gateway_sessions[0]

    assert len(latencies) >= HOUR_OF_BEATS
    late = [round(latency, 3) for latency in latencies if latency >= interval_ms / 1000]
    assert late == [], f"{len(late)} of {len(latencies)} ACKs measured against the previous heartbeat"
    assert session.identify_count == 1 and session.resume_count == 0


# ---------------------------------------------------------------- shards


def test_sharded_client_gets_its_shard_count_from_gateway_bot_and_each_shard_its_guilds(
    monkeypatch: pytest.MonkeyPatch, run_client: Callable[..., ClientThread]
) -> None:
    with DiscordEmulator(token=TOKEN, shards=2) as emulator:
        point_discord_at(emulator, monkeypatch)
        guild_a = emulator.add_guild(GUILD_ON_SHARD_0, name="Shard zero")["id"]
        guild_b = emulator.add_guild(GUILD_ON_SHARD_1, name="Shard one")["id"]
        emulator.add_channel(guild_b, name="general")
        emulator.add_member(guild_b, USER_ID)
        runner = run_client(make_client(sharded=True))
        client = runner.client

        emulator.wait_for_ready(WAIT, shard_id=0)
        emulator.wait_for_ready(WAIT, shard_id=1)
        next_seen(client, "ready")

        assert len(emulator.requests_to("GET", "/gateway/bot")) == 1
        assert sorted(s.shard for s in emulator.gateway_sessions) == [(0, 2), (1, 2)]
        assert client.shard_count == 2
        assert client.get_guild(int(guild_a)).shard_id == 0 and client.get_guild(int(guild_b)).shard_id == 1
        assert {g.name for g in client.guilds} == {"Shard zero", "Shard one"}
        # Each shard's READY listed only its own guild: one GUILD_CREATE each.
        assert all(s.last_seq == 2 for s in emulator.gateway_sessions)
        assert sorted(client.identifies) == [(0, True), (1, False)]

        sent = emulator.send_interaction(
            {"guild_id": guild_b, "member": {"user": {"id": str(USER_ID)}}, "data": {"name": "shift"}}
        )
        assert next_seen(client, "interaction")["guild_id"] == int(guild_b)
        by_shard = {s.shard_id: s.last_seq for s in emulator.gateway_sessions}
        assert by_shard == {0: 2, 1: 3}  # only the shard owning the guild got it
        assert emulator.interaction_responses(sent["id"])[0]["type"] == 4
        runner.stop()


# ---------------------------------------------------------------- the raw protocol


class RawGateway:
    """A bare websocket client of the emulator's gateway, for frame-level assertions."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.inflate = zlib.decompressobj() if compress == "zlib-stream" else None
        self.frames: list[aiohttp.WSMessage] = []

    async def receive(self) -> dict[str, Any] | int:
        """The next payload, or the close code when the server closed the connection."""
        message = await self.ws.receive(timeout=WAIT)
        self.frames.append(message)
        if message.type is aiohttp.WSMsgType.CLOSE:
            return message.data
        if message.type is aiohttp.WSMsgType.BINARY:
            assert self.inflate is not None and message.data.endswith(b"\x00\x00\xff\xff")
            return json.loads(self.inflate.decompress(message.data))
        assert message.type is aiohttp.WSMsgType.TEXT, message
        return json.loads(message.data)

    async def send(self, payload: Any) -> None:
        await self.ws.send_str(payload if isinstance(payload, str) else json.dumps(payload))

    def identify(self, **fields: Any) -> dict[str, Any]:
        return {"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}, **fields}}


def raw_session(emu: DiscordEmulator, scenario: Callable[[RawGateway], Any], query: str) -> Any:
    async def run() -> Any:
        async with aiohttp.ClientSession() as http, http.ws_connect(f"{emu.gateway_url}?{query}") as ws:
            raw = RawGateway(ws, "zlib-stream" if "zlib-stream" in query else None)
            hello = await raw.receive()
            assert hello["op"] == Op.HELLO and hello["d"]["heartbeat_interval"] == emu.heartbeat_interval_ms
            return await scenario(raw)

    return asyncio.run(run())


@pytest.mark.parametrize("compress", ["zlib-stream", None])
def test_frames_are_zlib_stream_binary_when_asked_and_text_otherwise(
    emu: DiscordEmulator, compress: str | None
) -> None:
    emu.add_guild(name="Guild")

    async def scenario(raw: RawGateway) -> list[dict[str, Any]]:
        await raw.send({"op": 1, "d": None})
        ack = await raw.receive()
        await raw.send(raw.identify(token=f"Bot {TOKEN}"))
        return [ack, await raw.receive(), await raw.receive(), raw.frames]

    query = "v=10&encoding=json" + (f"&compress={compress}" if compress else "")
    ack, ready, guild_create, frames = raw_session(emu, scenario, query)

    assert ack == {"op": 11, "d": None, "s": None, "t": None}
    assert (ready["t"], ready["s"], guild_create["t"], guild_create["s"]) == ("READY", 1, "GUILD_CREATE", 2)
    expected = aiohttp.WSMsgType.BINARY if compress else aiohttp.WSMsgType.TEXT
    assert {frame.type for frame in frames} == {expected}
    assert emu.gateway_sessions[0].compress == compress


def test_discord_py_asks_for_the_compression_the_emulator_serves(
    emu: DiscordEmulator, run_client: Callable[..., ClientThread]
) -> None:
    start_ready(run_client, emu)
    # zlib-stream with this venv; zstd-stream if zstandard is installed. Either way READY was decoded.
    assert emu.gateway_sessions[0].compress == discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE


def test_zstd_stream_is_served_when_a_zstd_module_is_importable(emu: DiscordEmulator) -> None:
    zstandard = pytest.importorskip("zstandard")

    async def run() -> Any:
        async with aiohttp.ClientSession() as http, http.ws_connect(f"{emu.gateway_url}?compress=zstd-stream") as ws:
            message = await ws.receive(timeout=WAIT)
            assert message.type is aiohttp.WSMsgType.BINARY
            return json.loads(zstandard.ZstdDecompressor().decompressobj().decompress(message.data))

    assert asyncio.run(run())["op"] == Op.HELLO


@pytest.mark.parametrize(
    ("payloads", "code"),
    [
        ([{"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}}], CloseCode.AUTHENTICATION_FAILED),
        ([{"op": 2, "d": {"token": TOKEN, "intents": 1, "shard": [2, 2]}}], CloseCode.INVALID_SHARD),
        ([{"op": 2, "d": {"token": TOKEN, "intents": 1 << 30}}], CloseCode.INVALID_INTENTS),
        ([{"op": 3, "d": {"status": "idle", "activities": [], "since": 0, "afk": False}}], CloseCode.NOT_AUTHENTICATED),
        ([{"op": 99, "d": None}], CloseCode.UNKNOWN_OPCODE),
        (["this is not json"], CloseCode.DECODE_ERROR),
        (
            [{"op": 2, "d": {"token": TOKEN, "intents": 1}}, {"op": 2, "d": {"token": TOKEN, "intents": 1}}],
            CloseCode.ALREADY_AUTHENTICATED,
        ),
    ],
)
def test_protocol_errors_close_with_discords_codes(emu: DiscordEmulator, payloads: list[Any], code: int) -> None:
    async def scenario(raw: RawGateway) -> int:
        for payload in payloads:
            await raw.send(payload)
        while True:
            received = await raw.receive()
            if isinstance(received, int):
                return received

    assert raw_session(emu, scenario, "v=10&encoding=json") == code
    assert emu.gateway_closes[-1].code == code


def test_resume_of_an_unknown_session_gets_invalid_session(emu: DiscordEmulator) -> None:
    async def scenario(raw: RawGateway) -> dict[str, Any]:
        await raw.send({"op": 6, "d": {"token": TOKEN, "session_id": "nope", "seq": 3}})
        return await raw.receive()

    assert raw_session(emu, scenario, "v=10&encoding=json") == {"op": 9, "d": False, "s": None, "t": None}


def test_unsupported_version_is_refused(emu: DiscordEmulator) -> None:
    async def run() -> Any:
        async with aiohttp.ClientSession() as http, http.ws_connect(f"{emu.gateway_url}?v=6&encoding=json") as ws:
            return (await ws.receive(timeout=WAIT)).data

    assert asyncio.run(run()) == CloseCode.INVALID_API_VERSION


def test_intent_bits_match_discord_py(emu: DiscordEmulator) -> None:
    assert sum(Intent) == discord.Intents.all().value
