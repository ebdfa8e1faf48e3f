"""The emulator itself: :class:`DiscordEmulator`, an in-process stand-in for the part of Discord's
REST API (v10) and gateway that Guildhall uses, and the API tests drive it with.

Discord cannot be reached from the test machines, so tests start a :class:`DiscordEmulator`
(an aiohttp application served on ``127.0.0.1`` from a background thread with its own event
loop) and point the *real* discord.py HTTP client, and its gateway client, at it::

    with DiscordEmulator() as emu:
        discord.http.Route.BASE = emu.api_base   # restore both afterwards
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)
        ...

Tests then set the state up (``add_guild``, ``add_channel``, ``add_member`` ...), read it back
(``messages``, ``member_roles``, ``requests_to`` ...), drive the gateway (``send_interaction``,
``dispatch``, ``wait_for_ready`` ...) and inject faults (``fail_next`` on the REST side;
``drop_gateway``, ``send_reconnect``, ``close_gateway`` ... on the gateway) and turn Discord's
rate limits on (``rate_limits=RateLimits()``; off by default, see
:mod:`botworker.emulator.rate_limits`). Every method is
thread-safe (one lock shared with the request handlers) and returns deep copies, so mutating a
returned dict never changes the emulator. What each half does is described in
:mod:`botworker.emulator.rest` and :mod:`botworker.emulator.gateway`.
"""

from __future__ import annotations

import asyncio
import copy
import re
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from aiohttp import web

from botworker.emulator import message_model
from botworker.emulator.faults import FaultQueue
from botworker.emulator.gateway import (
    DEFAULT_HEARTBEAT_ACK_DELAY_MS,
    DEFAULT_HEARTBEAT_INTERVAL_MS,
    GatewayClose,
    GatewayEmulator,
    GatewayEvent,
    GatewaySession,
    PresenceUpdate,
)
from botworker.emulator.rate_limits import RateLimiter, RateLimits
from botworker.emulator.rest import interactions
from botworker.emulator.rest.plumbing import Request
from botworker.emulator.rest.router import API_PREFIX, RecordedRequest, RestRouter
from botworker.emulator.snowflakes import sid
from botworker.emulator.state import State

__all__ = ["DiscordEmulator"]


