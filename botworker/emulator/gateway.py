"""The gateway (websocket) half of the Discord emulator: gateway v10, JSON encoding, as discord.py 2.7.1 speaks it.

:class:`GatewayEmulator` is owned by :class:`~botworker.emulator.rest.DiscordEmulator`: it is served by
the same aiohttp application on ``ws://127.0.0.1:<port>/gateway`` and reads the same users, guilds,
roles, members, channels and messages as the REST routes, so what a bot sees over the gateway
agrees with what it fetches over REST. Point discord.py at both halves with::

    discord.http.Route.BASE = emu.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)

(a plain ``discord.Client`` connects to ``DEFAULT_GATEWAY``; ``AutoShardedClient`` asks
``GET /gateway/bot``, which answers with the same URL and ``DiscordEmulator(shards=N)`` shards).

What a connection gets, in order:

* HELLO (op 10) with ``heartbeat_interval`` (``DiscordEmulator(heartbeat_interval_ms=...)``).
* Transport compression as asked in the URL query: ``compress=zlib-stream`` (one zlib stream per
  connection, every payload flushed with ``Z_SYNC_FLUSH`` so each binary frame ends with
  ``00 00 ff ff``), ``compress=zstd-stream`` (one zstd stream, each payload flushed as a block;
  only when ``zstandard`` or ``compression.zstd`` is importable, which is exactly when discord.py
  asks for it) or none (text frames). ``encoding`` must be ``json``, ``v`` 10 when given.
* IDENTIFY (op 2): the token (``Bot `` prefix optional) must be the emulator's, else close 4004;
  ``intents`` must be an integer of known bits, else 4013; ``shard`` ``[id, count]`` (default
  ``[0, 1]``) needs ``0 <= id < count``, else 4010. Then READY (``guilds`` lists the shard's guilds,
  ``(guild_id >> 22) % count == id``, as unavailable) and one GUILD_CREATE per guild, built from the
  REST state (members: the bot's own member always; every known member too only with the
  GUILD_PRESENCES intent in a guild that is not "large" for the IDENTIFY's ``large_threshold``, as
  on Discord, so a client with GUILD_MEMBERS alone chunks the guild with op 8).
* RESUME (op 6): replays every dispatch the session was sent (or that was buffered while it had
  no connection) after the client's ``seq``, then RESUMED; an unknown, invalidated or expired
  session gets INVALID_SESSION (op 9, ``d: false``); a ``seq`` ahead of the session closes 4007.
* HEARTBEAT (op 1) is answered with HEARTBEAT_ACK (op 11); PRESENCE_UPDATE (op 3), VOICE_STATE_UPDATE
  (op 4), REQUEST_GUILD_MEMBERS (op 8, answered with GUILD_MEMBERS_CHUNKs) and REQUEST_SOUNDBOARD_SOUNDS
  (op 31) need an identified connection (else close 4003); any other op closes 4001, a payload that
  is not a JSON object with an integer ``op`` closes 4002, a second IDENTIFY/RESUME closes 4005.

Sessions. A session record follows one client across reconnects: RESUME continues it; an IDENTIFY
for a shard continues that shard's newest record that has no live connection (the same client
coming back: ``identify_count`` grows, the session id changes and the old one can no longer be
resumed), and only starts a new record when every record of the shard is connected (a second
client on the same shard, which Discord allows). A session is invalidated (never resumable again,
dispatches no longer buffered) by INVALID_SESSION ``false``, by a close code that ends sessions on
Discord (4004, 4007, 4009-4014) and by the client closing with 1000 or 1001, as on Discord.
(discord.py 2.7.1's ``Client.close()`` actually closes with 4000: its reading task answers the
close first, so a closed client's session stays resumable, here as on Discord.)

Dispatches go to the sessions that Discord would send them to: the shard owning ``guild_id``
(``id`` for GUILD_* events about the guild itself), shard 0 for direct-message events without a
guild (Discord sends DMs to shard 0 only), every shard otherwise; only to sessions whose intents
cover the event (a guild MESSAGE_CREATE needs GUILD_MESSAGES, a DM one DIRECT_MESSAGES, ...;
events without an intent, such as INTERACTION_CREATE, always go); and, without MESSAGE_CONTENT, a
guild message that neither mentions nor comes from the bot arrives with empty ``content``,
``embeds``, ``attachments``, ``components`` and no ``poll``.

Not emulated: ETF encoding, payload compression (IDENTIFY's ``compress`` flag is ignored, as the
transport compression makes Discord ignore it), voice (op 4 is only recorded), other users'
presences, closing clients that stop heartbeating, session start limits and rate limits on
client ops.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import enum
import json
import logging
import secrets
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Coroutine, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from botworker.emulator.rest import DiscordEmulator

__all__ = [
    "DEFAULT_HEARTBEAT_INTERVAL_MS",
    "GATEWAY_PATH",
    "CloseCode",
    "GatewayClose",
    "GatewayEmulator",
    "GatewayEvent",
    "GatewaySession",
    "Intent",
    "Op",
    "PresenceUpdate",
]

_log = logging.getLogger(__name__)

GATEWAY_PATH = "/gateway"
GATEWAY_VERSION = 10
DEFAULT_HEARTBEAT_INTERVAL_MS = 41_250
REPLAY_BUFFER_SIZE = 10_000  # dispatches kept per session for RESUME; older ones make the session unresumable
MEMBER_CHUNK_SIZE = 1000  # Discord puts at most 1000 members in one GUILD_MEMBERS_CHUNK
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024  # bytes a guild without boosts accepts (interactions carry it)
MAX_MESSAGE_SIZE = 16 * 1024 * 1024
CALL_TIMEOUT = 10.0  # seconds a call from the test thread waits for the emulator's loop
CLOSE_TIMEOUT = 2.0  # seconds a closing handshake waits for the client's close frame
ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 53) - 1  # every permission bit Discord defines today is below 1 << 53
DEFAULT_AUTHOR_ID = "100000000000000042"
_DISCORD_EPOCH_MS = 1_420_070_400_000
_TRACE = ['["guildhall-discord-emulator",{"micros":0}]']


class Op(enum.IntEnum):
    """Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes)."""

    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    VOICE_STATE_UPDATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11
    REQUEST_SOUNDBOARD_SOUNDS = 31


class CloseCode(enum.IntEnum):
    """Gateway close codes and what discord.py 2.7.1 does with them (see ``DiscordWebSocket._can_handle_close``)."""

    UNKNOWN_ERROR = 4000  # discord.py resumes
    UNKNOWN_OPCODE = 4001  # resumes
    DECODE_ERROR = 4002  # resumes
    NOT_AUTHENTICATED = 4003  # resumes
    AUTHENTICATION_FAILED = 4004  # fatal: ConnectionClosed
    ALREADY_AUTHENTICATED = 4005  # resumes
    INVALID_SEQ = 4007  # resumes (the emulator then answers INVALID_SESSION)
    RATE_LIMITED = 4008  # resumes
    SESSION_TIMED_OUT = 4009  # resumes (the emulator then answers INVALID_SESSION)
    INVALID_SHARD = 4010  # fatal
    SHARDING_REQUIRED = 4011  # fatal
    INVALID_API_VERSION = 4012  # fatal
    INVALID_INTENTS = 4013  # fatal
    DISALLOWED_INTENTS = 4014  # fatal: PrivilegedIntentsRequired


_CLOSE_REASONS = {
    1000: "Normal closure.",
    1001: "Going away.",
    CloseCode.UNKNOWN_ERROR: "Unknown error.",
    CloseCode.UNKNOWN_OPCODE: "Unknown opcode.",
    CloseCode.DECODE_ERROR: "Decode error.",
    CloseCode.NOT_AUTHENTICATED: "Not authenticated.",
    CloseCode.AUTHENTICATION_FAILED: "Authentication failed.",
    CloseCode.ALREADY_AUTHENTICATED: "Already authenticated.",
    CloseCode.INVALID_SEQ: "Invalid seq.",
    CloseCode.RATE_LIMITED: "Rate limited.",
    CloseCode.SESSION_TIMED_OUT: "Session timed out.",
    CloseCode.INVALID_SHARD: "Invalid shard.",
    CloseCode.SHARDING_REQUIRED: "Sharding required.",
    CloseCode.INVALID_API_VERSION: "Invalid API version.",
    CloseCode.INVALID_INTENTS: "Invalid intent(s).",
    CloseCode.DISALLOWED_INTENTS: "Disallowed intent(s).",
}

# Close codes after which Discord will not resume the session (the client must IDENTIFY again).
_SESSION_ENDING_CODES = frozenset({4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014})
# A client closing with these ends its session on Discord (the bot goes offline at once).
_CLIENT_ENDING_CODES = frozenset({1000, 1001})
_ABNORMAL_CLOSURE = 1006


class Intent(enum.IntFlag):
    """Gateway intents (https://discord.com/developers/docs/events/gateway#gateway-intents)."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MODERATION = 1 << 2
    GUILD_EXPRESSIONS = 1 << 3
    GUILD_INTEGRATIONS = 1 << 4
    GUILD_WEBHOOKS = 1 << 5
    GUILD_INVITES = 1 << 6
    GUILD_VOICE_STATES = 1 << 7
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    DIRECT_MESSAGE_TYPING = 1 << 14
    MESSAGE_CONTENT = 1 << 15
    GUILD_SCHEDULED_EVENTS = 1 << 16
    AUTO_MODERATION_CONFIGURATION = 1 << 20
    AUTO_MODERATION_EXECUTION = 1 << 21
    GUILD_MESSAGE_POLLS = 1 << 24
    DIRECT_MESSAGE_POLLS = 1 << 25


ALL_INTENTS = 0
for _intent in Intent:
    ALL_INTENTS |= _intent.value


def _event_intents() -> dict[str, tuple[int, int]]:
    """Event name -> (intent needed in a guild, intent needed outside one; 0: never sent outside a guild)."""
    groups: list[tuple[int, int, str]] = [
        (
            Intent.GUILDS,
            0,
            "GUILD_CREATE GUILD_UPDATE GUILD_DELETE GUILD_ROLE_CREATE GUILD_ROLE_UPDATE GUILD_ROLE_DELETE"
            " CHANNEL_CREATE CHANNEL_UPDATE CHANNEL_DELETE THREAD_CREATE THREAD_UPDATE THREAD_DELETE"
            " THREAD_LIST_SYNC THREAD_MEMBER_UPDATE STAGE_INSTANCE_CREATE STAGE_INSTANCE_UPDATE STAGE_INSTANCE_DELETE",
        ),
        (Intent.GUILDS, Intent.DIRECT_MESSAGES, "CHANNEL_PINS_UPDATE"),
        (Intent.GUILD_MEMBERS, 0, "GUILD_MEMBER_ADD GUILD_MEMBER_UPDATE GUILD_MEMBER_REMOVE THREAD_MEMBERS_UPDATE"),
        (Intent.GUILD_MODERATION, 0, "GUILD_AUDIT_LOG_ENTRY_CREATE GUILD_BAN_ADD GUILD_BAN_REMOVE"),
        (
            Intent.GUILD_EXPRESSIONS,
            0,
            "GUILD_EMOJIS_UPDATE GUILD_STICKERS_UPDATE GUILD_SOUNDBOARD_SOUND_CREATE GUILD_SOUNDBOARD_SOUND_UPDATE"
            " GUILD_SOUNDBOARD_SOUND_DELETE GUILD_SOUNDBOARD_SOUNDS_UPDATE",
        ),
        (
            Intent.GUILD_INTEGRATIONS,
            0,
            "GUILD_INTEGRATIONS_UPDATE INTEGRATION_CREATE INTEGRATION_UPDATE INTEGRATION_DELETE",
        ),
        (Intent.GUILD_WEBHOOKS, 0, "WEBHOOKS_UPDATE"),
        (Intent.GUILD_INVITES, 0, "INVITE_CREATE INVITE_DELETE"),
        (Intent.GUILD_VOICE_STATES, 0, "VOICE_STATE_UPDATE VOICE_CHANNEL_EFFECT_SEND"),
        (Intent.GUILD_PRESENCES, 0, "PRESENCE_UPDATE"),
        (
            Intent.GUILD_MESSAGES,
            Intent.DIRECT_MESSAGES,
            "MESSAGE_CREATE MESSAGE_UPDATE MESSAGE_DELETE MESSAGE_DELETE_BULK",
        ),
        (
            Intent.GUILD_MESSAGE_REACTIONS,
            Intent.DIRECT_MESSAGE_REACTIONS,
            "MESSAGE_REACTION_ADD MESSAGE_REACTION_REMOVE MESSAGE_REACTION_REMOVE_ALL MESSAGE_REACTION_REMOVE_EMOJI",
        ),
        (Intent.GUILD_MESSAGE_TYPING, Intent.DIRECT_MESSAGE_TYPING, "TYPING_START"),
        (
            Intent.GUILD_SCHEDULED_EVENTS,
            0,
            "GUILD_SCHEDULED_EVENT_CREATE GUILD_SCHEDULED_EVENT_UPDATE GUILD_SCHEDULED_EVENT_DELETE"
            " GUILD_SCHEDULED_EVENT_USER_ADD GUILD_SCHEDULED_EVENT_USER_REMOVE",
        ),
        (
            Intent.AUTO_MODERATION_CONFIGURATION,
            0,
            "AUTO_MODERATION_RULE_CREATE AUTO_MODERATION_RULE_UPDATE AUTO_MODERATION_RULE_DELETE",
        ),
        (Intent.AUTO_MODERATION_EXECUTION, 0, "AUTO_MODERATION_ACTION_EXECUTION"),
        (Intent.GUILD_MESSAGE_POLLS, Intent.DIRECT_MESSAGE_POLLS, "MESSAGE_POLL_VOTE_ADD MESSAGE_POLL_VOTE_REMOVE"),
    ]
    return {event: (int(guild), int(direct)) for guild, direct, events in groups for event in events.split()}


_EVENT_INTENTS = _event_intents()
# Events about the guild itself carry its id in ``id`` rather than ``guild_id``.
_GUILD_ITSELF_EVENTS = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})
# Discord sends events that happen outside any guild (DMs) to shard 0 only.
_SHARD_ZERO_EVENTS = frozenset(
    {
        "MESSAGE_CREATE",
        "MESSAGE_UPDATE",
        "MESSAGE_DELETE",
        "MESSAGE_REACTION_ADD",
        "MESSAGE_REACTION_REMOVE",
        "MESSAGE_REACTION_REMOVE_ALL",
        "MESSAGE_REACTION_REMOVE_EMOJI",
        "MESSAGE_POLL_VOTE_ADD",
        "MESSAGE_POLL_VOTE_REMOVE",
        "TYPING_START",
        "CHANNEL_CREATE",
        "CHANNEL_UPDATE",
        "CHANNEL_DELETE",
        "CHANNEL_PINS_UPDATE",
        "INTERACTION_CREATE",
    }
)
_CONTENT_EVENTS = frozenset({"MESSAGE_CREATE", "MESSAGE_UPDATE"})
_THREAD_TYPES = frozenset({10, 11, 12})


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _snowflake_iso(snowflake: str) -> str:
    return _iso(datetime.fromtimestamp(((int(snowflake) >> 22) + _DISCORD_EPOCH_MS) / 1000, UTC))


