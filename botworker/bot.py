"""The gateway bot: one discord.py client that answers interactions through the router, answers
the prefix commands, and runs the outbox deliverer in its own event loop.

Interactions take the same path as over the HTTP endpoint: the raw INTERACTION_CREATE payload
goes to :func:`botworker.interactions.handle_interaction` and the returned body is posted to the
interaction callback. Buttons are routed by custom_id, never by views held in memory, so every
button keeps working across restarts.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

import discord
import yarl
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections

from botworker.guilds import guild_config_for
from botworker.interactions import InvalidInteraction, handle_interaction
from botworker.interactions.registration import describe_changes, sync_commands
from botworker.models import PermissionLevel
from botworker.outbox import OutboxDeliverer
from botworker.permissions import resolve_level
from config.logging import log_context

logger = logging.getLogger("guildhall.bot")

PREFIX_PING = "!ping"
PREFIX_SYNC = "!sync"
SYNC_REFUSED = "Only Guildhall admins can sync the commands."
SYNC_NEEDS_GUILD = "`!sync` works in a server, not in direct messages."

ACTIVITY_TYPES = {
    "playing": discord.ActivityType.playing,
    "streaming": discord.ActivityType.streaming,
    "listening": discord.ActivityType.listening,
    "watching": discord.ActivityType.watching,
    "competing": discord.ActivityType.competing,
}


def intents() -> discord.Intents:
    """The least the bot needs: guilds (roles and channels, for permissions); guild messages with
    message content only for the prefix commands, which DISCORD_MESSAGE_CONTENT=false turns off."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    if settings.DISCORD_MESSAGE_CONTENT:
        wanted.guild_messages = True
        wanted.message_content = True
    return wanted


def configure_gateway() -> None:
    """Point discord.py at DISCORD_GATEWAY_URL when set (tests and the local emulator only)."""
    if settings.DISCORD_GATEWAY_URL:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.DISCORD_GATEWAY_URL)


def _handle_interaction_sync(payload: dict) -> dict | None:
    # One unit of work in the sync thread, like a request: drop a connection that broke or aged.
    close_old_connections()
    try:
        return handle_interaction(payload)
    except InvalidInteraction as exc:
        logger.warning("ignored an interaction that is not valid: %s", exc)
        return None


def _level_for_message(message: discord.Message) -> PermissionLevel:
    config = guild_config_for(message.guild.id)
    author = message.author
    roles = [role.id for role in getattr(author, "roles", [])]
    permissions = author.guild_permissions.value if isinstance(author, discord.Member) else 0
    return resolve_level(config=config, role_ids=roles, permissions=permissions)


