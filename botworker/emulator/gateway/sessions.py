"""Gateway sessions and the table of everything the gateway tracks: session records (sequence
numbers, the replay buffer for RESUME, which connection is live), open connections, and the
presences, client payloads and connection ends recorded for tests.

Sessions. A session record follows one client across reconnects: RESUME continues it; an IDENTIFY
for a shard continues that shard's newest record that has no live connection (the same client
coming back: ``identify_count`` grows, the session id changes and the old one can no longer be
resumed), and only starts a new record when every record of the shard is connected (a second
client on the same shard, which Discord allows). A session is invalidated (never resumable again,
dispatches no longer buffered) by INVALID_SESSION ``false``, by a close code that ends sessions on
Discord (4004, 4007, 4009-4014) and by the client closing with 1000 or 1001, as on Discord.
"""

from __future__ import annotations

import copy
import dataclasses
import secrets
import threading
import time
from collections import deque
from typing import Any

from botworker.emulator.gateway.connection import Connection
from botworker.emulator.gateway.protocol import ABNORMAL_CLOSURE, CLOSE_REASONS, SESSION_ENDING_CODES, Op, is_int
from botworker.emulator.gateway.records import GatewayClose, GatewayEvent, GatewaySession, PresenceUpdate

REPLAY_BUFFER_SIZE = 10_000  # dispatches kept per session for RESUME; older ones make the session unresumable


@dataclasses.dataclass
class Session:
    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    large_threshold: int
    compress: str | None
    seq: int = 0
    buffer: deque[dict[str, Any]] = dataclasses.field(default_factory=lambda: deque(maxlen=REPLAY_BUFFER_SIZE))
    connection: Connection | None = None
    ready: bool = False
    resumable: bool = True
    identify_count: int = 0
    resume_count: int = 0
    heartbeats: int = 0
    last_heartbeat_at: float | None = None

    def owns(self, guild_id: str) -> bool:
        return (int(guild_id) >> 22) % self.shard_count == self.shard_id

    def live(self) -> Connection | None:
        conn = self.connection
        return conn if conn is not None and not conn.retiring and not conn.closed else None

    def stamp(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Number a dispatch for this session and keep it for a later RESUME."""
        self.seq += 1
        payload = {"op": Op.DISPATCH.value, "d": data, "s": self.seq, "t": event}
        self.buffer.append(payload)
        return payload

    def invalidate(self) -> None:
        """Never resumable again; what was buffered for a resume is lost."""
        self.resumable = False
        self.buffer.clear()

    def detach(self, conn: Connection) -> bool:
        """Forget ``conn`` if it is this session's connection; says whether it was."""
        if self.connection is not conn:
            return False
        self.connection = None
        self.ready = False
        return True

    def replay(self, seq: Any) -> list[dict[str, Any]] | None:
        """The dispatches after ``seq``, or None when the session cannot be resumed from there."""
        if not self.resumable or not (seq is None or is_int(seq)):
            return None
        after = seq or 0
        missed = [frame for frame in self.buffer if frame["s"] > after]
        expected = self.seq - after
        # Fewer buffered than missed means the replay buffer overflowed: Discord invalidates then.
        return missed if len(missed) == expected else None

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


class SessionTable:
    """Sessions, connections and recordings of one gateway. Guarded by the emulator's lock (shared
    with the REST routes); ``changed`` is notified whenever a session's readiness may have changed.
    Methods that change state expect the lock to be held, except the coroutine :meth:`close`."""

    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self.changed = threading.Condition(lock)
        self.connections: set[Connection] = set()
        self.clear()

    def clear(self) -> None:
        """Forget sessions, presences, events and closes (open connections stay tracked)."""
        self.sessions: list[Session] = []
        self.by_id: dict[str, Session] = {}
        self.presences: list[PresenceUpdate] = []
        self.events: list[GatewayEvent] = []
        self.closes: list[GatewayClose] = []

    def live(self, shard_id: int | None) -> list[Connection]:
        """The live connections of every session (of ``shard_id``)."""
        found = []
        for session in self.sessions:
            conn = session.live()
            if conn is not None and shard_id in (None, session.shard_id):
                found.append(conn)
        return found

    def find_ready(self, shard_id: int | None) -> Session | None:
        for session in self.sessions:
            if session.ready and session.live() is not None and shard_id in (None, session.shard_id):
                return session
        return None

    def record_close(self, conn: Connection, code: int, reason: str, by_server: bool) -> bool:
        """Record how ``conn`` ended, once per connection; says whether this call recorded it."""
        if conn.close_recorded:
            return False
        conn.close_recorded = True
        self.closes.append(GatewayClose(conn.shard, code, reason, by_server, time.monotonic()))
        return True

    def drop(self, conn: Connection) -> None:
        """Abort ``conn`` without a close frame and detach it from its session."""
        self.record_close(conn, ABNORMAL_CLOSURE, "dropped", True)
        conn.abort()
        if conn.session is not None:
            conn.session.detach(conn)
        self.changed.notify_all()

    async def close(self, conn: Connection, code: int, reason: str | None = None) -> None:
        """Close ``conn`` with ``code`` after whatever was queued before, and record it (takes the lock)."""
        text = reason if reason is not None else CLOSE_REASONS.get(code, "")
        with self.lock:
            conn.retiring = True
            session = conn.session
            if session is not None and session.connection is conn:
                session.ready = False
                if code in SESSION_ENDING_CODES:
                    session.invalidate()
            self.record_close(conn, code, text, True)
            self.changed.notify_all()
        await conn.post_close(code, text)

    def session_for_identify(self, shard_id: int, shard_count: int) -> Session:
        """The record this IDENTIFY continues or starts (see "Sessions" in the module docstring)."""
        session_id = secrets.token_hex(16)
        for session in reversed(self.sessions):
            if (session.shard_id, session.shard_count) == (shard_id, shard_count) and session.live() is None:
                self.by_id.pop(session.session_id, None)
                session.session_id = session_id
                session.seq = 0
                session.buffer.clear()
                session.resumable = True
                session.ready = False
                break
        else:
            session = Session(session_id, shard_id, shard_count, 0, 50, None)
            self.sessions.append(session)
        session.identify_count += 1
        self.by_id[session_id] = session
        return session

    @staticmethod
    def attach(session: Session, conn: Connection) -> None:
        """Make ``conn`` the session's connection; heartbeats sent before IDENTIFY/RESUME count."""
        session.connection = conn
        session.ready = False
        session.compress = conn.encoder.kind
        session.heartbeats += conn.heartbeats
        if conn.last_heartbeat_at is not None:
            session.last_heartbeat_at = conn.last_heartbeat_at
        conn.session = session

    def mark_ready(self, session: Session, conn: Connection) -> None:
        """The session's READY (or RESUMED) went out on ``conn`` (takes the lock)."""
        with self.lock:
            if session.connection is conn and session.live() is conn:
                session.ready = True
            self.changed.notify_all()

    def record_presence(self, shard_id: int, d: dict[str, Any], *, from_identify: bool) -> None:
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
        with self.lock:
            self.presences.append(record)