def _frame(op: int, d: Any = None) -> dict[str, Any]:
    """A non-dispatch payload (``s`` and ``t`` are always null outside op 0)."""
    return {"op": op, "d": d, "s": None, "t": None}


# ---------------------------------------------------------------------- snapshots handed to tests


@dataclasses.dataclass(frozen=True)
class GatewaySession:
    """What the emulator knows of one gateway session record at the time it was read.

    ``shard`` is ``(shard_id, shard_count)`` as IDENTIFY asked; ``connected``: a connection is
    attached that the emulator has not told to go away; ``ready``: that connection has been sent
    READY and the GUILD_CREATEs (or RESUMED); ``resumable``: the session still receives (or
    buffers) dispatches and accepts a RESUME; ``last_seq``: the ``s`` of the last dispatch;
    ``heartbeats``: op 1 received from the connections this session had (``last_heartbeat_at``
    is ``time.monotonic()``); ``compress``: the transport compression of the current or last
    connection.
    """

    session_id: str
    shard: tuple[int, int]
    intents: int
    connected: bool
    ready: bool
    resumable: bool
    identify_count: int
    resume_count: int
    last_seq: int
    heartbeats: int
    last_heartbeat_at: float | None
    compress: str | None
    large_threshold: int

    @property
    def shard_id(self) -> int:
        return self.shard[0]


