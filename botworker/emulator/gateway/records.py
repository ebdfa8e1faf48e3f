"""What the gateway records for tests to read: snapshots of session records, the presences the
bot set, the payloads clients sent, and how connections ended. All are frozen copies."""

from __future__ import annotations

import dataclasses
from typing import Any


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
