"""Gateway fault injection: what tests do to live connections to exercise a client's recovery.

Dropping the TCP connection (the client sees 1006 and resumes), RECONNECT (op 7), INVALID_SESSION
(op 9, resumable or not), closing with a code (codes that end sessions on Discord invalidate the
session) and asking for an immediate heartbeat (op 1). Each acts on every live session (of one
shard), runs on the emulator's loop and returns how many connections it acted on. The REST
side's faults are :mod:`botworker.emulator.faults`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from botworker.emulator.gateway.sessions import SessionTable


async def drop(table: SessionTable, shard_id: int | None) -> int:
    with table.lock:
        conns = table.live(shard_id)
        for conn in conns:
            table.drop(conn)
        return len(conns)


async def tell(table: SessionTable, shard_id: int | None, frame: dict[str, Any], end_session: bool) -> int:
    """Send ``frame`` (op 7 or op 9) and stop treating the connections as live; with
    ``end_session`` the sessions are invalidated too."""
    with table.lock:
        pending = []
        for conn in table.live(shard_id):
            session = conn.session
            assert session is not None
            conn.retiring = True
            session.ready = False
            if end_session:
                session.invalidate()
            pending.append(conn.post([frame]))
        table.changed.notify_all()
    await asyncio.gather(*pending)
    return len(pending)


async def post(table: SessionTable, shard_id: int | None, frame: dict[str, Any]) -> int:
    """Send ``frame`` to the live connections, which stay live."""
    with table.lock:
        pending = [conn.post([frame]) for conn in table.live(shard_id)]
    await asyncio.gather(*pending)
    return len(pending)


async def close(table: SessionTable, code: int, shard_id: int | None, reason: str | None) -> int:
    with table.lock:
        conns = table.live(shard_id)
    await asyncio.gather(*(table.close(conn, code, reason) for conn in conns))
    return len(conns)