@dataclasses.dataclass(frozen=True)
class PresenceUpdate:
    """A presence the bot set: op 3, or the ``presence`` of an IDENTIFY (``from_identify``).

    ``shard`` is the shard id; ``at`` is ``time.monotonic()``.
    """

    shard: int
    status: str | None
    activities: list[dict[str, Any]]
    since: int | None
    afk: bool
    at: float
    from_identify: bool = False


@dataclasses.dataclass(frozen=True)
class GatewayEvent:
    """One payload a client sent (``shard``: the shard id, None before IDENTIFY/RESUME)."""

    shard: int | None
    op: int
    d: Any
    at: float


@dataclasses.dataclass(frozen=True)
class GatewayClose:
    """A connection that ended: the code the emulator closed it with (``by_server``; 1006 for a
    dropped connection) or the one the client sent."""

    shard: int | None
    code: int
    reason: str
    by_server: bool
    at: float


# ---------------------------------------------------------------------- per-connection plumbing


class _Encoder:
    """Turns JSON text into a websocket message: text, or binary frames of one compression stream."""

    def __init__(self, kind: str | None) -> None:
        self.kind = kind
        self._compress: Callable[[bytes], bytes] | None = None
        if kind == "zlib-stream":
            stream = zlib.compressobj()
            # Z_SYNC_FLUSH ends every payload on a byte boundary with 00 00 ff ff, which is how
            # discord.py (and Discord's docs) find the end of a message in the stream.
            self._compress = lambda data: stream.compress(data) + stream.flush(zlib.Z_SYNC_FLUSH)
        elif kind == "zstd-stream":
            self._compress = _zstd_stream()
        elif kind is not None:
            raise ValueError(f"compress={kind!r} is not a transport compression Discord offers")

    def encode(self, text: str) -> str | bytes:
        return text if self._compress is None else self._compress(text.encode())


def _zstd_stream() -> Callable[[bytes], bytes]:
    """A zstd stream flushed per payload, from the module discord.py would decompress with."""
    try:
        import zstandard
    except ImportError:
        try:
            from compression import zstd  # Python 3.14+
        except ImportError:
            raise ValueError("compress=zstd-stream needs zstandard or compression.zstd") from None
        compressor = zstd.ZstdCompressor()
        return lambda data: compressor.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK)
    stream = zstandard.ZstdCompressor().compressobj()
    return lambda data: stream.compress(data) + stream.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)


@dataclasses.dataclass
class _Outgoing:
    frames: list[dict[str, Any]]
    close: tuple[int, str] | None
    done: asyncio.Future[bool]


class _Connection:
    """One websocket. Everything written to it goes through one queue and one writer task, so frames
    leave in the order they were posted (sequence numbers never arrive out of order) and the
    compression stream sees them in that order too."""

    def __init__(self, ws: web.WebSocketResponse, transport: asyncio.Transport | None, encoder: _Encoder) -> None:
        self.ws = ws
        self.transport = transport
        self.encoder = encoder
        self.session: _Session | None = None
        self.heartbeats = 0
        self.last_heartbeat_at: float | None = None
        # Told to go away (op 7, op 9, a close, a drop): no longer the session's live connection,
        # even before the client has actually closed it.
        self.retiring = False
        self.closed = False
        self.close_recorded = False
        self.closing: asyncio.Future[bool] | None = None
        self._outbox: asyncio.Queue[_Outgoing] = asyncio.Queue()
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())

    @property
    def shard(self) -> int | None:
        return self.session.shard_id if self.session is not None else None

    def post(self, frames: Iterable[dict[str, Any]]) -> asyncio.Future[bool]:
        """Queue payloads; the future says whether they were written (False: the peer is gone)."""
        return self._enqueue(list(frames), None)

    def post_close(self, code: int, reason: str) -> asyncio.Future[bool]:
        """Queue a close frame; the future resolves once the client answered it (or the wait timed out)."""
        self.closing = self._enqueue([], (code, reason))
        return self.closing

    def _enqueue(self, frames: list[dict[str, Any]], close: tuple[int, str] | None) -> asyncio.Future[bool]:
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if self.closed:
            done.set_result(False)
        else:
            self._outbox.put_nowait(_Outgoing(frames, close, done))
        return done

    async def _write_loop(self) -> None:
        while True:
            item = await self._outbox.get()
            written = False
            try:
                if item.close is not None:
                    await self.ws.close(code=item.close[0], message=item.close[1].encode())
                else:
                    for frame in item.frames:
                        message = self.encoder.encode(json.dumps(frame, separators=(",", ":")))
                        if isinstance(message, bytes):
                            await self.ws.send_bytes(message)
                        else:
                            await self.ws.send_str(message)
                written = True
            except (ConnectionError, RuntimeError):
                # The client went away; what it missed stays in the session's replay buffer.
                written = False
            finally:
                if not item.done.done():
                    item.done.set_result(written)

    def abort(self) -> None:
        """Close the TCP connection without a close frame (the client sees code 1006)."""
        self.retiring = True
        if self.transport is not None:
            self.transport.abort()

    async def finish(self) -> None:
        """Let a closing handshake in progress end, then stop the writer and fail whatever was still
        queued (called when the handler ends)."""
        if self.closing is not None and not self.closing.done():
            # Cancelling the writer in the middle of ws.close() would cut the handshake short.
            await asyncio.wait([self.closing], timeout=CLOSE_TIMEOUT + 1)
        self.closed = True
        self._writer.cancel()
        while not self._outbox.empty():
            item = self._outbox.get_nowait()
            if not item.done.done():
                item.done.set_result(False)


