"""The gateway bot: a discord.py client that answers interactions through the router, answers
the prefix commands, hands message events to the announcement watcher, and runs the outbox
deliverer in its own event loop.

Interactions take the same path as over the HTTP endpoint: the raw INTERACTION_CREATE payload
(see :mod:`botworker.gateway.state`) goes to :func:`botworker.interactions.handle_interaction` and
the returned body is posted to the interaction callback. Buttons are routed by custom_id, never by
views held in memory, so every button keeps working across restarts.

:class:`GuildhallClient` is a ``discord.Client``; :class:`ShardedGuildhallClient` the same bot on
``discord.AutoShardedClient``, for bots Discord wants sharded.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import discord
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections

from botworker.directory import apply_gateway_event
from botworker.gateway.prefix import answer_prefix_command
from botworker.gateway.state import GuildhallConnectionState, ShardedGuildhallConnectionState
from botworker.gateway.tickets import record_ticket_message, record_ticket_message_edit
from botworker.interactions import InvalidInteraction, handle_interaction
from botworker.interactions.webhooks import post_callback
from botworker.outbox import OutboxDeliverer
from botworker.shared_limits import shared_limits_from_settings
from botworker.watcher import WATCHED_EVENTS, handle_message_event_safely, mentioned_channels
from config.logging import log_context

logger = logging.getLogger("guildhall.bot")

ACTIVITY_TYPES = {
    "playing": discord.ActivityType.playing,
    "streaming": discord.ActivityType.streaming,
    "listening": discord.ActivityType.listening,
    "watching": discord.ActivityType.watching,
    "competing": discord.ActivityType.competing,
}


def intents() -> discord.Intents:
    """The least the bot needs: guilds (roles and channels, for permissions and the directory);
    guild messages with message content for the prefix commands and the announcement watcher, which
    DISCORD_MESSAGE_CONTENT=false turns off (see docs/discord.md); guild members (privileged) only
    when DISCORD_MEMBERS_INTENT=true, to keep the directory's member names current between interactions."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    if settings.DISCORD_MESSAGE_CONTENT:
        wanted.guild_messages = True
        wanted.message_content = True
    if settings.DISCORD_MEMBERS_INTENT:
        wanted.members = True
    return wanted


def _apply_directory_event_sync(event: str, data: dict) -> None:
    close_old_connections()
    apply_gateway_event(event, data)


def _handle_interaction_sync(payload: dict) -> dict | None:
    # One unit of work in the sync thread, like a request: drop a connection that broke or aged.
    close_old_connections()
    try:
        return handle_interaction(payload)
    except InvalidInteraction as exc:
        logger.warning("ignored an interaction that is not valid: %s", exc)
        return None