class GuildhallBot:
    """Owns the discord.py client, the deliverer and their shutdown."""

    def __init__(self, *, token: str, shard_count: int | None = None, sharded: bool = False) -> None:
        self.token = token
        client_class = discord.AutoShardedClient if sharded or shard_count else discord.Client
        options: dict[str, Any] = {"intents": intents()}
        if client_class is discord.AutoShardedClient and shard_count:
            options["shard_count"] = shard_count
        self.client = client_class(**options)
        self.stop_event = asyncio.Event()
        self.deliverer: OutboxDeliverer | None = None
        self.deliverer_task: asyncio.Task | None = None
        self._interaction_tasks: set[asyncio.Task] = set()
        self._install()

    # --- wiring -------------------------------------------------------------------------------

    def _install(self) -> None:
        client = self.client
        # Take INTERACTION_CREATE raw, before discord.py builds objects from it: the router wants
        # exactly the payload the HTTP endpoint gets.
        client._connection.parsers["INTERACTION_CREATE"] = self._on_raw_interaction
        client.setup_hook = self._setup_hook
        for name in ("on_ready", "on_resumed", "on_disconnect", "on_connect", "on_message"):
            setattr(client, name, getattr(self, name))
        if isinstance(client, discord.AutoShardedClient):
            for name in ("on_shard_connect", "on_shard_ready", "on_shard_resumed", "on_shard_disconnect"):
                setattr(client, name, getattr(self, name))

    async def _setup_hook(self) -> None:
        self.deliverer = OutboxDeliverer(self.client.http, presence_setter=self.set_presence)
        self.deliverer_task = asyncio.create_task(self.deliverer.run(self.stop_event), name="outbox-deliverer")
        logger.info("outbox deliverer %s started in the bot process", self.deliverer.worker_id)

    # --- interactions -------------------------------------------------------------------------

    def _on_raw_interaction(self, data: dict) -> None:
        task = asyncio.get_running_loop().create_task(self._answer(data))
        self._interaction_tasks.add(task)
        task.add_done_callback(self._interaction_tasks.discard)

    async def _answer(self, data: dict) -> None:
        with log_context(interaction=data.get("id"), guild=data.get("guild_id")):
            body = await sync_to_async(_handle_interaction_sync)(data)
            if body is None:
                return
            route = discord.http.Route(
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
                interaction_id=data["id"],
                interaction_token=data["token"],
            )
            try:
                await self.client.http.request(route, json=body)
            except discord.HTTPException as exc:
                # 40060 "already acknowledged": the HTTP endpoint answered this interaction first.
                logger.warning("interaction callback refused: %s %s", exc.status, exc.text)

    # --- prefix commands ----------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        command = message.content.strip().split(maxsplit=1)[0].lower() if message.content.strip() else ""
        if command == PREFIX_PING:
            latency = self.client.latency
            shown = f"{latency * 1000:.0f} ms" if latency == latency and latency != float("inf") else "unknown"
            await message.reply(f"Pong! Gateway latency {shown}.", mention_author=False)
        elif command == PREFIX_SYNC:
            await self._prefix_sync(message)

    async def _prefix_sync(self, message: discord.Message) -> None:
        if message.guild is None:
            await message.reply(SYNC_NEEDS_GUILD, mention_author=False)
            return
        level = await sync_to_async(_level_for_message)(message)
        if level < PermissionLevel.ADMIN:
            await message.reply(SYNC_REFUSED, mention_author=False)
            return
        application_id = str(self.client.application_id or settings.DISCORD_APPLICATION_ID)
        changes = await sync_commands(self.client.http, application_id=application_id, guild_id=message.guild.id)
        await message.reply(describe_changes(changes, scope="this server"), mention_author=False)

    # --- presence (outbox set_presence rows) --------------------------------------------------

    async def set_presence(self, payload: dict) -> None:
        activity = None
        text = payload.get("activity_text")
        kind = payload.get("activity_type")
        if text and kind == "custom":
            activity = discord.CustomActivity(name=text)
        elif text and kind in ACTIVITY_TYPES:
            activity = discord.Activity(type=ACTIVITY_TYPES[kind], name=text)
        await self.client.change_presence(status=discord.Status(payload["status"]), activity=activity)

    # --- connection state, logged ------------------------------------------------------------

    async def on_connect(self) -> None:
        logger.info("connected to the gateway")

    async def on_ready(self) -> None:
        user = self.client.user
        logger.info("ready as %s (%s) in %d guilds", user, user.id if user else "?", len(self.client.guilds))

    async def on_resumed(self) -> None:
        logger.info("gateway session resumed")

    async def on_disconnect(self) -> None:
        logger.info("disconnected from the gateway; discord.py reconnects")

    async def on_shard_connect(self, shard_id: int) -> None:
        logger.info("shard %s connected", shard_id)

    async def on_shard_ready(self, shard_id: int) -> None:
        logger.info("shard %s ready", shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        logger.info("shard %s resumed", shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        logger.info("shard %s disconnected", shard_id)

    # --- running and stopping -----------------------------------------------------------------

    async def run(self) -> None:
        """Connect and run until SIGTERM/SIGINT, then stop cleanly: no new deliveries, the one in
        flight finishes (unstarted claimed rows are released), interactions being answered
        finish, the gateway connection closes. Raises discord.LoginFailure for a bad token."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._request_stop, signum)
        client_task = asyncio.create_task(self.client.start(self.token), name="discord-client")
        stop_task = asyncio.create_task(self.stop_event.wait(), name="stop-signal")
        try:
            done, _ = await asyncio.wait({client_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
            if client_task in done:
                client_task.result()  # a login failure or a fatal gateway error surfaces here
        finally:
            self.stop_event.set()
            stop_task.cancel()
            await self._shutdown(client_task)
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)

    def _request_stop(self, signum: int) -> None:
        logger.info("%s received: stopping", signal.Signals(signum).name)
        self.stop_event.set()

    async def _shutdown(self, client_task: asyncio.Task) -> None:
        if self.deliverer_task is not None:
            await self.deliverer_task
        if self._interaction_tasks:
            await asyncio.gather(*self._interaction_tasks, return_exceptions=True)
        if not self.client.is_closed():
            await self.client.close()
        if not client_task.done():
            await client_task
        await sync_to_async(connections.close_all)()
        logger.info("bot stopped")


async def recommended_shards(token: str) -> int:
    """How many shards Discord recommends for this bot (GET /gateway/bot)."""
    from botworker.discord_api import discord_http_client

    async with discord_http_client(token) as http:
        shards, _url, _limits = await http.get_bot_gateway()
    return int(shards)
