"""In-process emulator of the part of Discord's REST API (v10) and gateway that Guildhall uses.

Discord cannot be reached from the test machines, so tests start a :class:`DiscordEmulator`
(an aiohttp application served on ``127.0.0.1`` from a background thread with its own event
loop) and point the *real* discord.py HTTP client, and its gateway client, at it::

    with DiscordEmulator() as emu:
        discord.http.Route.BASE = emu.api_base   # restore both afterwards
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)
        ...

The gateway (websocket on ``emu.gateway_url``: HELLO, IDENTIFY/READY/GUILD_CREATE, heartbeats,
RESUME with replay, zlib-stream compression, shards, dispatches such as INTERACTION_CREATE and
MESSAGE_CREATE, RECONNECT / INVALID_SESSION / close codes / dropped connections on demand) is
:mod:`botworker.emulator.gateway`; it reads the same state as the REST routes. ``GET /gateway``
and ``GET /gateway/bot`` answer with its URL (``/gateway/bot`` with ``DiscordEmulator(shards=N)``).

The emulator keeps a small model of Discord's state (users, guilds, roles, members, channels,
messages, pins, DM channels, application commands, interactions and their webhook messages),
answers with payloads shaped like Discord's so that discord.py parses them, records every
request, and can inject failures (429 with Discord's rate-limit headers, 4xx/5xx errors, or a
dropped connection) for the next N matching requests.

Behaviour worth knowing (all ids are strings, as in Discord's JSON):

* Authentication: every route except ``/interactions/...``, ``/webhooks/...``, ``/gateway`` and
  the attachment downloads needs ``Authorization: Bot <token>``; otherwise 401
  ``{"message": "401: Unauthorized", "code": 0}``.
* Injected failures are checked before routing and authentication; rules are consumed in the
  order they were queued, the first rule whose ``method``/``path`` match is used. ``path`` is a
  regular expression that must match the whole path without the ``/api/v10`` prefix
  (``re.fullmatch``), e.g. ``r"/channels/\\d+/messages"``.
* 429 answers carry ``Via: 1.1 google``: discord.py treats a 429 without ``Via`` as a
  Cloudflare ban and raises instead of retrying. JSON answers use the exact content type
  ``application/json`` (discord.py only decodes JSON when the header is exactly that).
* Roles: ``PUT/DELETE /guilds/{g}/members/{u}/roles/{r}`` answer 404 10004 for an unknown
  guild, 10011 for an unknown role and 10007 for a user that is not a member. Members are *not*
  created implicitly unless the emulator was built with ``auto_create_members=True``; add them
  with :meth:`DiscordEmulator.add_member`. Adding a role the member already has is a no-op.
* Interactions need no set-up: the first callback for an unknown interaction id registers it
  (in a synthetic channel). Register it with :meth:`DiscordEmulator.add_interaction` to give it
  a real channel (non-ephemeral responses and follow-ups then also appear in that channel's
  history, as on Discord) or the message its component was on (for callback types 6 and 7).
* Application commands may be overwritten for any guild id (no membership check); the
  application id in the path must be the emulator's, otherwise 403 code 20012.
* Not emulated: permission checks on REST routes, reactions, threads, polls, stickers, voice
  and real rate-limit buckets (only injected 429s). The gateway's own limits are listed in
  :mod:`botworker.emulator.gateway`.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import hashlib
import http
import json
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from aiohttp import web
from multidict import CIMultiDict

from botworker.emulator.gateway import (
    DEFAULT_HEARTBEAT_INTERVAL_MS,
    GatewayClose,
    GatewayEmulator,
    GatewayEvent,
    GatewaySession,
    PresenceUpdate,
)

__all__ = ["DiscordEmulator", "RecordedRequest", "snowflake_time"]

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000
BULK_DELETE_MAX_AGE = timedelta(days=14)
NONCE_WINDOW = timedelta(minutes=5)
MAX_PINS = 250
MAX_CONTENT = 2000
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_COMMAND_NAME = re.compile(r"[-_'\w]{1,32}")
_FILE_FIELD = re.compile(r"files?\[?(\d*)\]?")

Handler = Callable[..., tuple[int, Any]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def snowflake_time(snowflake: int | str) -> datetime:
    """Return the creation time encoded in a Discord snowflake."""
    return datetime.fromtimestamp(((int(snowflake) >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


def _sid(value: int | str | None) -> str | None:
    return None if value is None else str(value)


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true")


class APIError(Exception):
    """An error answer: raised by route handlers, turned into Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str, errors: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def _form_error(field: str, message: str, code: str = "BASE_TYPE_BAD_VALUE") -> APIError:
    """Discord's 400 "Invalid Form Body" with a nested ``errors`` object for ``field`` (dotted)."""
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(field.split(".")):
        errors = {part: errors}
    return APIError(400, 50035, "Invalid Form Body", errors)


def _unknown(what: str, code: int) -> APIError:
    return APIError(404, code, f"Unknown {what}")


def _snowflake_arg(value: Any, field: str) -> str:
    text = str(value) if isinstance(value, int | str) else ""
    if not text.isdigit():
        raise _form_error(field, f'Value "{value}" is not snowflake.', "NUMBER_TYPE_COERCE")
    return text