class GuildhallBot:
    """What both client classes add to discord.py's: raw interactions, prefix commands, the
    outbox deliverer, the presence, connection logging, and running until SIGTERM/SIGINT."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Set before discord.py's __init__, which creates the connection state (see _get_state).
        self.stop_event = asyncio.Event()
        self.deliverer: OutboxDeliverer | None = None
        self.deliverer_task: asyncio.Task | None = None
        self._interaction_tasks: set[asyncio.Task] = set()
        # Directory events are written in order by one thread of their own, so a large guild's
        # snapshot never holds up the thread that answers interactions.
        self._directory_events: asyncio.Queue[tuple[str, dict] | None] = asyncio.Queue()
        self._directory_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="directory")
        self.directory_task: asyncio.Task | None = None
        self._message_tasks: set[asyncio.Task] = set()
        # The bot's requests (its outbox deliverer's among them) share the rate limits with the
        # stand-alone deliverers (botworker.shared_limits).
        token = settings.DISCORD_TOKEN
        self.shared_limits = shared_limits_from_settings(token) if token else None
        if self.shared_limits is not None:
            kwargs.setdefault("http_trace", self.shared_limits.trace_config())
        super().__init__(*args, intents=intents(), **kwargs)

    async def close(self) -> None:
        await super().close()
        shared_limits, self.shared_limits = self.shared_limits, None
        if shared_limits is not None:
            await shared_limits.close()

    def _state_options(self, **options: Any) -> dict[str, Any]:
        return {
            "dispatch": self.dispatch,
            "handlers": self._handlers,
            "hooks": self._hooks,
            "http": self.http,
            "raw_interaction_handler": self.handle_raw_interaction,
            "directory_handler": self.handle_directory_event,
            "raw_message_handler": self.handle_raw_message,
            **options,
        }

    async def setup_hook(self) -> None:
        self.deliverer = OutboxDeliverer(self.http, presence_setter=self.set_presence)
        self.deliverer_task = asyncio.create_task(self.deliverer.run(self.stop_event), name="outbox-deliverer")
        logger.info("outbox deliverer %s started in the bot process", self.deliverer.worker_id)
        self.directory_task = asyncio.create_task(self._record_directory(), name="directory")

    # --- the Discord directory ----------------------------------------------------------------

    def handle_directory_event(self, event: str, data: dict) -> None:
        """Called by the connection state, in the event loop, before discord.py parses the event:
        queue a copy (discord.py may change the payload it parses)."""
        self._directory_events.put_nowait((event, copy.deepcopy(data)))

    async def _record_directory(self) -> None:
        loop = asyncio.get_running_loop()
        while (item := await self._directory_events.get()) is not None:
            try:
                await loop.run_in_executor(self._directory_executor, _apply_directory_event_sync, *item)
            except Exception:  # the directory is a convenience: the bot goes on without this event
                logger.exception("could not record %s in the directory", item[0])
        await loop.run_in_executor(self._directory_executor, connections.close_all)

    # --- interactions -------------------------------------------------------------------------

    def handle_raw_interaction(self, data: dict) -> None:
        """Called by the connection state for each INTERACTION_CREATE, in the event loop."""
        task = asyncio.get_running_loop().create_task(self._answer(data))
        self._interaction_tasks.add(task)
        task.add_done_callback(self._interaction_tasks.discard)

    async def _answer(self, data: dict) -> None:
        with log_context(interaction=data.get("id"), guild=data.get("guild_id")):
            body = await sync_to_async(_handle_interaction_sync)(data)
            if body is None:
                return
            # The client's own HTTP session, reached the documented way (Webhook.partial with client=).
            session = discord.Webhook.partial(self.application_id or 0, data["token"], client=self).session
            try:
                await post_callback(session, interaction_id=data["id"], token=data["token"], body=body)
            except discord.HTTPException as exc:
                # 40060 "already acknowledged": the HTTP endpoint answered this interaction first.
                logger.warning("interaction callback refused: %s %s", exc.status, exc.text)

    # --- the announcement watcher ------------------------------------------------------------

    def handle_raw_message(self, event: str, data: dict) -> None:
        """Called by the connection state for each guild message event, in the event loop: the
        watcher reads it in the sync thread (one event at a time, in arrival order), never here."""
        if event not in WATCHED_EVENTS or not data.get("guild_id"):
            return
        data = copy.deepcopy(data)  # discord.py goes on parsing (and may change) its own copy
        names = {}
        for channel_id in mentioned_channels(data):
            channel = self.get_channel(channel_id)
            if channel is not None and getattr(channel, "name", None):
                names[channel_id] = channel.name
        bot_user_id = self.user.id if self.user else None
        task = asyncio.get_running_loop().create_task(
            sync_to_async(handle_message_event_safely)(event, data, bot_user_id=bot_user_id, channel_names=names)
        )
        self._message_tasks.add(task)
        task.add_done_callback(self._message_tasks.discard)

    # --- prefix commands and presence ---------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        await record_ticket_message(message)  # never raises
        await answer_prefix_command(self, message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await record_ticket_message_edit(payload)

    async def set_presence(self, payload: dict) -> None:
        """Perform an outbox ``set_presence`` row."""
        activity = None
        text = payload.get("activity_text")
        kind = payload.get("activity_type")
        if text and kind == "custom":
            activity = discord.CustomActivity(name=text)
        elif text and kind in ACTIVITY_TYPES:
            activity = discord.Activity(type=ACTIVITY_TYPES[kind], name=text)
        await self.change_presence(status=discord.Status(payload["status"]), activity=activity)

    # --- connection state, logged ------------------------------------------------------------

    async def on_connect(self) -> None:
        logger.info("connected to the gateway")

    async def on_ready(self) -> None:
        user = self.user
        logger.info("ready as %s (%s) in %d guilds", user, user.id if user else "?", len(self.guilds))

    async def on_resumed(self) -> None:
        logger.info("gateway session resumed")

    async def on_disconnect(self) -> None:
        logger.info("disconnected from the gateway; discord.py reconnects")

    # --- running and stopping -----------------------------------------------------------------

    async def serve(self, token: str) -> None:
        """Connect and run until SIGTERM/SIGINT, then stop cleanly: no new deliveries, the one in
        flight finishes (unstarted claimed rows are released), interactions being answered
        finish, the gateway connection closes. Raises discord.LoginFailure for a bad token."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._request_stop, signum)
        client_task = asyncio.create_task(self.start(token), name="discord-client")
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
        if self._interaction_tasks or self._message_tasks:
            await asyncio.gather(*self._interaction_tasks, *self._message_tasks, return_exceptions=True)
        if self.directory_task is not None:
            # What was received is written before the bot stops.
            self._directory_events.put_nowait(None)
            await self.directory_task
        self._directory_executor.shutdown(wait=True)
        if not self.is_closed():
            await self.close()
        if not client_task.done():
            await client_task
        await sync_to_async(connections.close_all)()
        logger.info("bot stopped")


class GuildhallClient(GuildhallBot, discord.Client):
    """The gateway bot on one connection."""

    def _get_state(self, **options: Any) -> GuildhallConnectionState:
        return GuildhallConnectionState(**self._state_options(**options))


class ShardedGuildhallClient(GuildhallBot, discord.AutoShardedClient):
    """The gateway bot on as many shards as Discord recommends (or ``shard_count``)."""

    def _get_state(self, **options: Any) -> ShardedGuildhallConnectionState:
        return ShardedGuildhallConnectionState(**self._state_options(**options))

    async def on_shard_connect(self, shard_id: int) -> None:
        logger.info("shard %s connected", shard_id)

    async def on_shard_ready(self, shard_id: int) -> None:
        logger.info("shard %s ready", shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        logger.info("shard %s resumed", shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        logger.info("shard %s disconnected", shard_id)


def make_client(*, shard_count: int | None = None, sharded: bool = False) -> GuildhallBot:
    """The bot's client: sharded when asked to or given a shard count, else one connection."""
    if sharded or shard_count:
        return ShardedGuildhallClient(shard_count=shard_count) if shard_count else ShardedGuildhallClient()
    return GuildhallClient()