@dataclasses.dataclass
class _Session:
    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    large_threshold: int
    compress: str | None
    seq: int = 0
    buffer: deque[dict[str, Any]] = dataclasses.field(default_factory=lambda: deque(maxlen=REPLAY_BUFFER_SIZE))
    connection: _Connection | None = None
    ready: bool = False
    resumable: bool = True
    identify_count: int = 0
    resume_count: int = 0
    heartbeats: int = 0
    last_heartbeat_at: float | None = None

    def owns(self, guild_id: str) -> bool:
        return (int(guild_id) >> 22) % self.shard_count == self.shard_id

    def live(self) -> _Connection | None:
        conn = self.connection
        return conn if conn is not None and not conn.retiring and not conn.closed else None

    def stamp(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Number a dispatch for this session and keep it for a later RESUME."""
        self.seq += 1
        payload = {"op": Op.DISPATCH.value, "d": data, "s": self.seq, "t": event}
        self.buffer.append(payload)
        return payload

    def snapshot(self) -> GatewaySession:
        return GatewaySession(
            session_id=self.session_id,
            shard=(self.shard_id, self.shard_count),
            intents=self.intents,
            connected=self.live() is not None,
            ready=self.ready and self.live() is not None,
            resumable=self.resumable,
            identify_count=self.identify_count,
            resume_count=self.resume_count,
            last_seq=self.seq,
            heartbeats=self.heartbeats,
            last_heartbeat_at=self.last_heartbeat_at,
            compress=self.compress,
            large_threshold=self.large_threshold,
        )


# ---------------------------------------------------------------------- the gateway


class GatewayEmulator:
    """Discord's gateway for the clients of one :class:`DiscordEmulator` (see the module docstring).

    Connection handling runs on the emulator's event loop; the public methods are called from
    other threads (a test's), hand their work to that loop and wait until it is done, so when
    one returns its frames have been written to the sockets. State is guarded by the emulator's
    lock, shared with the REST routes, and everything returned is a copy.
    """

    def __init__(self, emulator: DiscordEmulator) -> None:
        self._emu = emulator
        self._lock = emulator._lock
        self._changed = threading.Condition(self._lock)
        self._connections: set[_Connection] = set()
        self._init_state()

    def _init_state(self) -> None:
        self._sessions: list[_Session] = []
        self._by_id: dict[str, _Session] = {}
        self._presences: list[PresenceUpdate] = []
        self._events: list[GatewayEvent] = []
        self._closes: list[GatewayClose] = []

    # ------------------------------------------------------------------ wiring and lifecycle

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:<port>/gateway`` (only while the emulator is started)."""
        return "ws" + self._emu.url.removeprefix("http") + GATEWAY_PATH

    def mount(self, app: web.Application) -> None:
        """Serve the gateway on ``app`` (call before adding catch-all routes) and drop connections on shutdown."""
        app.router.add_get(GATEWAY_PATH, self._handle)
        app.router.add_get(GATEWAY_PATH + "/", self._handle)
        app.on_shutdown.append(self._on_shutdown)

    async def _on_shutdown(self, app: web.Application) -> None:
        # Without this the server would wait its whole shutdown timeout for each open websocket.
        with self._lock:
            for conn in list(self._connections):
                self._drop(conn)

    def reset(self) -> None:
        """Drop every live connection and forget sessions, presences, events and closes.

        A client still running afterwards finds its session unknown when it resumes, gets
        INVALID_SESSION and identifies again."""
        if self._emu._loop is None or self._on_loop_thread():
            with self._lock:
                self._init_state()
                self._changed.notify_all()
            return
        self._call(self._reset_async())

    async def _reset_async(self) -> None:
        with self._lock:
            for conn in list(self._connections):
                conn.close_recorded = True  # a close after the reset must not show up in the new state
                conn.abort()
            self._init_state()
            self._changed.notify_all()

    def _on_loop_thread(self) -> bool:
        return threading.current_thread() is self._emu._thread

    def _call(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coro`` on the emulator's loop and wait for its result."""
        loop = self._emu._loop
        if loop is None:
            coro.close()
            raise RuntimeError("the Discord emulator is not started")
        if self._on_loop_thread():
            coro.close()
            raise RuntimeError("gateway methods block; call them from another thread than the emulator's loop")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=CALL_TIMEOUT)

    # ------------------------------------------------------------------ inspection

    @property
    def sessions(self) -> list[GatewaySession]:
        """Every session record, oldest first."""
        with self._lock:
            return [session.snapshot() for session in self._sessions]

    @property
    def presences(self) -> list[PresenceUpdate]:
        """Every presence the bot set (op 3 and IDENTIFY presences), in arrival order."""
        with self._lock:
            return copy.deepcopy(self._presences)

    @property
    def events(self) -> list[GatewayEvent]:
        """Every payload clients sent (heartbeats included), in arrival order."""
        with self._lock:
            return copy.deepcopy(self._events)

    @property
    def closes(self) -> list[GatewayClose]:
        """Every connection end: the emulator's close codes and drops, and the clients' close codes."""
        with self._lock:
            return list(self._closes)

    def wait_for_ready(self, timeout: float = 10.0, shard_id: int | None = None) -> GatewaySession:
        """Block until a connected session (of ``shard_id``, or of any shard) has been sent READY and
        its GUILD_CREATEs, or RESUMED, on its current connection, and return it.

        A session stops being ready as soon as the emulator drops it or tells it to go away
        (``drop``, ``send_reconnect``, ``send_invalid_session``, ``close``), so calling this after
        one of those waits for the client to come back. It says nothing of whether the client has
        processed the frames yet (discord.py fires ``on_ready`` ``guild_ready_timeout`` seconds
        after the last GUILD_CREATE). Raises TimeoutError listing the sessions and recent closes.
        """
        if self._on_loop_thread():
            raise RuntimeError("wait_for_ready() would block the emulator's own loop")

        def find() -> _Session | None:
            for session in self._sessions:
                if session.ready and session.live() is not None and shard_id in (None, session.shard_id):
                    return session
            return None

        with self._changed:
            if not self._changed.wait_for(lambda: find() is not None, timeout=timeout):
                sessions = [session.snapshot() for session in self._sessions]
                raise TimeoutError(
                    f"no gateway session became ready within {timeout} s (shard {shard_id}); "
                    f"sessions: {sessions}; last closes: {self._closes[-5:]}"
                )
            found = find()
            assert found is not None
            return found.snapshot()

    # ------------------------------------------------------------------ sending from tests

    def dispatch(self, event: str, data: dict[str, Any], *, shard_id: int | None = None) -> int:
        """Send a DISPATCH (op 0) ``event`` with ``data`` to the sessions Discord would send it to.

        Routing, intents and message-content stripping are the module docstring's. ``shard_id``
        overrides the routing. A session without a live connection buffers the event for its
        RESUME. Returns the number of sessions that were sent or buffered the event."""
        if not isinstance(data, dict):
            raise TypeError("data must be a JSON object (a dict)")
        return self._call(self._dispatch_async(event, copy.deepcopy(data), shard_id))

    async def _dispatch_async(self, event: str, data: dict[str, Any], shard_id: int | None) -> int:
        with self._lock:
            pending: list[asyncio.Future[bool]] = []
            count = 0
            for session in self._targets(event, data, shard_id):
                payload = self._visible(session, event, data)
                if payload is None:
                    continue
                frame = session.stamp(event, payload)
                count += 1
                conn = session.live()
                if conn is not None:
                    pending.append(conn.post([frame]))
        if pending:
            await asyncio.gather(*pending)
        return count

    def send_interaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Register an interaction on the REST side and dispatch it as INTERACTION_CREATE.

        ``payload`` is an interaction object of any type: ``type`` (default 2), ``data`` (type 2
        and 4 need ``data.name``, 3 and 5 ``data.custom_id``), ``guild_id`` with ``member``
        (``{"user": {"id": ...}}`` is enough; roles default to the member's roles in the REST
        state, ``permissions`` to what those roles and the channel's overwrites give) or ``user``
        for a DM, ``channel_id`` or ``channel`` (default: the guild's first text channel, or the
        user's DM channel) and, for a component, ``message`` (a message id or object; a known
        message is filled in from the REST state). Everything else discord.py 2.7.1 reads is
        filled in (id, token, application_id, version, channel, locale, guild_locale, guild,
        app_permissions, entitlements, authorizing_integration_owners, context,
        attachment_size_limit). The interaction is registered with its id, token, channel and
        message first, so the bot's callback lands in ``interaction_responses(id)`` and a type 7
        callback edits that message. Returns the payload that was dispatched."""
        full = self._build_interaction(copy.deepcopy(payload))
        delivered = self._call(self._dispatch_async("INTERACTION_CREATE", copy.deepcopy(full), None))
        if not delivered:
            _log.warning("INTERACTION_CREATE %s reached no gateway session", full["id"])
        return full

    def send_message_create(
        self,
        channel_id: int | str,
        content: str,
        *,
        author_id: int | str | None = None,
        embeds: Iterable[dict[str, Any]] = (),
        guild_id: int | str | None = None,
    ) -> dict[str, Any]:
        """Store a message from ``author_id`` (default: a stand-in member) in a known channel and
        dispatch MESSAGE_CREATE with ``guild_id`` and the author's ``member`` for guild channels.

        Returns the dispatched payload (what a session with MESSAGE_CONTENT receives)."""
        cid = str(channel_id)
        with self._lock:
            channel = self._emu._channels.get(cid)
            if channel is None:
                raise ValueError(f"unknown channel {cid}; add it with add_channel() first")
            channel_guild = channel.get("guild_id")
            if guild_id is not None and str(guild_id) != channel_guild:
                raise ValueError(f"channel {cid} is not in guild {guild_id}")
            uid = str(author_id) if author_id is not None else DEFAULT_AUTHOR_ID
            if uid not in self._emu._users:
                self._emu.add_user(uid, "member" if author_id is None else None)
        message = self._emu.add_message(cid, content, author_id=uid, embeds=[dict(e) for e in embeds])
        if channel_guild is not None:
            with self._lock:
                record = self._member_record(channel_guild, uid)
                member = self._emu._member_payload(channel_guild, record)
            member.pop("user")
            message.update(guild_id=channel_guild, member=member)
        self._call(self._dispatch_async("MESSAGE_CREATE", copy.deepcopy(message), None))
        return message

    def drop(self, shard_id: int | None = None) -> int:
        """Abort the TCP connection of every live session (of ``shard_id``) without a close frame.

        discord.py sees close code 1006 and resumes at once. Returns the number of connections dropped."""
        return self._call(self._drop_async(shard_id))

    async def _drop_async(self, shard_id: int | None) -> int:
        with self._lock:
            conns = [conn for conn in self._live(shard_id)]
            for conn in conns:
                self._drop(conn)
            return len(conns)

    def _drop(self, conn: _Connection) -> None:
        """Abort ``conn`` and detach it from its session (lock held)."""
        if not conn.close_recorded:
            conn.close_recorded = True
            self._closes.append(GatewayClose(conn.shard, _ABNORMAL_CLOSURE, "dropped", True, time.monotonic()))
        conn.abort()
        session = conn.session
        if session is not None and session.connection is conn:
            session.connection = None
            session.ready = False
        self._changed.notify_all()

    def send_reconnect(self, shard_id: int | None = None) -> int:
        """Send RECONNECT (op 7) to every live session (of ``shard_id``); discord.py closes with 4000
        and resumes. Returns the number of sessions told."""
        return self._call(self._tell_async(shard_id, _frame(Op.RECONNECT), end_session=False))

    def send_invalid_session(self, resumable: bool, shard_id: int | None = None) -> int:
        """Send INVALID_SESSION (op 9) with ``d: resumable`` to every live session (of ``shard_id``).

        ``True``: discord.py closes with 4000 and resumes (the emulator accepts it). ``False``: the
        session is invalidated (its buffered events are lost) and discord.py closes with 1000 and
        identifies again, after ``before_identify_hook`` (5 s by default). Returns the number told."""
        return self._call(self._tell_async(shard_id, _frame(Op.INVALID_SESSION, bool(resumable)), not resumable))

    def request_heartbeat(self, shard_id: int | None = None) -> int:
        """Send HEARTBEAT (op 1), which asks the client to heartbeat at once. Returns the number told."""
        return self._call(self._post_to_live(shard_id, _frame(Op.HEARTBEAT)))

    async def _post_to_live(self, shard_id: int | None, frame: dict[str, Any]) -> int:
        with self._lock:
            pending = [conn.post([frame]) for conn in self._live(shard_id)]
        await asyncio.gather(*pending)
        return len(pending)

    async def _tell_async(self, shard_id: int | None, frame: dict[str, Any], end_session: bool) -> int:
        with self._lock:
            pending = []
            for conn in self._live(shard_id):
                session = conn.session
                assert session is not None
                conn.retiring = True
                session.ready = False
                if end_session:
                    session.resumable = False
                    session.buffer.clear()
                pending.append(conn.post([frame]))
            self._changed.notify_all()
        await asyncio.gather(*pending)
        return len(pending)

    def close(self, code: int, shard_id: int | None = None, reason: str | None = None) -> int:
        """Close every live session's connection (of ``shard_id``) with ``code``.

        Codes that end sessions on Discord (4004, 4007, 4009-4014) invalidate the session; others
        leave it resumable. discord.py treats 1000, 4004 and 4010-4014 as fatal (4014 raises
        PrivilegedIntentsRequired, the others ConnectionClosed) and resumes after the rest.
        Returns the number of connections closed."""
        return self._call(self._close_live_async(int(code), shard_id, reason))

    async def _close_live_async(self, code: int, shard_id: int | None, reason: str | None) -> int:
        with self._lock:
            conns = list(self._live(shard_id))
        await asyncio.gather(*(self._close(conn, code, reason) for conn in conns))
        return len(conns)

    async def _close(self, conn: _Connection, code: int, reason: str | None = None) -> None:
        """Close ``conn`` with ``code`` after whatever was queued before, and record it."""
        text = reason if reason is not None else _CLOSE_REASONS.get(code, "")
        with self._lock:
            conn.retiring = True
            session = conn.session
            if session is not None and session.connection is conn:
                session.ready = False
                if code in _SESSION_ENDING_CODES:
                    session.resumable = False
                    session.buffer.clear()
            if not conn.close_recorded:
                conn.close_recorded = True
                self._closes.append(GatewayClose(conn.shard, code, text, True, time.monotonic()))
            self._changed.notify_all()
        await conn.post_close(code, text)

    def _live(self, shard_id: int | None) -> list[_Connection]:
        found = []
        for session in self._sessions:
            conn = session.live()
            if conn is not None and shard_id in (None, session.shard_id):
                found.append(conn)
        return found

    # ------------------------------------------------------------------ routing and intents

    def _targets(self, event: str, data: dict[str, Any], shard_id: int | None) -> list[_Session]:
        sessions = [s for s in self._sessions if s.resumable]
        if shard_id is not None:
            return [s for s in sessions if s.shard_id == shard_id]
        guild_id = _guild_of(event, data)
        if guild_id is not None:
            return [s for s in sessions if s.owns(guild_id)]
        if event in _SHARD_ZERO_EVENTS:
            return [s for s in sessions if s.shard_id == 0]
        return sessions

    def _visible(self, session: _Session, event: str, data: dict[str, Any]) -> dict[str, Any] | None:
        """What ``session`` receives of the event: None when its intents exclude it, the message
        without its content when it lacks MESSAGE_CONTENT (a copy: sessions never share payloads)."""
        guild_id = _guild_of(event, data)
        needed = _EVENT_INTENTS.get(event)
        if needed is not None:
            in_guild, outside = needed
            intent = in_guild if guild_id is not None or not outside else outside
            if not session.intents & intent:
                return None
        payload = copy.deepcopy(data)
        if event in _CONTENT_EVENTS and guild_id is not None and not session.intents & Intent.MESSAGE_CONTENT:
            bot_id = self._emu.bot_user_id
            author = (payload.get("author") or {}).get("id")
            mentioned = any(str(user.get("id")) == bot_id for user in payload.get("mentions") or [])
            if author != bot_id and not mentioned:
                # Discord blanks these fields rather than dropping them.
                for field in ("content", "embeds", "attachments", "components"):
                    if field in payload:
                        payload[field] = "" if field == "content" else []
                payload.pop("poll", None)
        return payload

    # ------------------------------------------------------------------ the websocket handler

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(timeout=CLOSE_TIMEOUT, max_msg_size=MAX_MESSAGE_SIZE)
        if not ws.can_prepare(request).ok:
            body = json.dumps({"message": "Expected a websocket upgrade", "code": 0}).encode()
            return web.Response(status=400, body=body, content_type="application/json")
        query = request.query
        problem: tuple[int, str] | None = None
        try:
            encoder = _Encoder(query.get("compress"))
        except ValueError as error:
            encoder, problem = _Encoder(None), (CloseCode.DECODE_ERROR.value, str(error))
        if query.get("encoding", "json") != "json":
            problem = (CloseCode.DECODE_ERROR.value, f"encoding={query.get('encoding')} is not emulated (use json)")
        if query.get("v", str(GATEWAY_VERSION)) != str(GATEWAY_VERSION):
            problem = (CloseCode.INVALID_API_VERSION.value, _CLOSE_REASONS[CloseCode.INVALID_API_VERSION])
        await ws.prepare(request)
        conn = _Connection(ws, request.transport, encoder)
        client_code = _ABNORMAL_CLOSURE
        with self._lock:
            self._connections.add(conn)
        try:
            if problem is not None:
                await self._close(conn, *problem)
                return ws
            hello = {"heartbeat_interval": self._emu.heartbeat_interval_ms, "_trace": _TRACE}
            await conn.post([_frame(Op.HELLO, hello)])
            while True:
                # Not ``async for``: it hides the CLOSE message, and aiohttp reports a vanished peer
                # as close code 1000, which would wrongly end the session.
                message = await ws.receive()
                if message.type is web.WSMsgType.TEXT:
                    raw: str | None = message.data
                elif message.type is web.WSMsgType.BINARY:
                    try:
                        raw = message.data.decode()
                    except UnicodeDecodeError:
                        raw = None
                elif message.type is web.WSMsgType.CLOSE:
                    client_code = message.data
                    break
                else:
                    break  # CLOSING (the emulator is closing it), CLOSED (peer gone) or ERROR
                await self._receive(conn, raw)
        finally:
            await self._detach(conn, client_code)
        return ws

    async def _detach(self, conn: _Connection, client_code: int) -> None:
        await conn.finish()
        with self._lock:
            self._connections.discard(conn)
            session = conn.session
            attached = session is not None and session.connection is conn
            if attached:
                session.connection = None
                session.ready = False
            if not conn.close_recorded:
                conn.close_recorded = True
                self._closes.append(GatewayClose(conn.shard, client_code, "", False, time.monotonic()))
                if attached and client_code in _CLIENT_ENDING_CODES:
                    session.resumable = False
                    session.buffer.clear()
            self._changed.notify_all()

    async def _receive(self, conn: _Connection, raw: str | None) -> None:
        try:
            payload = json.loads(raw) if raw is not None else None
        except ValueError:
            payload = None
        op = payload.get("op") if isinstance(payload, dict) else None
        if not isinstance(op, int) or isinstance(op, bool):
            await self._close(conn, CloseCode.DECODE_ERROR)
            return
        d = payload.get("d")
        with self._lock:
            self._events.append(GatewayEvent(conn.shard, op, copy.deepcopy(d), time.monotonic()))
        if op == Op.HEARTBEAT:
            await self._on_heartbeat(conn)
        elif op == Op.IDENTIFY:
            await self._on_identify(conn, d)
        elif op == Op.RESUME:
            await self._on_resume(conn, d)
        elif op not in (
            Op.PRESENCE_UPDATE,
            Op.VOICE_STATE_UPDATE,
            Op.REQUEST_GUILD_MEMBERS,
            Op.REQUEST_SOUNDBOARD_SOUNDS,
        ):
            await self._close(conn, CloseCode.UNKNOWN_OPCODE)
        elif conn.session is None:
            await self._close(conn, CloseCode.NOT_AUTHENTICATED)
        elif not isinstance(d, dict):
            await self._close(conn, CloseCode.DECODE_ERROR)
        elif op == Op.PRESENCE_UPDATE:
            self._record_presence(conn.session.shard_id, d, from_identify=False)
        elif op == Op.REQUEST_GUILD_MEMBERS:
            await self._on_request_members(conn, d)
        # Voice state updates and soundboard requests are recorded above and get no answer:
        # voice is not emulated.

    async def _on_heartbeat(self, conn: _Connection) -> None:
        with self._lock:
            now = time.monotonic()
            conn.heartbeats += 1
            conn.last_heartbeat_at = now
            if conn.session is not None:
                conn.session.heartbeats += 1
                conn.session.last_heartbeat_at = now
        await conn.post([_frame(Op.HEARTBEAT_ACK)])

    def _token_ok(self, token: Any) -> bool:
        return isinstance(token, str) and token.removeprefix("Bot ").strip() == self._emu.token

    async def _on_identify(self, conn: _Connection, d: Any) -> None:
        if conn.session is not None:
            await self._close(conn, CloseCode.ALREADY_AUTHENTICATED)
            return
        if not isinstance(d, dict):
            await self._close(conn, CloseCode.DECODE_ERROR)
            return
        if not self._token_ok(d.get("token")):
            await self._close(conn, CloseCode.AUTHENTICATION_FAILED)
            return
        intents = d.get("intents")
        if not isinstance(intents, int) or isinstance(intents, bool) or intents < 0 or intents & ~ALL_INTENTS:
            await self._close(conn, CloseCode.INVALID_INTENTS)
            return
        shard = d.get("shard", [0, 1])
        valid_shard = (
            isinstance(shard, list | tuple)
            and len(shard) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in shard)
            and shard[1] >= 1
            and 0 <= shard[0] < shard[1]
        )
        if not valid_shard:
            await self._close(conn, CloseCode.INVALID_SHARD)
            return
        threshold = d.get("large_threshold", 50)
        large_threshold = min(250, max(50, threshold)) if isinstance(threshold, int) else 50
        with self._lock:
            session = self._session_for_identify(shard[0], shard[1])
            session.intents = intents
            session.large_threshold = large_threshold
            self._attach(session, conn)
            guild_ids = sorted((g for g in self._emu._guilds if session.owns(g)), key=int)
            frames = [session.stamp("READY", self._ready_payload(session, guild_ids))]
            for guild_id in guild_ids:
                guild = self._visible(session, "GUILD_CREATE", self._guild_create(guild_id, session))
                if guild is not None:
                    frames.append(session.stamp("GUILD_CREATE", guild))
            presence = d.get("presence")
            if isinstance(presence, dict):
                self._record_presence(shard[0], presence, from_identify=True)
            done = conn.post(frames)
        await done
        self._mark_ready(session, conn)

    def _session_for_identify(self, shard_id: int, shard_count: int) -> _Session:
        """The record this IDENTIFY continues or starts (see "Sessions" in the module docstring); lock held."""
        session_id = secrets.token_hex(16)
        for session in reversed(self._sessions):
            if (session.shard_id, session.shard_count) == (shard_id, shard_count) and session.live() is None:
                self._by_id.pop(session.session_id, None)
                session.session_id = session_id
                session.seq = 0
                session.buffer.clear()
                session.resumable = True
                session.ready = False
                break
        else:
            session = _Session(session_id, shard_id, shard_count, 0, 50, None)
            self._sessions.append(session)
        session.identify_count += 1
        self._by_id[session_id] = session
        return session

    async def _on_resume(self, conn: _Connection, d: Any) -> None:
        if conn.session is not None:
            await self._close(conn, CloseCode.ALREADY_AUTHENTICATED)
            return
        if not isinstance(d, dict):
            await self._close(conn, CloseCode.DECODE_ERROR)
            return
        if not self._token_ok(d.get("token")):
            await self._close(conn, CloseCode.AUTHENTICATION_FAILED)
            return
        seq = d.get("seq")
        with self._lock:
            session = self._by_id.get(str(d.get("session_id")))
            if session is not None and isinstance(seq, int) and seq > session.seq:
                ahead, replay = True, None
            else:
                ahead, replay = False, self._replay(session, seq) if session is not None else None
            if session is not None and replay is not None:
                previous = session.connection
                if previous is not None and previous is not conn:
                    # The client is back on a new socket before the old one was noticed dead.
                    self._drop(previous)
                self._attach(session, conn)
                session.resume_count += 1
                done = conn.post([*replay, session.stamp("RESUMED", {"_trace": _TRACE})])
        if ahead:
            await self._close(conn, CloseCode.INVALID_SEQ)
        elif session is None or replay is None:
            await conn.post([_frame(Op.INVALID_SESSION, False)])
        else:
            await done
            self._mark_ready(session, conn)

    def _attach(self, session: _Session, conn: _Connection) -> None:
        """Make ``conn`` the session's connection (lock held); heartbeats sent before IDENTIFY/RESUME count."""
        session.connection = conn
        session.ready = False
        session.compress = conn.encoder.kind
        session.heartbeats += conn.heartbeats
        if conn.last_heartbeat_at is not None:
            session.last_heartbeat_at = conn.last_heartbeat_at
        conn.session = session

    @staticmethod
    def _replay(session: _Session, seq: Any) -> list[dict[str, Any]] | None:
        """The dispatches after ``seq``, or None when the session cannot be resumed from there."""
        if not session.resumable or not (seq is None or (isinstance(seq, int) and not isinstance(seq, bool))):
            return None
        after = seq or 0
        missed = [frame for frame in session.buffer if frame["s"] > after]
        expected = session.seq - after
        # Fewer buffered than missed means the replay buffer overflowed: Discord invalidates then.
        return missed if len(missed) == expected else None

    def _mark_ready(self, session: _Session, conn: _Connection) -> None:
        with self._lock:
            if session.connection is conn and session.live() is conn:
                session.ready = True
            self._changed.notify_all()

    def _record_presence(self, shard_id: int, d: dict[str, Any], *, from_identify: bool) -> None:
        activities = d.get("activities")
        if activities is None and isinstance(d.get("game"), dict):
            # discord.py's IDENTIFY still sends the single activity as the legacy "game" key.
            activities = [d["game"]]
        since = d.get("since")
        record = PresenceUpdate(
            shard=shard_id,
            status=d.get("status"),
            activities=copy.deepcopy(list(activities or [])),
            since=since if isinstance(since, int) else None,
            afk=bool(d.get("afk", False)),
            at=time.monotonic(),
            from_identify=from_identify,
        )
        with self._lock:
            self._presences.append(record)

    async def _on_request_members(self, conn: _Connection, d: dict[str, Any]) -> None:
        session = conn.session
        assert session is not None
        guild_id = str(d.get("guild_id"))
        with self._lock:
            if guild_id not in self._emu._guilds or not session.owns(guild_id):
                # Discord answers nothing for a guild the session cannot see.
                return
            chunks = self._member_chunks(guild_id, d)
            frames = [session.stamp("GUILD_MEMBERS_CHUNK", chunk) for chunk in chunks]
            done = conn.post(frames)
        await done

    def _member_chunks(self, guild_id: str, d: dict[str, Any]) -> list[dict[str, Any]]:
        records = dict(self._emu._members.get(guild_id, {}))
        bot_id = self._emu.bot_user_id
        records.setdefault(bot_id, self._member_record(guild_id, bot_id))
        user_ids = d.get("user_ids")
        not_found: list[str] = []
        if user_ids is not None:
            wanted = [str(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])]
            found = [records[u] for u in wanted if u in records]
            not_found = [u for u in wanted if u not in records]
        else:
            query = str(d.get("query") or "").lower()
            found = [
                r
                for r in records.values()
                if self._emu._user(r["user_id"])["username"].lower().startswith(query)
                or (r.get("nick") or "").lower().startswith(query)
            ]
            limit = d.get("limit") or 0
            if isinstance(limit, int) and limit > 0:
                found = found[:limit]
        members = [self._emu._member_payload(guild_id, r) for r in found]
        pages = [members[i : i + MEMBER_CHUNK_SIZE] for i in range(0, len(members), MEMBER_CHUNK_SIZE)] or [[]]
        chunks = []
        for index, page in enumerate(pages):
            chunk: dict[str, Any] = {
                "guild_id": guild_id,
                "members": page,
                "chunk_index": index,
                "chunk_count": len(pages),
            }
            if index == 0 and not_found:
                chunk["not_found"] = not_found
            if d.get("presences"):
                chunk["presences"] = []
            if d.get("nonce") is not None:
                chunk["nonce"] = d["nonce"]
            chunks.append(chunk)
        return chunks

    # ------------------------------------------------------------------ payloads built from the REST state

    def _ready_payload(self, session: _Session, guild_ids: list[str]) -> dict[str, Any]:
        user = dict(self._emu._users[self._emu.bot_user_id])
        user.update(verified=True, mfa_enabled=False, flags=0, email=None)
        return {
            "v": GATEWAY_VERSION,
            "user_settings": {},
            "user": user,
            "session_type": "normal",
            "session_id": session.session_id,
            "resume_gateway_url": self.url,
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guilds": [{"id": guild_id, "unavailable": True} for guild_id in guild_ids],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "auth": {},
            "application": {"id": self._emu.application_id, "flags": 0},
            "shard": [session.shard_id, session.shard_count],
            "_trace": _TRACE,
        }

    def _member_record(self, guild_id: str, user_id: str) -> dict[str, Any]:
        """The REST member record, or a stand-in for a user who is not one (the bot is always a
        member on Discord; others appear with no roles). Never stored."""
        record = self._emu._members.get(guild_id, {}).get(user_id)
        if record is not None:
            return record
        joined = _snowflake_iso(guild_id) if user_id == self._emu.bot_user_id else _iso(datetime.now(UTC))
        return {"user_id": user_id, "roles": [], "joined_at": joined, "nick": None}

    def _guild_create(self, guild_id: str, session: _Session) -> dict[str, Any]:
        emu = self._emu
        records = dict(emu._members.get(guild_id, {}))
        bot_record = self._member_record(guild_id, emu.bot_user_id)
        records.setdefault(emu.bot_user_id, bot_record)
        member_count = len(records)
        large = member_count >= session.large_threshold
        # Discord lists every member only for a guild that is not large and only with the
        # GUILD_PRESENCES intent (discord.py chunks the guild with op 8 otherwise).
        if session.intents & Intent.GUILD_PRESENCES and not large:
            members = [emu._member_payload(guild_id, r) for r in records.values()]
        else:
            members = [emu._member_payload(guild_id, bot_record)]
        channels, threads = [], []
        in_guild = [c for c in emu._channels.values() if c.get("guild_id") == guild_id]
        for channel in sorted(in_guild, key=lambda c: (c.get("position", 0), int(c["id"]))):
            channel = copy.deepcopy(channel)
            if channel["type"] in _THREAD_TYPES:
                threads.append(channel)
            else:
                # GUILD_CREATE's channels do not repeat the guild id.
                channel.pop("guild_id", None)
                channels.append(channel)
        payload: dict[str, Any] = {
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": emu.bot_user_id,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500_000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "nsfw": False,
            "nsfw_level": 0,
            "emojis": [],
            "stickers": [],
            "incidents_data": None,
            "lazy": True,
            **copy.deepcopy(emu._guilds[guild_id]),
            "roles": copy.deepcopy(list(emu._roles[guild_id].values())),
            "channels": channels,
            "threads": threads,
            "members": members,
            "member_count": member_count,
            "large": large,
            "joined_at": bot_record["joined_at"],
            "unavailable": False,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
        }
        return payload

    def _permissions(self, guild_id: str, user_id: str, role_ids: Iterable[str], channel: dict[str, Any] | None) -> int:
        """A member's permissions in a channel, as Discord computes them (owner and administrator: all)."""
        emu = self._emu
        if emu._guilds.get(guild_id, {}).get("owner_id") == user_id:
            return ALL_PERMISSIONS
        roles = emu._roles.get(guild_id, {})
        role_ids = [r for r in role_ids if r in roles and r != guild_id]
        permissions = int(roles.get(guild_id, {}).get("permissions", 0))
        for role_id in role_ids:
            permissions |= int(roles[role_id]["permissions"])
        if permissions & ADMINISTRATOR:
            return ALL_PERMISSIONS
        overwrites = {(o["type"], o["id"]): o for o in (channel or {}).get("permission_overwrites") or []}
        everyone = overwrites.get((0, guild_id))
        if everyone is not None:
            permissions = (permissions & ~int(everyone["deny"])) | int(everyone["allow"])
        allow = deny = 0
        for role_id in role_ids:
            overwrite = overwrites.get((0, role_id))
            if overwrite is not None:
                allow |= int(overwrite["allow"])
                deny |= int(overwrite["deny"])
        permissions = (permissions & ~deny) | allow
        own = overwrites.get((1, user_id))
        if own is not None:
            permissions = (permissions & ~int(own["deny"])) | int(own["allow"])
        return permissions

    def _build_interaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Fill in an INTERACTION_CREATE payload and register the interaction on the REST side."""
        emu = self._emu
        with self._lock:
            kind = int(payload.setdefault("type", 2))
            guild_id = payload.get("guild_id") or (payload.get("guild") or {}).get("id")
            channel = self._interaction_channel(payload, None if guild_id is None else str(guild_id))
            guild_id = channel.get("guild_id")
            payload["channel_id"] = channel["id"]
            payload["id"] = str(payload.get("id") or emu._new_id())
            payload.setdefault("token", "emulated." + secrets.token_urlsafe(48))
            payload.setdefault("application_id", emu.application_id)
            payload.setdefault("version", 1)
            payload.setdefault("locale", "en-US")
            payload.setdefault("entitlements", [])
            payload.setdefault("attachment_size_limit", ATTACHMENT_SIZE_LIMIT)
            if guild_id is not None:
                payload["guild_id"] = guild_id
                self._fill_member(payload, guild_id, channel)
                payload.setdefault("guild_locale", "en-US")
                payload.setdefault("guild", {"id": guild_id, "locale": "en-US", "features": []})
                payload.setdefault("authorizing_integration_owners", {"0": guild_id})
                payload.setdefault("context", 0)
                bot_roles = self._member_record(guild_id, emu.bot_user_id)["roles"]
                app_permissions = self._permissions(guild_id, emu.bot_user_id, bot_roles, channel)
            else:
                user_id = str(payload["user"]["id"])  # _interaction_channel checked it is there
                payload["user"] = {**emu._user(user_id), **payload["user"], "id": user_id}
                payload.pop("member", None)
                # A guild-installed app used in its bot's DM: the owner id is "0".
                payload.setdefault("authorizing_integration_owners", {"0": "0"})
                payload.setdefault("context", 1)
                app_permissions = ALL_PERMISSIONS & ~ADMINISTRATOR
            payload.setdefault("app_permissions", str(app_permissions))
            payload["channel"] = {**channel, **(payload.get("channel") or {})}
            payload["data"] = self._interaction_data(kind, payload.get("data"), guild_id)
            message_id = self._fill_message(payload, channel["id"])
            emu.add_interaction(
                payload["id"],
                payload["token"],
                type=kind,
                channel_id=channel["id"],
                guild_id=guild_id,
                message_id=message_id,
            )
            return payload

    def _interaction_channel(self, payload: dict[str, Any], guild_id: str | None) -> dict[str, Any]:
        """The interaction's channel as Discord sends it (a copy; DM channels are created like POST /users/@me/channels)."""
        emu = self._emu
        given = payload.get("channel") or {}
        channel_id = payload.get("channel_id") or given.get("id")
        message = payload.get("message")
        if channel_id is None and message is not None:
            # A component's message tells where the click happened.
            message_id = str(message.get("id") if isinstance(message, dict) else message)
            channel_id = next((c for c, messages in emu._messages.items() if message_id in messages), None)
        if channel_id is not None:
            stored = emu._channels.get(str(channel_id))
            if stored is None:
                raise ValueError(f"unknown channel {channel_id}; add it with add_channel() first")
            if guild_id is not None and stored.get("guild_id") != guild_id:
                raise ValueError(f"channel {channel_id} is not in guild {guild_id}")
            return copy.deepcopy(stored)
        if guild_id is not None:
            if guild_id not in emu._guilds:
                raise ValueError(f"unknown guild {guild_id}; add it with add_guild() first")
            text = [c for c in emu._channels.values() if c.get("guild_id") == guild_id and c["type"] in (0, 5)]
            if not text:
                raise ValueError(f"guild {guild_id} has no text channel; give channel_id or add one")
            return copy.deepcopy(min(text, key=lambda c: (c.get("position", 0), int(c["id"]))))
        user = payload.get("user")
        if not isinstance(user, dict) or "id" not in user:
            raise ValueError("an interaction needs guild_id with member, or user (for a DM)")
        user_id = str(user["id"])
        dm_id = emu._dm_channels.get(user_id)
        if dm_id is None:
            dm_id = emu._make_channel(None, {"type": 1, "recipients": [emu._user(user_id)]})["id"]
            emu._dm_channels[user_id] = dm_id
        return copy.deepcopy(emu._channels[dm_id])

    def _fill_member(self, payload: dict[str, Any], guild_id: str, channel: dict[str, Any]) -> None:
        """Complete ``member`` from the REST state; the channel gets the member's ``permissions`` in it."""
        emu = self._emu
        given = payload.get("member")
        if not isinstance(given, dict) or not isinstance(given.get("user"), dict) or "id" not in given["user"]:
            raise ValueError('a guild interaction needs member={"user": {"id": ...}}')
        user_id = str(given["user"]["id"])
        record = self._member_record(guild_id, user_id)
        role_ids = [str(r) for r in given.get("roles", record["roles"])]
        member = emu._member_payload(guild_id, {**record, "roles": role_ids})
        member.update(given)
        member["user"] = {**emu._user(user_id), **given["user"], "id": user_id}
        member["roles"] = role_ids
        if "permissions" not in given:
            member["permissions"] = str(self._permissions(guild_id, user_id, role_ids, channel))
        channel["permissions"] = member["permissions"]
        payload["member"] = member
        payload.pop("user", None)

    def _interaction_data(self, kind: int, data: Any, guild_id: str | None) -> dict[str, Any] | None:
        if kind == 1:
            return data
        if not isinstance(data, dict):
            raise ValueError(f"an interaction of type {kind} needs data")
        data = dict(data)
        if kind in (2, 4):
            if "name" not in data:
                raise ValueError("an application command interaction needs data.name")
            data.setdefault("type", 1)
            if "id" not in data:
                registered = [*self._emu._commands.get(guild_id, []), *self._emu._commands.get(None, [])]
                match = next((c for c in registered if c["name"] == data["name"] and c["type"] == data["type"]), None)
                data["id"] = match["id"] if match else self._emu._new_id()
                if match is not None and match.get("guild_id"):
                    data.setdefault("guild_id", match["guild_id"])
        elif kind in (3, 5):
            if "custom_id" not in data:
                raise ValueError(f"an interaction of type {kind} needs data.custom_id")
            if kind == 3:
                data.setdefault("component_type", 2)
                if data["component_type"] in (3, 5, 6, 7, 8):
                    data.setdefault("values", [])
            else:
                data.setdefault("components", [])
        return data

    def _fill_message(self, payload: dict[str, Any], channel_id: str) -> str | None:
        """Replace a ``message`` id or partial object by the stored message; returns its id."""
        given = payload.get("message")
        if given is None:
            return None
        message_id = str(given.get("id") if isinstance(given, dict) else given)
        stored = self._emu._messages.get(channel_id, {}).get(message_id)
        if stored is not None:
            payload["message"] = {**copy.deepcopy(stored), **(given if isinstance(given, dict) else {})}
        elif not isinstance(given, dict) or "author" not in given:
            raise ValueError(f"unknown message {message_id} in channel {channel_id}; add it with add_message()")
        return message_id


def _guild_of(event: str, data: dict[str, Any]) -> str | None:
    value = data.get("id") if event in _GUILD_ITSELF_EVENTS else data.get("guild_id")
    return None if value is None else str(value)