def _int_arg(value: str | None, field: str, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _form_error(field, "Value is not int.", "NUMBER_TYPE_COERCE") from None
    if not low <= number <= high:
        raise _form_error(field, f"Int value should be between {low} and {high}.", "NUMBER_TYPE_MAX")
    return number


@dataclasses.dataclass(frozen=True)
class RecordedRequest:
    """One request the emulator received (``status`` is None when the connection was dropped)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: CIMultiDict
    status: int | None
    at: float
    files: tuple[str, ...] = ()


@dataclasses.dataclass
class _FailureRule:
    remaining: int
    status: int
    retry_after: float
    is_global: bool
    path: re.Pattern[str] | None
    method: str | None
    code: int | None
    message: str | None
    drop: bool

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.path is None or self.path.fullmatch(path) is not None


@dataclasses.dataclass
class _Upload:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclasses.dataclass
class _Request:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[_Upload]

    def body(self) -> dict[str, Any]:
        if self.json is None:
            return {}
        if not isinstance(self.json, dict):
            raise APIError(400, 50035, "Invalid Form Body")
        return self.json


@dataclasses.dataclass
class _Interaction:
    id: str
    token: str
    type: int
    channel_id: str
    guild_id: str | None
    message_ref: tuple[str, str] | None
    responses: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    acknowledged: bool = False
    original_id: str | None = None
    messages: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    followup_ids: list[str] = dataclasses.field(default_factory=list)

    def describe(self, application_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "token": self.token,
            "application_id": application_id,
            "type": self.type,
            "channel_id": self.channel_id,
            "guild_id": self.guild_id,
            "message_id": self.message_ref[1] if self.message_ref else None,
        }


class DiscordEmulator:
    """A fake Discord REST API (v10) served over HTTP on 127.0.0.1 from a background thread.

    All state helpers and inspection methods are thread-safe (one lock shared with the request
    handlers) and return deep copies, so mutating a returned dict never changes the emulator.
    """

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
        port: int = 0,
        control: bool = False,
    ) -> None:
        if shards < 1:
            raise ValueError("shards must be at least 1")
        self.token = token
        self.application_id = str(application_id)
        self.bot_user_id = str(bot_user_id if bot_user_id is not None else application_id)
        self.bot_username = bot_username
        self.auto_create_members = auto_create_members
        self.shards = shards  # what GET /gateway/bot recommends; clients may still pick their own count
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.requested_port = port  # 0: any free port
        self.control = control  # serve the /_emulator/ control API (for running it by hand)
        self._lock = threading.RLock()
        self._lifecycle = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._routes = self._build_routes()
        self._init_state()
        self._gateway = GatewayEmulator(self)

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
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
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
            return copy.deepcopy(self._users[self.bot_user_id])

    # ------------------------------------------------------------------ state

    def _init_state(self) -> None:
        self._users: dict[str, dict[str, Any]] = {}
        self._closed_dms: set[str] = set()
        self._guilds: dict[str, dict[str, Any]] = {}
        self._roles: dict[str, dict[str, dict[str, Any]]] = {}
        self._members: dict[str, dict[str, dict[str, Any]]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._dm_channels: dict[str, str] = {}
        self._messages: dict[str, dict[str, dict[str, Any]]] = {}
        self._pinned_at: dict[str, datetime] = {}
        self._nonces: dict[tuple[str, str, str], tuple[str, datetime]] = {}
        self._attachments: dict[str, tuple[bytes, str]] = {}
        self._commands: dict[str | None, list[dict[str, Any]]] = {}
        self._interactions: dict[str, _Interaction] = {}
        self._tokens: dict[str, _Interaction] = {}
        self._requests: list[RecordedRequest] = []
        self._failures: list[_FailureRule] = []
        self._issued: set[int] = set()
        self._sequence = 0
        self._last_now_id = 0
        self._users[self.bot_user_id] = self._user_payload(self.bot_user_id, self.bot_username, bot=True)

    def reset(self) -> None:
        """Forget all state, recorded requests and queued failures, drop every gateway connection
        and forget the gateway sessions (the server keeps running)."""
        with self._lock:
            self._init_state()
        # Outside the lock: the gateway waits for its loop, whose handlers take the lock.
        self._gateway.reset()

    def _new_id(self, at: datetime | None = None) -> str:
        """A unique snowflake whose timestamp part is ``at`` (default: now, strictly increasing)."""
        when = at or _utcnow()
        millis = int(when.timestamp() * 1000) - DISCORD_EPOCH_MS
        if millis < 0:
            raise ValueError("snowflakes cannot predate the Discord epoch (2015)")
        candidate = (millis << 22) | (self._sequence & 0xFFF)
        self._sequence += 1
        if at is None:
            candidate = max(candidate, self._last_now_id + 1)
        while candidate in self._issued:
            candidate += 1
        if at is None:
            self._last_now_id = candidate
        self._issued.add(candidate)
        return str(candidate)

    @staticmethod
    def _user_payload(user_id: str, username: str, *, bot: bool = False) -> dict[str, Any]:
        return {
            "id": user_id,
            "username": username,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }

    def _user(self, user_id: str) -> dict[str, Any]:
        user = self._users.get(user_id)
        return user if user is not None else self._user_payload(user_id, f"user{user_id}")

    def _ensure_guild(self, guild_id: str) -> dict[str, Any]:
        guild = self._guilds.get(guild_id)
        if guild is None:
            guild = {"id": guild_id, "name": "Guild", "owner_id": self.bot_user_id}
            self._guilds[guild_id] = guild
            self._roles[guild_id] = {guild_id: self._role_payload(guild_id, "@everyone", 0, 0)}
            self._members[guild_id] = {}
        return guild

    @staticmethod
    def _role_payload(role_id: str, name: str, position: int, permissions: int) -> dict[str, Any]:
        return {
            "id": role_id,
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }

    def _guild_view(self, guild_id: str) -> dict[str, Any]:
        guild = dict(self._guilds[guild_id])
        guild["roles"] = list(self._roles[guild_id].values())
        return copy.deepcopy(guild)

    def _member_payload(self, guild_id: str, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "user": self._user(record["user_id"]),
            "nick": record.get("nick"),
            "avatar": None,
            "roles": list(record["roles"]),
            "joined_at": record["joined_at"],
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }

    def _make_channel(
        self, guild_id: str | None, fields: dict[str, Any], channel_id: str | None = None
    ) -> dict[str, Any]:
        channel_type = int(fields.get("type", 0))
        channel: dict[str, Any] = {"id": channel_id or self._new_id(), "type": channel_type}
        if guild_id is not None:
            siblings = [c for c in self._channels.values() if c.get("guild_id") == guild_id]
            channel.update(
                guild_id=guild_id,
                name=fields.get("name", "channel"),
                position=fields.get("position", len(siblings)),
                permission_overwrites=self._overwrites(fields.get("permission_overwrites") or []),
                parent_id=_sid(fields.get("parent_id")),
                nsfw=bool(fields.get("nsfw", False)),
                flags=0,
            )
            if channel_type in (2, 13):
                channel.update(
                    bitrate=fields.get("bitrate", 64000),
                    user_limit=fields.get("user_limit", 0),
                    rtc_region=fields.get("rtc_region"),
                )
            if channel_type != 4:
                channel.update(
                    topic=fields.get("topic"),
                    rate_limit_per_user=fields.get("rate_limit_per_user", 0),
                    last_message_id=None,
                )
        else:
            channel.update(last_message_id=None, flags=0)
            if "name" in fields:
                channel["name"] = fields["name"]
        for key, value in fields.items():
            channel.setdefault(key, value)
        self._channels[channel["id"]] = channel
        self._messages.setdefault(channel["id"], {})
        return channel

    @staticmethod
    def _overwrites(raw: Any) -> list[dict[str, Any]]:
        if not isinstance(raw, list):
            raise _form_error("permission_overwrites", "Must be an array.")
        result = []
        for index, item in enumerate(raw):
            if not isinstance(item, dict) or "id" not in item:
                raise _form_error(f"permission_overwrites.{index}.id", "This field is required", "BASE_TYPE_REQUIRED")
            overwrite_type = int(item.get("type", 0))
            if overwrite_type not in (0, 1):
                raise _form_error(f"permission_overwrites.{index}.type", "Value must be one of (0, 1).")
            result.append(
                {
                    "id": _snowflake_arg(item["id"], f"permission_overwrites.{index}.id"),
                    "type": overwrite_type,
                    "allow": str(int(item.get("allow") or 0)),
                    "deny": str(int(item.get("deny") or 0)),
                }
            )
        return result

    # ------------------------------------------------------------------ set-up helpers

    def add_user(self, user_id: int | str | None = None, username: str | None = None, *, bot: bool = False) -> dict:
        """Create (or rename) a user; unknown users otherwise appear as ``user<id>``."""
        with self._lock:
            uid = _sid(user_id) or self._new_id()
            self._users[uid] = self._user_payload(uid, username or f"user{uid}", bot=bot)
            return copy.deepcopy(self._users[uid])

    def set_dms_closed(self, user_id: int | str, closed: bool = True) -> None:
        """Make messages to this user's DM channel fail with 403 code 50007, as Discord does."""
        with self._lock:
            (self._closed_dms.add if closed else self._closed_dms.discard)(str(user_id))

    def add_guild(self, guild_id: int | str | None = None, name: str = "Guild") -> dict:
        """Create a guild with its @everyone role (role id == guild id)."""
        with self._lock:
            gid = _sid(guild_id) or self._new_id()
            self._ensure_guild(gid)["name"] = name
            return self._guild_view(gid)

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
            gid = _sid(guild_id)
            if gid is not None:
                self._ensure_guild(gid)
            fields = copy.deepcopy({**fields, "name": name, "type": type})
            channel = self._make_channel(gid, fields, _sid(channel_id))
            return copy.deepcopy(channel)

    def add_role(
        self, guild_id: int | str, name: str, *, permissions: int = 0, role_id: int | str | None = None
    ) -> dict:
        """Create a role in a guild (created if unknown)."""
        with self._lock:
            gid = str(guild_id)
            self._ensure_guild(gid)
            rid = _sid(role_id) or self._new_id()
            role = self._role_payload(rid, name, len(self._roles[gid]), permissions)
            self._roles[gid][rid] = role
            return copy.deepcopy(role)

    def add_member(self, guild_id: int | str, user_id: int | str, roles: Iterable[int | str] = ()) -> dict:
        """Make a user a member of a guild (both created if unknown) with the given role ids."""
        with self._lock:
            gid, uid = str(guild_id), str(user_id)
            self._ensure_guild(gid)
            role_ids = [str(r) for r in roles]
            unknown = [r for r in role_ids if r not in self._roles[gid]]
            if unknown:
                raise ValueError(f"unknown role ids for guild {gid}: {unknown}")
            if uid not in self._users:
                self._users[uid] = self._user_payload(uid, f"user{uid}")
            record = {"user_id": uid, "roles": role_ids, "joined_at": _iso(_utcnow()), "nick": None}
            self._members[gid][uid] = record
            return copy.deepcopy(self._member_payload(gid, record))

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
            cid = str(channel_id)
            if cid not in self._channels:
                raise ValueError(f"unknown channel {cid}; add it with add_channel() first")
            author = self._user(str(author_id) if author_id is not None else self.bot_user_id)
            message = self._new_message(cid, author, {"content": content, **fields}, [], created_at=created_at)
            message.update(copy.deepcopy({k: v for k, v in fields.items() if k not in message}))
            if pinned:
                message["pinned"] = True
                self._pinned_at[message["id"]] = created_at or _utcnow()
            self._store_message(message)
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
            iid = _sid(interaction_id) or self._new_id()
            cid = _sid(channel_id)
            ref = (cid, str(message_id)) if message_id is not None and cid is not None else None
            interaction = _Interaction(
                id=iid,
                token=token or secrets.token_urlsafe(48),
                type=type,
                channel_id=cid or self._new_id(),
                guild_id=_sid(guild_id) or (self._channels.get(cid or "", {}).get("guild_id")),
                message_ref=ref,
            )
            self._interactions[iid] = interaction
            self._tokens[interaction.token] = interaction
            return interaction.describe(self.application_id)

    def answer_over_http(self, interaction_id: int | str, token: str, body: dict) -> None:
        """Take `body` as the interaction's answer given in the HTTP response of an interactions
        endpoint (Discord applies it as it applies a callback POST; nothing is recorded as a
        request, since none was made)."""
        request = _Request("POST", f"/interactions/{interaction_id}/{token}/callback", {}, copy.deepcopy(body), [])
        with self._lock:
            self._callback(request, str(interaction_id), token)

    # ------------------------------------------------------------------ inspection

    def messages(self, channel_id: int | str) -> list[dict]:
        """The channel's messages, oldest first (deleted ones are gone)."""
        with self._lock:
            return copy.deepcopy(self._sorted_messages(str(channel_id)))

    def get_message(self, channel_id: int | str, message_id: int | str) -> dict | None:
        with self._lock:
            return copy.deepcopy(self._messages.get(str(channel_id), {}).get(str(message_id)))

    def member_roles(self, guild_id: int | str, user_id: int | str) -> set[str]:
        """Role ids of a member (without @everyone); empty when not a member."""
        with self._lock:
            record = self._members.get(str(guild_id), {}).get(str(user_id))
            return set(record["roles"]) if record else set()

    def dm_channel_for(self, user_id: int | str) -> dict | None:
        with self._lock:
            channel_id = self._dm_channels.get(str(user_id))
            return copy.deepcopy(self._channels[channel_id]) if channel_id else None

    def channels(self, guild_id: int | str | None) -> list[dict]:
        """Channels of a guild ordered by position (``None``: channels outside guilds, DMs included)."""
        with self._lock:
            gid = _sid(guild_id)
            found = [c for c in self._channels.values() if c.get("guild_id") == gid]
            return copy.deepcopy(sorted(found, key=lambda c: (c.get("position", 0), int(c["id"]))))

    def commands(self, guild_id: int | str | None = None) -> list[dict]:
        """The application commands as last bulk-overwritten (global when ``guild_id`` is None)."""
        with self._lock:
            return copy.deepcopy(self._commands.get(_sid(guild_id), []))

    def interaction_responses(self, interaction_id: int | str) -> list[dict]:
        """Every callback body received for the interaction (rejected ones included)."""
        with self._lock:
            interaction = self._interactions.get(str(interaction_id))
            return copy.deepcopy(interaction.responses) if interaction else []

    def original_response(self, application_id: int | str | None, token: str) -> dict | None:
        """The current ``@original`` message of an interaction token (None if none/deleted)."""
        with self._lock:
            if application_id is not None and str(application_id) != self.application_id:
                return None
            interaction = self._tokens.get(token)
            if interaction is None or interaction.original_id is None:
                return None
            return copy.deepcopy(interaction.messages.get(interaction.original_id))

    def followups(self, token: str) -> list[dict]:
        """Follow-up messages sent with an interaction token (deleted ones excluded)."""
        with self._lock:
            interaction = self._tokens.get(token)
            if interaction is None:
                return []
            found = [interaction.messages[i] for i in interaction.followup_ids if i in interaction.messages]
            return copy.deepcopy(found)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, method: str | None, path_regex: str) -> list[RecordedRequest]:
        """Recorded requests with this method (None: any) whose path fully matches the regex."""
        pattern = re.compile(path_regex)
        wanted = method.upper() if method else None
        return [
            r for r in self.requests if (wanted is None or r.method == wanted) and pattern.fullmatch(r.path) is not None
        ]

    # ------------------------------------------------------------------ gateway (see botworker.emulator.gateway)

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

    # ------------------------------------------------------------------ failure injection

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
        if n < 1:
            raise ValueError("n must be at least 1")
        rule = _FailureRule(
            remaining=n,
            status=status,
            retry_after=retry_after,
            is_global=is_global,
            path=re.compile(path) if path is not None else None,
            method=method.upper() if method else None,
            code=code,
            message=message,
            drop=drop,
        )
        with self._lock:
            self._failures.append(rule)

    def _take_failure(self, method: str, path: str) -> _FailureRule | None:
        with self._lock:
            for rule in self._failures:
                if rule.matches(method, path):
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._failures.remove(rule)
                    return rule
        return None

    @staticmethod
    def _failure_response(rule: _FailureRule, method: str, path: str) -> web.Response:
        try:
            phrase = http.HTTPStatus(rule.status).phrase
        except ValueError:
            phrase = "Error"
        if rule.status == 429:
            body = {
                "message": rule.message or "You are being rate limited.",
                "retry_after": rule.retry_after,
                "global": rule.is_global,
                "code": rule.code or 0,
            }
            route = re.sub(r"\d+", ":id", path)
            bucket = hashlib.sha1(f"{method} {route}".encode()).hexdigest()[:32]
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(max(1, math.ceil(rule.retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + rule.retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{rule.retry_after:.3f}",
                "X-RateLimit-Bucket": bucket,
                "X-RateLimit-Scope": "global" if rule.is_global else "user",
            }
            if rule.is_global:
                headers["X-RateLimit-Global"] = "true"
            return _json_response(429, body, headers)
        defaults = {
            400: (50035, "Invalid Form Body"),
            401: (0, "401: Unauthorized"),
            403: (50013, "Missing Permissions"),
            404: (10003, "Unknown Channel"),
        }
        default_code, default_message = defaults.get(rule.status, (0, f"{rule.status}: {phrase}"))
        code = rule.code if rule.code is not None else default_code
        return _json_response(rule.status, {"message": rule.message or default_message, "code": code})

    # ------------------------------------------------------------------ HTTP plumbing

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        full_path = request.path
        is_api = full_path.startswith(API_PREFIX + "/")
        path = full_path[len(API_PREFIX) :] if is_api else full_path
        method = request.method.upper()
        query = dict(request.query.items())
        body, uploads, body_error = await _read_body(request)
        status: int | None = None
        try:
            rule = self._take_failure(method, path)
            if rule is not None and rule.drop:
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=204)
            if rule is not None:
                response = self._failure_response(rule, method, path)
            elif not is_api:
                response = self._serve_attachment(method, path)
            else:
                routed = _Request(method, path, query, copy.deepcopy(body), uploads)
                response = self._route(routed, request.headers.get("Authorization"), body_error)
            status = response.status
            return response
        finally:
            record = RecordedRequest(
                method=method,
                path=path,
                query=query,
                json=body,
                headers=CIMultiDict(request.headers),
                status=status,
                at=time.monotonic(),
                files=tuple(u.filename for u in uploads),
            )
            with self._lock:
                self._requests.append(record)

    def _route(self, request: _Request, authorization: str | None, body_error: APIError | None) -> web.Response:
        method_mismatch = False
        for method, pattern, handler, needs_auth in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            if method != request.method:
                method_mismatch = True
                continue
            try:
                if needs_auth and authorization != f"Bot {self.token}":
                    raise APIError(401, 0, "401: Unauthorized")
                if body_error is not None:
                    raise body_error
                with self._lock:
                    status, payload = handler(request, **match.groupdict())
                    return _json_response(status, payload)
            except APIError as error:
                return _json_response(error.status, error.body())
        if method_mismatch:
            return _json_response(405, {"message": "405: Method Not Allowed", "code": 0})
        return _json_response(404, {"message": "404: Not Found", "code": 0})

    def _serve_attachment(self, method: str, path: str) -> web.Response:
        match = re.fullmatch(r"/attachments/\d+/(\d+)/[^/]+", path)
        with self._lock:
            blob = self._attachments.get(match.group(1)) if match and method == "GET" else None
        if blob is None:
            return _json_response(404, {"message": "404: Not Found", "code": 0})
        return web.Response(status=200, body=blob[0], headers={"Content-Type": blob[1]})

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Handler, bool]]:
        ids = r"(?P<{}>\d+)"
        cid, mid, gid, uid = (
            ids.format("channel_id"),
            ids.format("message_id"),
            ids.format("guild_id"),
            ids.format("user_id"),
        )
        app = ids.format("application_id")
        hook = rf"/webhooks/{app}/(?P<token>[^/]+)"
        table: list[tuple[str, str, Handler, bool]] = [
            ("GET", "/users/@me", self._get_me, True),
            ("GET", "/oauth2/applications/@me", self._get_application, True),
            ("GET", "/gateway", self._get_gateway, False),
            ("GET", "/gateway/bot", self._get_gateway_bot, True),
            ("POST", "/users/@me/channels", self._create_dm, True),
            ("GET", f"/channels/{cid}", self._get_channel, True),
            ("DELETE", f"/channels/{cid}", self._delete_channel, True),
            ("POST", f"/channels/{cid}/typing", self._typing, True),
            ("GET", f"/channels/{cid}/messages", self._history, True),
            ("POST", f"/channels/{cid}/messages", self._create_message, True),
            ("POST", f"/channels/{cid}/messages/bulk-delete", self._bulk_delete, True),
            ("GET", f"/channels/{cid}/messages/pins", self._pins, True),
            ("PUT", f"/channels/{cid}/messages/pins/{mid}", self._pin, True),
            ("DELETE", f"/channels/{cid}/messages/pins/{mid}", self._unpin, True),
            ("GET", f"/channels/{cid}/pins", self._legacy_pins, True),
            ("PUT", f"/channels/{cid}/pins/{mid}", self._pin, True),
            ("DELETE", f"/channels/{cid}/pins/{mid}", self._unpin, True),
            ("GET", f"/channels/{cid}/messages/{mid}", self._get_message, True),
            ("PATCH", f"/channels/{cid}/messages/{mid}", self._edit_message, True),
            ("DELETE", f"/channels/{cid}/messages/{mid}", self._delete_message_route, True),
            ("GET", f"/guilds/{gid}/channels", self._guild_channels, True),
            ("POST", f"/guilds/{gid}/channels", self._create_guild_channel, True),
            ("GET", f"/guilds/{gid}/roles", self._guild_roles, True),
            ("GET", f"/guilds/{gid}/members/{uid}", self._get_member, True),
            ("PUT", f"/guilds/{gid}/members/{uid}/roles/{ids.format('role_id')}", self._add_member_role, True),
            ("DELETE", f"/guilds/{gid}/members/{uid}/roles/{ids.format('role_id')}", self._remove_member_role, True),
            ("GET", f"/applications/{app}/commands", self._get_commands, True),
            ("PUT", f"/applications/{app}/commands", self._put_commands, True),
            ("GET", f"/applications/{app}/guilds/{gid}/commands", self._get_commands, True),
            ("PUT", f"/applications/{app}/guilds/{gid}/commands", self._put_commands, True),
            ("POST", rf"/interactions/{ids.format('interaction_id')}/(?P<token>[^/]+)/callback", self._callback, False),
            ("POST", hook, self._execute_webhook, False),
            ("GET", f"{hook}/messages/(?P<message_id>@original|\\d+)", self._get_webhook_message, False),
            ("PATCH", f"{hook}/messages/(?P<message_id>@original|\\d+)", self._edit_webhook_message, False),
            ("DELETE", f"{hook}/messages/(?P<message_id>@original|\\d+)", self._delete_webhook_message, False),
        ]
        return [(method, re.compile(pattern), handler, auth) for method, pattern, handler, auth in table]

    # ------------------------------------------------------------------ messages (shared)

    def _sorted_messages(self, channel_id: str) -> list[dict[str, Any]]:
        return sorted(self._messages.get(channel_id, {}).values(), key=lambda m: int(m["id"]))

    def _require_channel(self, channel_id: str) -> dict[str, Any]:
        channel = self._channels.get(channel_id)
        if channel is None:
            raise _unknown("Channel", 10003)
        return channel

    def _require_message(self, channel_id: str, message_id: str) -> dict[str, Any]:
        self._require_channel(channel_id)
        message = self._messages[channel_id].get(message_id)
        if message is None:
            raise _unknown("Message", 10008)
        return message

    @staticmethod
    def _check_content(body: dict[str, Any]) -> None:
        content = body.get("content")
        if content is not None and not isinstance(content, str):
            raise _form_error("content", "Must be a string.", "BASE_TYPE_STRING")
        if content is not None and len(content) > MAX_CONTENT:
            raise _form_error("content", f"Must be {MAX_CONTENT} or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        embeds = body.get("embeds")
        if embeds is not None and (not isinstance(embeds, list) or len(embeds) > 10):
            raise _form_error("embeds", "Must be 10 or fewer in length.", "BASE_TYPE_MAX_LENGTH")

    @staticmethod
    def _check_not_empty(message: dict[str, Any]) -> None:
        if not (message["content"].strip() or message["embeds"] or message["attachments"] or message["components"]):
            raise APIError(400, 50006, "Cannot send an empty message")

    def _mentions(self, content: str, allowed: Any) -> tuple[list, list, bool]:
        if isinstance(allowed, dict):
            parse = set(allowed.get("parse") or [])
            users = {str(u) for u in allowed.get("users") or []}
            roles = {str(r) for r in allowed.get("roles") or []}
        else:
            parse, users, roles = {"users", "roles", "everyone"}, set(), set()
        user_ids = dict.fromkeys(u for u in _USER_MENTION.findall(content) if "users" in parse or u in users)
        role_ids = dict.fromkeys(r for r in _ROLE_MENTION.findall(content) if "roles" in parse or r in roles)
        everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
        return [copy.deepcopy(self._user(u)) for u in user_ids], list(role_ids), everyone

    def _make_attachments(self, channel_id: str, uploads: list[_Upload], descriptors: Any) -> list[dict[str, Any]]:
        by_index = {str(d.get("id")): d for d in descriptors or [] if isinstance(d, dict)}
        result = []
        for position, upload in enumerate(uploads):
            index_match = _FILE_FIELD.fullmatch(upload.field)
            index = index_match.group(1) if index_match and index_match.group(1) else str(position)
            descriptor = by_index.get(index, {})
            attachment_id = self._new_id()
            filename = descriptor.get("filename") or upload.filename
            self._attachments[attachment_id] = (upload.data, upload.content_type)
            url = f"{self.url}/attachments/{channel_id}/{attachment_id}/{quote(filename)}"
            attachment = {
                "id": attachment_id,
                "filename": filename,
                "size": len(upload.data),
                "url": url,
                "proxy_url": url,
                "content_type": upload.content_type,
            }
            if descriptor.get("description"):
                attachment["description"] = descriptor["description"]
            result.append(attachment)
        return result

    def _new_message(
        self,
        channel_id: str,
        author: dict[str, Any],
        body: dict[str, Any],
        uploads: list[_Upload],
        *,
        created_at: datetime | None = None,
        message_type: int = 0,
        webhook: bool = False,
    ) -> dict[str, Any]:
        self._check_content(body)
        content = body.get("content") or ""
        mentions, mention_roles, everyone = self._mentions(content, body.get("allowed_mentions"))
        message_id = self._new_id(created_at)
        message: dict[str, Any] = {
            "id": message_id,
            "type": message_type,
            "content": content,
            "channel_id": channel_id,
            "author": copy.deepcopy(author),
            "attachments": self._make_attachments(channel_id, uploads, body.get("attachments")),
            "embeds": [{"type": "rich", **e} for e in body.get("embeds") or [] if isinstance(e, dict)],
            "mentions": mentions,
            "mention_roles": mention_roles,
            "pinned": False,
            "mention_everyone": everyone,
            "tts": bool(body.get("tts", False)),
            "timestamp": _iso(created_at or snowflake_time(message_id)),
            "edited_timestamp": None,
            "flags": int(body.get("flags") or 0),
            "components": copy.deepcopy(body.get("components") or []),
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if webhook:
            message["webhook_id"] = self.application_id
            message["application_id"] = self.application_id
        reference = body.get("message_reference")
        if isinstance(reference, dict) and reference.get("message_id") is not None:
            self._attach_reference(message, reference)
        return message

    def _attach_reference(self, message: dict[str, Any], reference: dict[str, Any]) -> None:
        ref_channel = str(reference.get("channel_id") or message["channel_id"])
        ref_id = str(reference["message_id"])
        target = self._messages.get(ref_channel, {}).get(ref_id)
        if target is None and reference.get("fail_if_not_exists", True):
            raise _form_error("message_reference", "Unknown message", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE")
        message["type"] = 19
        message["message_reference"] = {
            "type": 0,
            "message_id": ref_id,
            "channel_id": ref_channel,
            "guild_id": self._channels.get(ref_channel, {}).get("guild_id"),
        }
        if target is not None:
            snapshot = copy.deepcopy(target)
            snapshot.pop("referenced_message", None)
            message["referenced_message"] = snapshot
        else:
            message["referenced_message"] = None

    def _store_message(self, message: dict[str, Any]) -> None:
        channel_id = message["channel_id"]
        self._messages.setdefault(channel_id, {})[message["id"]] = message
        channel = self._channels.get(channel_id)
        if channel is not None and int(message["id"]) > int(channel.get("last_message_id") or 0):
            channel["last_message_id"] = message["id"]

    def _apply_edit(self, message: dict[str, Any], body: dict[str, Any], uploads: list[_Upload]) -> None:
        """Edit ``message`` in place (it may be shared by a channel and an interaction), all or nothing."""
        self._check_content(body)
        draft = copy.deepcopy(message)
        if "content" in body:
            draft["content"] = body["content"] or ""
            mentions, roles, everyone = self._mentions(draft["content"], body.get("allowed_mentions"))
            draft.update(mentions=mentions, mention_roles=roles, mention_everyone=everyone)
        if "embeds" in body:
            draft["embeds"] = [{"type": "rich", **e} for e in body["embeds"] or [] if isinstance(e, dict)]
        if "components" in body:
            draft["components"] = copy.deepcopy(body["components"] or [])
        if body.get("flags") is not None:
            draft["flags"] = int(body["flags"]) | (draft["flags"] & FLAG_EPHEMERAL)
        if isinstance(body.get("attachments"), list):
            existing = {a["id"]: a for a in draft["attachments"]}
            wanted = [str(d.get("id")) for d in body["attachments"] if isinstance(d, dict)]
            draft["attachments"] = [existing[i] for i in wanted if i in existing]
        if uploads:
            draft["attachments"] += self._make_attachments(draft["channel_id"], uploads, body.get("attachments"))
        draft["flags"] &= ~FLAG_LOADING
        self._check_not_empty(draft)
        draft["edited_timestamp"] = _iso(_utcnow())
        message.clear()
        message.update(draft)

    def _delete_message(self, channel_id: str, message_id: str) -> None:
        self._messages.get(channel_id, {}).pop(message_id, None)
        self._pinned_at.pop(message_id, None)
        for interaction in self._interactions.values():
            interaction.messages.pop(message_id, None)

    # ------------------------------------------------------------------ routes: users, gateway

    def _get_me(self, request: _Request) -> tuple[int, Any]:
        me = dict(self._users[self.bot_user_id])
        me.update(verified=True, mfa_enabled=False, locale="en-US", flags=0, email=None)
        return 200, me

    def _get_application(self, request: _Request) -> tuple[int, Any]:
        return 200, {
            "id": self.application_id,
            "name": self.bot_username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot": self._users[self.bot_user_id],
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self._user_payload("1", "owner"),
            "team": None,
            "flags": 0,
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
        }

    def _get_gateway(self, request: _Request) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    def _get_gateway_bot(self, request: _Request) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 14_400_000, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": self.shards, "session_start_limit": limit}

    def _create_dm(self, request: _Request) -> tuple[int, Any]:
        body = request.body()
        if "recipient_id" not in body:
            raise _form_error("recipient_id", "This field is required", "BASE_TYPE_REQUIRED")
        user_id = _snowflake_arg(body["recipient_id"], "recipient_id")
        channel_id = self._dm_channels.get(user_id)
        if channel_id is None:
            channel = self._make_channel(None, {"type": 1, "recipients": [self._user(user_id)]})
            self._dm_channels[user_id] = channel["id"]
            channel_id = channel["id"]
        return 200, self._channels[channel_id]

    # ------------------------------------------------------------------ routes: channels, messages

    def _get_channel(self, request: _Request, channel_id: str) -> tuple[int, Any]:
        return 200, self._require_channel(channel_id)

    def _delete_channel(self, request: _Request, channel_id: str) -> tuple[int, Any]:
        channel = self._require_channel(channel_id)
        for message_id in list(self._messages.get(channel_id, {})):
            self._delete_message(channel_id, message_id)
        del self._channels[channel_id]
        self._messages.pop(channel_id, None)
        self._dm_channels = {u: c for u, c in self._dm_channels.items() if c != channel_id}
        return 200, channel

    def _typing(self, request: _Request, channel_id: str) -> tuple[int, Any]:
        self._require_channel(channel_id)
        return 204, None

    def _create_message(self, request: _Request, channel_id: str) -> tuple[int, Any]:
        channel = self._require_channel(channel_id)
        if channel["type"] in (4, 15, 16):
            raise APIError(400, 50008, "Cannot send messages in a non-text channel")
        if channel["type"] == 1 and any(r["id"] in self._closed_dms for r in channel.get("recipients", [])):
            raise APIError(403, 50007, "Cannot send messages to this user")
        body = request.body()
        nonce = body.get("nonce")
        if nonce is not None and len(str(nonce)) > 25:
            raise _form_error("nonce", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        now = _utcnow()
        nonce_key = (channel_id, self.bot_user_id, str(nonce))
        if nonce is not None and body.get("enforce_nonce"):
            previous = self._nonces.get(nonce_key)
            if previous is not None and now - previous[1] <= NONCE_WINDOW:
                existing = self._messages[channel_id].get(previous[0])
                if existing is not None:
                    return 200, existing
        message = self._new_message(channel_id, self._users[self.bot_user_id], body, request.files)
        self._check_not_empty(message)
        self._store_message(message)
        if nonce is not None:
            self._nonces[nonce_key] = (message["id"], now)
        return 200, message

    def _history(self, request: _Request, channel_id: str) -> tuple[int, Any]:
        self._require_channel(channel_id)
        limit = _int_arg(request.query.get("limit"), "limit", 50, 1, 100)
        messages = self._sorted_messages(channel_id)
        query = request.query
        if "around" in query:
            pivot = int(_snowflake_arg(query["around"], "around"))
            newer = [m for m in messages if int(m["id"]) > pivot][: limit // 2]
            older = [m for m in messages if int(m["id"]) <= pivot]
            page = older[-(limit - len(newer)) :] + newer
        elif "before" in query:
            pivot = int(_snowflake_arg(query["before"], "before"))
            older = [m for m in messages if int(m["id"]) < pivot]
            page = older[max(0, len(older) - limit) :]
        elif "after" in query:
            pivot = int(_snowflake_arg(query["after"], "after"))
            page = [m for m in messages if int(m["id"]) > pivot][:limit]
        else:
            page = messages[max(0, len(messages) - limit) :]
        return 200, list(reversed(page))

    def _get_message(self, request: _Request, channel_id: str, message_id: str) -> tuple[int, Any]:
        return 200, self._require_message(channel_id, message_id)

    def _edit_message(self, request: _Request, channel_id: str, message_id: str) -> tuple[int, Any]:
        message = self._require_message(channel_id, message_id)
        body = request.body()
        if message["author"]["id"] != self.bot_user_id and (set(body) - {"flags"} or request.files):
            raise APIError(403, 50005, "Cannot edit a message authored by another user")
        self._apply_edit(message, body, request.files)
        return 200, message

    def _delete_message_route(self, request: _Request, channel_id: str, message_id: str) -> tuple[int, Any]:
        self._require_message(channel_id, message_id)
        self._delete_message(channel_id, message_id)
        return 204, None

    def _bulk_delete(self, request: _Request, channel_id: str) -> tuple[int, Any]:
        self._require_channel(channel_id)
        ids = request.body().get("messages")
        if not isinstance(ids, list) or not 2 <= len(ids) <= 100:
            raise _form_error("messages", "Must be between 2 and 100 in length.", "BASE_TYPE_BAD_LENGTH")
        snowflakes = [_snowflake_arg(value, f"messages.{i}") for i, value in enumerate(ids)]
        if len(set(snowflakes)) != len(snowflakes):
            raise _form_error("messages", "Duplicate messages are not allowed.", "BASE_TYPE_BAD_VALUE")
        cutoff = _utcnow() - BULK_DELETE_MAX_AGE
        if any(snowflake_time(s) < cutoff for s in snowflakes):
            raise APIError(400, 50034, "You can only bulk delete messages that are under 14 days old.")
        for snowflake in snowflakes:
            self._delete_message(channel_id, snowflake)
        return 204, None

    def _pinned(self, channel_id: str) -> list[tuple[datetime, dict[str, Any]]]:
        pinned = [(self._pinned_at[m["id"]], m) for m in self._sorted_messages(channel_id) if m["pinned"]]
        return sorted(pinned, key=lambda item: item[0], reverse=True)

    def _pins(self, request: _Request, channel_id: str) -> tuple[int, Any]:
        self._require_channel(channel_id)
        limit = _int_arg(request.query.get("limit"), "limit", 50, 1, 50)
        pinned = self._pinned(channel_id)
        if "before" in request.query:
            try:
                before = datetime.fromisoformat(request.query["before"])
            except ValueError:
                raise _form_error(
                    "before", "Could not interpret value as a datetime.", "DATE_TIME_TYPE_PARSE"
                ) from None
            pinned = [item for item in pinned if item[0] < before]
        items = [{"pinned_at": _iso(at), "message": message} for at, message in pinned[:limit]]
        return 200, {"items": items, "has_more": len(pinned) > limit}

    def _legacy_pins(self, request: _Request, channel_id: str) -> tuple[int, Any]:
        self._require_channel(channel_id)
        return 200, [message for _, message in self._pinned(channel_id)]

    def _pin(self, request: _Request, channel_id: str, message_id: str) -> tuple[int, Any]:
        message = self._require_message(channel_id, message_id)
        if not message["pinned"]:
            if len(self._pinned(channel_id)) >= MAX_PINS:
                raise APIError(400, 30003, f"Maximum number of pins reached ({MAX_PINS})")
            message["pinned"] = True
            self._pinned_at[message_id] = _utcnow()
        return 204, None

    def _unpin(self, request: _Request, channel_id: str, message_id: str) -> tuple[int, Any]:
        message = self._require_message(channel_id, message_id)
        message["pinned"] = False
        self._pinned_at.pop(message_id, None)
        return 204, None

    # ------------------------------------------------------------------ routes: guilds

    def _require_guild(self, guild_id: str) -> dict[str, Any]:
        guild = self._guilds.get(guild_id)
        if guild is None:
            raise _unknown("Guild", 10004)
        return guild

    def _guild_channels(self, request: _Request, guild_id: str) -> tuple[int, Any]:
        self._require_guild(guild_id)
        return 200, [c for c in self._channels.values() if c.get("guild_id") == guild_id]

    def _create_guild_channel(self, request: _Request, guild_id: str) -> tuple[int, Any]:
        self._require_guild(guild_id)
        body = request.body()
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise _form_error("name", "Must be between 1 and 100 in length.", "BASE_TYPE_BAD_LENGTH")
        channel_type = body.get("type", 0)
        if channel_type not in (0, 2, 4, 5, 13, 15, 16):
            raise _form_error("type", "Value must be one of {0, 2, 4, 5, 13, 15, 16}.", "BASE_TYPE_CHOICES")
        parent_id = body.get("parent_id")
        if parent_id is not None:
            parent = self._channels.get(str(parent_id))
            if parent is None or parent.get("guild_id") != guild_id or parent["type"] != 4:
                raise _form_error("parent_id", "Category does not exist", "CHANNEL_PARENT_INVALID")
        fields = {k: v for k, v in body.items() if k not in ("name", "type")}
        fields.update(name=name, type=channel_type)
        return 201, self._make_channel(guild_id, fields)

    def _guild_roles(self, request: _Request, guild_id: str) -> tuple[int, Any]:
        self._require_guild(guild_id)
        return 200, list(self._roles[guild_id].values())

    def _require_member(self, guild_id: str, user_id: str, *, create: bool = False) -> dict[str, Any]:
        self._require_guild(guild_id)
        record = self._members[guild_id].get(user_id)
        if record is None and create and self.auto_create_members:
            record = {"user_id": user_id, "roles": [], "joined_at": _iso(_utcnow()), "nick": None}
            self._members[guild_id][user_id] = record
        if record is None:
            raise _unknown("Member", 10007)
        return record

    def _get_member(self, request: _Request, guild_id: str, user_id: str) -> tuple[int, Any]:
        return 200, self._member_payload(guild_id, self._require_member(guild_id, user_id))

    def _member_role_target(self, guild_id: str, user_id: str, role_id: str) -> dict[str, Any]:
        self._require_guild(guild_id)
        if role_id not in self._roles[guild_id] or role_id == guild_id:
            raise _unknown("Role", 10011)
        return self._require_member(guild_id, user_id, create=True)

    def _add_member_role(self, request: _Request, guild_id: str, user_id: str, role_id: str) -> tuple[int, Any]:
        record = self._member_role_target(guild_id, user_id, role_id)
        if role_id not in record["roles"]:
            record["roles"].append(role_id)
        return 204, None

    def _remove_member_role(self, request: _Request, guild_id: str, user_id: str, role_id: str) -> tuple[int, Any]:
        record = self._member_role_target(guild_id, user_id, role_id)
        if role_id in record["roles"]:
            record["roles"].remove(role_id)
        return 204, None

    # ------------------------------------------------------------------ routes: application commands

    def _check_application(self, application_id: str) -> None:
        if application_id != self.application_id:
            raise APIError(403, 20012, "You are not authorized to perform this action on this application")

    def _get_commands(self, request: _Request, application_id: str, guild_id: str | None = None) -> tuple[int, Any]:
        self._check_application(application_id)
        return 200, self._commands.get(guild_id, [])

    def _put_commands(self, request: _Request, application_id: str, guild_id: str | None = None) -> tuple[int, Any]:
        self._check_application(application_id)
        if not isinstance(request.json, list):
            raise _form_error("_root", "Must be an array.", "BASE_TYPE_ARRAY")
        previous = {(c["type"], c["name"]): c for c in self._commands.get(guild_id, [])}
        seen: set[tuple[int, str]] = set()
        result = []
        for index, raw in enumerate(request.json):
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
                raise _form_error(f"{index}.name", "This field is required", "BASE_TYPE_REQUIRED")
            command_type = int(raw.get("type") or 1)
            name = raw["name"]
            description = raw.get("description") or ""
            if command_type == 1:
                if not _COMMAND_NAME.fullmatch(name) or name != name.lower():
                    raise _form_error(f"{index}.name", "Command name is invalid", "APPLICATION_COMMAND_INVALID_NAME")
                if not 1 <= len(description) <= 100:
                    raise _form_error(
                        f"{index}.description", "Must be between 1 and 100 in length.", "BASE_TYPE_BAD_LENGTH"
                    )
            if (command_type, name) in seen:
                raise _form_error(
                    f"{index}.name", "Application command names must be unique", "APPLICATION_COMMANDS_DUPLICATE_NAME"
                )
            seen.add((command_type, name))
            old = previous.get((command_type, name))
            command = {
                "id": old["id"] if old else self._new_id(),
                "application_id": self.application_id,
                "version": self._new_id(),
                "default_member_permissions": raw.get("default_member_permissions"),
                "type": command_type,
                "name": name,
                "name_localizations": raw.get("name_localizations"),
                "description": description,
                "description_localizations": raw.get("description_localizations"),
                "contexts": raw.get("contexts"),
                "integration_types": raw.get("integration_types") or [0],
                "nsfw": bool(raw.get("nsfw", False)),
            }
            if guild_id is None:
                command["dm_permission"] = raw.get("dm_permission", True)
            else:
                command["guild_id"] = guild_id
            if raw.get("options"):
                command["options"] = copy.deepcopy(raw["options"])
            result.append(command)
        if sum(1 for c in result if c["type"] == 1) > 100:
            raise APIError(400, 30032, "Maximum number of application commands reached (100)")
        self._commands[guild_id] = result
        return 200, result

    # ------------------------------------------------------------------ routes: interactions and webhooks

    def _interaction_message(
        self, interaction: _Interaction, data: dict[str, Any], uploads: list[_Upload], *, allow_empty: bool = False
    ) -> dict[str, Any]:
        """Create an interaction response or follow-up (also put in the channel when real and public)."""
        message_type = 20 if interaction.type == 2 else 0
        message = self._new_message(
            interaction.channel_id,
            self._users[self.bot_user_id],
            data,
            uploads,
            message_type=message_type,
            webhook=True,
        )
        if not allow_empty:
            self._check_not_empty(message)
        message.pop("nonce", None)
        interaction.messages[message["id"]] = message
        if interaction.channel_id in self._channels and not message["flags"] & FLAG_EPHEMERAL:
            self._store_message(message)
        return message

    def _callback(self, request: _Request, interaction_id: str, token: str) -> tuple[int, Any]:
        body = request.body()
        callback_type = body.get("type")
        interaction = self._interactions.get(interaction_id)
        if interaction is None:
            inferred = 3 if callback_type in (6, 7) else 4 if callback_type == 8 else 2
            self.add_interaction(interaction_id, token, type=inferred)
            interaction = self._interactions[interaction_id]
        elif interaction.token != token:
            raise APIError(404, 10062, "Unknown interaction")
        interaction.responses.append(copy.deepcopy(body))
        if interaction.acknowledged:
            raise APIError(400, 40060, "Interaction has already been acknowledged.")
        data = body.get("data") or {}
        if not isinstance(data, dict):
            raise _form_error("data", "Must be an object.", "DICT_TYPE_CONVERT")
        message: dict[str, Any] | None = None
        resource: dict[str, Any] = {"type": callback_type}
        if callback_type in (4, 5):
            if callback_type == 5:
                data = {"content": "", "flags": (int(data.get("flags") or 0) & FLAG_EPHEMERAL) | FLAG_LOADING}
            message = self._interaction_message(interaction, data, request.files, allow_empty=callback_type == 5)
            interaction.original_id = message["id"]
        elif callback_type in (6, 7):
            ref = interaction.message_ref
            target = self._messages.get(ref[0], {}).get(ref[1]) if ref else None
            if target is not None:
                if callback_type == 7:
                    self._apply_edit(target, data, request.files)
                interaction.messages[target["id"]] = target
                interaction.original_id = target["id"]
                message = target
        elif callback_type == 9:
            for field in ("custom_id", "title", "components"):
                if not data.get(field):
                    raise _form_error(f"data.{field}", "This field is required", "BASE_TYPE_REQUIRED")
        elif callback_type == 12:
            resource["activity_instance"] = {"id": secrets.token_hex(8)}
        elif callback_type not in (1, 8):
            raise _form_error("type", "Value must be one of {1, 4, 5, 6, 7, 8, 9, 12}.", "BASE_TYPE_CHOICES")
        interaction.acknowledged = True
        if not _truthy(request.query.get("with_response")):
            return 204, None
        summary: dict[str, Any] = {
            "id": interaction.id,
            "type": interaction.type,
            "response_message_loading": callback_type == 5,
            "response_message_ephemeral": bool(message and message["flags"] & FLAG_EPHEMERAL),
        }
        if message is not None:
            summary["response_message_id"] = message["id"]
            resource["message"] = message
        if callback_type == 12:
            summary["activity_instance_id"] = resource["activity_instance"]["id"]
        return 200, {"interaction": summary, "resource": resource}

    def _webhook_interaction(self, application_id: str, token: str) -> _Interaction:
        interaction = self._tokens.get(token)
        if application_id != self.application_id or interaction is None or not interaction.acknowledged:
            raise _unknown("Webhook", 10015)
        return interaction

    def _webhook_message(self, application_id: str, token: str, message_id: str) -> dict[str, Any]:
        interaction = self._webhook_interaction(application_id, token)
        if message_id == "@original":
            message_id = interaction.original_id or ""
        message = interaction.messages.get(message_id)
        if message is None:
            raise _unknown("Message", 10008)
        return message

    def _execute_webhook(self, request: _Request, application_id: str, token: str) -> tuple[int, Any]:
        interaction = self._webhook_interaction(application_id, token)
        message = self._interaction_message(interaction, request.body(), request.files)
        interaction.followup_ids.append(message["id"])
        return (200, message) if _truthy(request.query.get("wait")) else (204, None)

    def _get_webhook_message(
        self, request: _Request, application_id: str, token: str, message_id: str
    ) -> tuple[int, Any]:
        return 200, self._webhook_message(application_id, token, message_id)

    def _edit_webhook_message(
        self, request: _Request, application_id: str, token: str, message_id: str
    ) -> tuple[int, Any]:
        message = self._webhook_message(application_id, token, message_id)
        self._apply_edit(message, request.body(), request.files)
        return 200, message

    def _delete_webhook_message(
        self, request: _Request, application_id: str, token: str, message_id: str
    ) -> tuple[int, Any]:
        message = self._webhook_message(application_id, token, message_id)
        self._delete_message(message["channel_id"], message["id"])
        return 204, None


def _json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> web.Response:
    """A response with the exact ``application/json`` content type discord.py requires."""
    if status == 204 or payload is None:
        return web.Response(status=status, headers=headers)
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(status=status, body=json.dumps(payload).encode(), headers=all_headers)


async def _read_body(request: web.Request) -> tuple[Any, list[_Upload], APIError | None]:
    """Parse a JSON or multipart (``payload_json`` + files) body; never raises."""
    uploads: list[_Upload] = []
    try:
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            fields: dict[str, str] = {}
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                data = await part.read(decode=True)  # type: ignore[union-attr]
                name = part.name or ""
                if name == "payload_json":
                    payload = json.loads(data)
                elif part.filename is not None:
                    content_type = part.headers.get("Content-Type", "application/octet-stream")
                    uploads.append(_Upload(name, part.filename, content_type, bytes(data)))
                else:
                    fields[name] = data.decode()
            return (payload if payload is not None else fields or None), uploads, None
        raw = await request.read()
        if not raw:
            return None, uploads, None
        if request.content_type == "application/json":
            return json.loads(raw), uploads, None
        return None, uploads, None
    except (ValueError, UnicodeDecodeError):
        return None, uploads, APIError(400, 50109, "The request body contains invalid JSON.")