class _OnState:
    """An emulator setting that lives on its state (read and written there: one place for both)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, emu: DiscordEmulator | None, owner: type | None = None) -> Any:
        return self if emu is None else getattr(emu.state, self.name)

    def __set__(self, emu: DiscordEmulator, value: Any) -> None:
        setattr(emu.state, self.name, value)


class DiscordEmulator:
    """A fake Discord REST API (v10) and gateway served over HTTP on 127.0.0.1 from a background thread.

    All state helpers and inspection methods are thread-safe (one lock shared with the request
    handlers) and return deep copies, so mutating a returned dict never changes the emulator.
    """

    application_id = _OnState()
    bot_user_id = _OnState()
    bot_username = _OnState()
    auto_create_members = _OnState()

    def __init__(
        self,
        token: str = "test-token",
        application_id: int | str = 1_150_000_000_000_000_001,
        bot_user_id: int | str | None = None,
        *,
        bot_username: str = "Guildhall",
        auto_create_members: bool = False,
        shards: int = 1,
        heartbeat_interval_ms: int = DEFAULT_HEARTBEAT_INTERVAL_MS,
        heartbeat_ack_delay_ms: int = DEFAULT_HEARTBEAT_ACK_DELAY_MS,
        port: int = 0,
        control: bool = False,
        rate_limits: RateLimits | None = None,
    ) -> None:
        if shards < 1:
            raise ValueError("shards must be at least 1")
        self.token = token
        self.shards = shards  # what GET /gateway/bot recommends; clients may still pick their own count
        self.heartbeat_interval_ms = heartbeat_interval_ms
        # The simulated round trip before a HEARTBEAT_ACK (see DEFAULT_HEARTBEAT_ACK_DELAY_MS).
        self.heartbeat_ack_delay_ms = heartbeat_ack_delay_ms
        self.requested_port = port  # 0: any free port
        self.control = control  # serve the /_emulator/ control API (for running it by hand)
        self._lock = threading.RLock()
        self._lifecycle = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self.state = State(
            application_id=str(application_id),
            bot_user_id=str(bot_user_id if bot_user_id is not None else application_id),
            bot_username=bot_username,
            auto_create_members=auto_create_members,
            server_url=lambda: self.url,
        )
        self._faults = FaultQueue()
        self._rest = RestRouter(self, self._lock, self._faults)
        self.set_rate_limits(rate_limits)
        self._gateway = GatewayEmulator(self, self._lock)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> DiscordEmulator:
        """Serve on 127.0.0.1 (a free port unless `port` was given) from a background thread (no-op
        when running)."""
        with self._lifecycle:
            if self._thread is not None:
                return self
            loop = asyncio.new_event_loop()
            ready = threading.Event()
            failure: list[BaseException] = []

            def serve() -> None:
                asyncio.set_event_loop(loop)
                try:
                    loop.run_until_complete(self._start_server())
                except BaseException as exc:  # surfaced to the caller of start()
                    failure.append(exc)
                    ready.set()
                    loop.close()
                    return
                ready.set()
                loop.run_forever()
                loop.close()

            thread = threading.Thread(target=serve, name="discord-emulator", daemon=True)
            thread.start()
            ready.wait()
            if failure:
                thread.join()
                raise RuntimeError("the Discord emulator could not start") from failure[0]
            self._loop, self._thread = loop, thread
            return self

    def stop(self) -> None:
        """Stop serving and join the background thread (no-op when not running)."""
        with self._lifecycle:
            if self._thread is None or self._loop is None:
                return
            loop, thread, runner = self._loop, self._thread, self._runner
            if runner is not None:
                asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            self._loop = self._thread = self._runner = None
            self._port = None

    async def _start_server(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        self._gateway.mount(app)  # before the catch-all route
        if self.control:
            from botworker.emulator.control import mount_control

            mount_control(app, self)
        app.router.add_route("*", "/{tail:.*}", self._rest.handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.requested_port)
        await site.start()
        self._runner = runner
        self._port = runner.addresses[0][1]

    def __enter__(self) -> DiscordEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (only while started)."""
        if self._port is None:
            raise RuntimeError("the Discord emulator is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        """The value to assign to ``discord.http.Route.BASE``."""
        return self.url + API_PREFIX

    @property
    def bot_user(self) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self.state.users[self.bot_user_id])

    def reset(self) -> None:
        """Forget all state, recorded requests and queued failures, drop every gateway connection
        and forget the gateway sessions (the server keeps running)."""
        with self._lock:
            self.state.clear()
            self._rest.clear()
            self._faults.clear()
        # Outside the lock: the gateway waits for its loop, whose handlers take the lock.
        self._gateway.reset()

    # ------------------------------------------------------------------ set-up helpers

    def add_user(self, user_id: int | str | None = None, username: str | None = None, *, bot: bool = False) -> dict:
        """Create (or rename) a user; unknown users otherwise appear as ``user<id>``."""
        with self._lock:
            return copy.deepcopy(self.state.add_user(sid(user_id), username, bot=bot))

    def set_dms_closed(self, user_id: int | str, closed: bool = True) -> None:
        """Make messages to this user's DM channel fail with 403 code 50007, as Discord does."""
        with self._lock:
            (self.state.closed_dms.add if closed else self.state.closed_dms.discard)(str(user_id))

    def add_guild(self, guild_id: int | str | None = None, name: str = "Guild") -> dict:
        """Create a guild with its @everyone role (role id == guild id)."""
        with self._lock:
            gid = sid(guild_id) or self.state.new_id()
            self.state.ensure_guild(gid)["name"] = name
            return copy.deepcopy(self.state.guild_view(gid))

    def add_channel(
        self,
        guild_id: int | str | None = None,
        name: str = "general",
        type: int = 0,
        channel_id: int | str | None = None,
        **fields: Any,
    ) -> dict:
        """Create a channel (``guild_id`` None: not a guild channel); unknown guilds are created.

        Extra keyword arguments (``topic``, ``parent_id``, ``permission_overwrites`` ...) are
        stored on the channel as Discord would return them.
        """
        with self._lock:
            gid = sid(guild_id)
            if gid is not None:
                self.state.ensure_guild(gid)
            fields = copy.deepcopy({**fields, "name": name, "type": type})
            return copy.deepcopy(self.state.make_channel(gid, fields, sid(channel_id)))

    def add_role(
        self, guild_id: int | str, name: str, *, permissions: int = 0, role_id: int | str | None = None
    ) -> dict:
        """Create a role in a guild (created if unknown)."""
        with self._lock:
            return copy.deepcopy(self.state.add_role(str(guild_id), name, permissions, sid(role_id)))

    def add_member(self, guild_id: int | str, user_id: int | str, roles: Iterable[int | str] = ()) -> dict:
        """Make a user a member of a guild (both created if unknown) with the given role ids."""
        with self._lock:
            record = self.state.add_member(str(guild_id), str(user_id), [str(r) for r in roles])
            return copy.deepcopy(self.state.member_payload(record))

    def add_message(
        self,
        channel_id: int | str,
        content: str = "",
        author_id: int | str | None = None,
        created_at: datetime | None = None,
        pinned: bool = False,
        **fields: Any,
    ) -> dict:
        """Put a message in a channel's history (default author: the bot user).

        Its id is a snowflake whose timestamp is ``created_at`` (aware; default now). Extra
        keyword arguments (``embeds``, ``components``, ``flags`` ...) are stored on the message.
        """
        if created_at is not None and created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        with self._lock:
            message = message_model.add_message(
                self.state, str(channel_id), content, sid(author_id), created_at, pinned, fields
            )
            return copy.deepcopy(message)

    def add_interaction(
        self,
        interaction_id: int | str | None = None,
        token: str | None = None,
        *,
        type: int = 2,
        channel_id: int | str | None = None,
        guild_id: int | str | None = None,
        message_id: int | str | None = None,
    ) -> dict:
        """Register an interaction (as if Discord had sent it to the bot) and describe it.

        ``channel_id``: where responses go; ``message_id``: the message a component was on
        (needed for callback type 7 to update it). Returns id, token, application_id, type ...
        """
        with self._lock:
            interaction = self.state.add_interaction(
                sid(interaction_id),
                token,
                type=type,
                channel_id=sid(channel_id),
                guild_id=sid(guild_id),
                message_id=sid(message_id),
            )
            return interaction.describe(self.application_id)

    def answer_over_http(self, interaction_id: int | str, token: str, body: dict) -> None:
        """Take `body` as the interaction's answer given in the HTTP response of an interactions
        endpoint (Discord applies it as it applies a callback POST; nothing is recorded as a
        request, since none was made)."""
        request = Request("POST", f"/interactions/{interaction_id}/{token}/callback", {}, copy.deepcopy(body), [])
        with self._lock:
            interactions.callback(self, request, str(interaction_id), token)

    # ------------------------------------------------------------------ inspection

    def messages(self, channel_id: int | str) -> list[dict]:
        """The channel's messages, oldest first (deleted ones are gone)."""
        with self._lock:
            return copy.deepcopy(self.state.sorted_messages(str(channel_id)))

    def get_message(self, channel_id: int | str, message_id: int | str) -> dict | None:
        with self._lock:
            return copy.deepcopy(self.state.messages.get(str(channel_id), {}).get(str(message_id)))

    def member_roles(self, guild_id: int | str, user_id: int | str) -> set[str]:
        """Role ids of a member (without @everyone); empty when not a member."""
        with self._lock:
            record = self.state.members.get(str(guild_id), {}).get(str(user_id))
            return set(record["roles"]) if record else set()

    def dm_channel_for(self, user_id: int | str) -> dict | None:
        with self._lock:
            channel_id = self.state.dm_channels.get(str(user_id))
            return copy.deepcopy(self.state.channels[channel_id]) if channel_id else None

    def channels(self, guild_id: int | str | None) -> list[dict]:
        """Channels of a guild ordered by position (``None``: channels outside guilds, DMs included)."""
        with self._lock:
            return copy.deepcopy(self.state.channels_of(sid(guild_id)))

    def commands(self, guild_id: int | str | None = None) -> list[dict]:
        """The application commands as last bulk-overwritten (global when ``guild_id`` is None)."""
        with self._lock:
            return copy.deepcopy(self.state.commands.get(sid(guild_id), []))

    def interaction_responses(self, interaction_id: int | str) -> list[dict]:
        """Every callback body received for the interaction (rejected ones included)."""
        with self._lock:
            interaction = self.state.interactions.get(str(interaction_id))
            return copy.deepcopy(interaction.responses) if interaction else []

    def original_response(self, application_id: int | str | None, token: str) -> dict | None:
        """The current ``@original`` message of an interaction token (None if none/deleted)."""
        with self._lock:
            if application_id is not None and str(application_id) != self.application_id:
                return None
            interaction = self.state.tokens.get(token)
            if interaction is None or interaction.original_id is None:
                return None
            return copy.deepcopy(interaction.messages.get(interaction.original_id))

    def followups(self, token: str) -> list[dict]:
        """Follow-up messages sent with an interaction token (deleted ones excluded)."""
        with self._lock:
            interaction = self.state.tokens.get(token)
            if interaction is None:
                return []
            found = [interaction.messages[i] for i in interaction.followup_ids if i in interaction.messages]
            return copy.deepcopy(found)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._rest.requests)

    def requests_to(self, method: str | None, path_regex: str) -> list[RecordedRequest]:
        """Recorded requests with this method (None: any) whose path fully matches the regex."""
        pattern = re.compile(path_regex)
        wanted = method.upper() if method else None
        return [
            r for r in self.requests if (wanted is None or r.method == wanted) and pattern.fullmatch(r.path) is not None
        ]

    # ------------------------------------------------------------------ rate limits (see rate_limits)

    @property
    def rate_limits(self) -> RateLimits | None:
        """The limits enforced (None: off, the default)."""
        with self._lock:
            limiter = self._rest.rate_limiter
            return limiter.limits if limiter is not None else None

    def set_rate_limits(self, limits: RateLimits | None) -> None:
        """Enforce Discord's rate limits (``RateLimits()``: the defaults), or none (None), with every
        bucket fresh. ``reset()`` empties the buckets and keeps the limits."""
        with self._lock:
            self._rest.rate_limiter = RateLimiter(limits) if limits is not None else None

    def rate_limited(self, scope: str | None = None) -> list[RecordedRequest]:
        """Requests answered 429, of one ``X-RateLimit-Scope`` (user, shared, global) or all."""
        return [r for r in self.requests if r.status == 429 and (scope is None or r.rate_limit_scope == scope)]

    # ------------------------------------------------------------------ REST fault injection (see faults)

    def fail_next(
        self,
        n: int = 1,
        status: int = 429,
        *,
        retry_after: float = 0.05,
        is_global: bool = False,
        path: str | None = None,
        method: str | None = None,
        code: int | None = None,
        message: str | None = None,
        drop: bool = False,
    ) -> None:
        """Answer the next ``n`` matching requests with ``status`` (or drop their connection).

        ``path`` is a regex matched with ``re.fullmatch`` against the path without ``/api/v10``;
        ``method`` is case-insensitive; None matches anything.
        """
        with self._lock:
            self._faults.add(
                n,
                status,
                retry_after=retry_after,
                is_global=is_global,
                path=path,
                method=method,
                code=code,
                message=message,
                drop=drop,
            )

    # ------------------------------------------------------------------ gateway, its faults included (see gateway)

    @property
    def gateway_url(self) -> str:
        """``ws://127.0.0.1:<port>/gateway``: for ``DiscordWebSocket.DEFAULT_GATEWAY`` (only while started)."""
        return self._gateway.url

    @property
    def gateway_sessions(self) -> list[GatewaySession]:
        """Every gateway session record, oldest first (see :class:`GatewaySession`)."""
        return self._gateway.sessions

    @property
    def presences(self) -> list[PresenceUpdate]:
        """Every presence the bot set over the gateway (op 3 and IDENTIFY's), in arrival order."""
        return self._gateway.presences

    @property
    def gateway_events(self) -> list[GatewayEvent]:
        """Every payload gateway clients sent (heartbeats included), in arrival order (a copy)."""
        return self._gateway.events

    @property
    def gateway_closes(self) -> list[GatewayClose]:
        """Every gateway connection end: the emulator's close codes and drops, and the clients' codes."""
        return self._gateway.closes

    def wait_for_ready(self, timeout: float = 10.0, shard_id: int | None = None) -> GatewaySession:
        """Block until a connected session (of ``shard_id``) was sent READY and its GUILD_CREATEs, or
        RESUMED, on its current connection; see :meth:`GatewayEmulator.wait_for_ready`."""
        return self._gateway.wait_for_ready(timeout, shard_id)

    def dispatch(self, event: str, data: dict, *, shard_id: int | None = None) -> int:
        """Send a DISPATCH to the sessions Discord would send it to (buffered for a resume when a session
        is disconnected); returns how many sessions got it. See :meth:`GatewayEmulator.dispatch`."""
        return self._gateway.dispatch(event, data, shard_id=shard_id)

    # ------------------------------------------------------------------ changes announced on the gateway
    # Discord tells the bot of every change to a guild's channels, roles and name; these change
    # the state as an officer's edit in Discord would and dispatch the event it causes.

    def create_channel(self, guild_id: int | str, name: str, type: int = 0, **fields: Any) -> dict:
        """Create a guild channel and dispatch CHANNEL_CREATE."""
        channel = self.add_channel(guild_id, name, type, **fields)
        self.dispatch("CHANNEL_CREATE", channel)
        return channel

    def update_channel(self, channel_id: int | str, **fields: Any) -> dict:
        """Change a channel's fields (``name``, ``parent_id`` ...) and dispatch CHANNEL_UPDATE."""
        with self._lock:
            channel = self.state.require_channel(str(channel_id))
            channel.update(copy.deepcopy(fields))
            channel = copy.deepcopy(channel)
        self.dispatch("CHANNEL_UPDATE", channel)
        return channel

    def delete_channel(self, channel_id: int | str) -> dict:
        """Delete a channel (and its messages) and dispatch CHANNEL_DELETE."""
        with self._lock:
            channel = copy.deepcopy(self.state.require_channel(str(channel_id)))
            self.state.channels.pop(channel["id"])
            self.state.messages.pop(channel["id"], None)
        self.dispatch("CHANNEL_DELETE", channel)
        return channel

    def create_role(self, guild_id: int | str, name: str, *, permissions: int = 0) -> dict:
        """Create a role and dispatch GUILD_ROLE_CREATE."""
        role = self.add_role(guild_id, name, permissions=permissions)
        self.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": role})
        return role

    def update_role(self, guild_id: int | str, role_id: int | str, **fields: Any) -> dict:
        """Change a role's fields (``name``, ``color``, ``position`` ...) and dispatch GUILD_ROLE_UPDATE."""
        with self._lock:
            role = self.state.roles[str(guild_id)][str(role_id)]
            role.update(copy.deepcopy(fields))
            role = copy.deepcopy(role)
        self.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild_id), "role": role})
        return role

    def delete_role(self, guild_id: int | str, role_id: int | str) -> None:
        """Delete a role (members lose it) and dispatch GUILD_ROLE_DELETE."""
        with self._lock:
            self.state.roles[str(guild_id)].pop(str(role_id))
            for record in self.state.members.get(str(guild_id), {}).values():
                if str(role_id) in record["roles"]:
                    record["roles"].remove(str(role_id))
        self.dispatch("GUILD_ROLE_DELETE", {"guild_id": str(guild_id), "role_id": str(role_id)})

    def update_guild(self, guild_id: int | str, **fields: Any) -> dict:
        """Change a guild's fields (``name``, ``icon`` ...) and dispatch GUILD_UPDATE."""
        with self._lock:
            self.state.require_guild(str(guild_id)).update(copy.deepcopy(fields))
            guild = copy.deepcopy(self.state.guild_view(str(guild_id)))
        self.dispatch("GUILD_UPDATE", guild)
        return guild

    def send_interaction(self, payload: dict) -> dict:
        """Register an interaction on the REST side, fill in what discord.py needs and dispatch it as
        INTERACTION_CREATE; returns the payload sent. See :meth:`GatewayEmulator.send_interaction`."""
        return self._gateway.send_interaction(payload)

    def send_message_create(
        self,
        channel_id: int | str,
        content: str,
        *,
        author_id: int | str | None = None,
        embeds: Iterable[dict] = (),
        guild_id: int | str | None = None,
    ) -> dict:
        """Store a message in the channel and dispatch MESSAGE_CREATE (with ``member`` in a guild);
        returns the payload sent. See :meth:`GatewayEmulator.send_message_create`."""
        return self._gateway.send_message_create(
            channel_id, content, author_id=author_id, embeds=embeds, guild_id=guild_id
        )

    def send_message_update(
        self,
        channel_id: int | str,
        message_id: int | str,
        *,
        content: str | None = None,
        embeds: Iterable[dict] | None = None,
    ) -> dict:
        """Edit a stored message (content and/or embeds) and dispatch MESSAGE_UPDATE; returns the
        payload sent. See :meth:`GatewayEmulator.send_message_update`."""
        return self._gateway.send_message_update(channel_id, message_id, content=content, embeds=embeds)

    def send_message_delete(self, channel_id: int | str, message_id: int | str) -> dict:
        """Delete a stored message and dispatch MESSAGE_DELETE; returns the payload sent. See
        :meth:`GatewayEmulator.send_message_delete`."""
        return self._gateway.send_message_delete(channel_id, message_id)

    def drop_gateway(self, shard_id: int | None = None) -> int:
        """Abort live gateway connections (of ``shard_id``) without a close frame; the client resumes."""
        return self._gateway.drop(shard_id)

    def send_reconnect(self, shard_id: int | None = None) -> int:
        """Send RECONNECT (op 7) to live sessions (of ``shard_id``); the client reconnects and resumes."""
        return self._gateway.send_reconnect(shard_id)

    def send_invalid_session(self, resumable: bool, shard_id: int | None = None) -> int:
        """Send INVALID_SESSION (op 9); with ``False`` the session ends and the client identifies again."""
        return self._gateway.send_invalid_session(resumable, shard_id)

    def close_gateway(self, code: int, shard_id: int | None = None, reason: str | None = None) -> int:
        """Close live gateway connections (of ``shard_id``) with ``code``; see :meth:`GatewayEmulator.close`."""
        return self._gateway.close(code, shard_id, reason)

    def request_heartbeat(self, shard_id: int | None = None) -> int:
        """Send HEARTBEAT (op 1) to live sessions (of ``shard_id``), asking for an immediate heartbeat."""
        return self._gateway.request_heartbeat(shard_id)
