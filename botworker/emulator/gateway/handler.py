"""The gateway websocket handler: one connection from upgrade to close.

What a connection gets, in order:

* HELLO (op 10) with ``heartbeat_interval`` (``DiscordEmulator(heartbeat_interval_ms=...)``).
* Transport compression as asked in the URL query: ``compress=zlib-stream`` or ``zstd-stream``
  (see :mod:`~botworker.emulator.gateway.connection`) or none (text frames). ``encoding`` must be
  ``json``, ``v`` 10 when given.
* IDENTIFY (op 2): the token (``Bot `` prefix optional) must be the emulator's, else close 4004;
  ``intents`` must be an integer of known bits, else 4013; ``shard`` ``[id, count]`` (default
  ``[0, 1]``) needs ``0 <= id < count``, else 4010. Then READY (``guilds`` lists the shard's guilds,
  ``(guild_id >> 22) % count == id``, as unavailable) and one GUILD_CREATE per guild (see
  :mod:`~botworker.emulator.gateway.payloads`).
* RESUME (op 6): replays every dispatch the session was sent (or that was buffered while it had
  no connection) after the client's ``seq``, then RESUMED; an unknown, invalidated or expired
  session gets INVALID_SESSION (op 9, ``d: false``); a ``seq`` ahead of the session closes 4007.
* HEARTBEAT (op 1) is answered with HEARTBEAT_ACK (op 11) one simulated round trip later
  (``DiscordEmulator(heartbeat_ack_delay_ms=...)``, see ``DEFAULT_HEARTBEAT_ACK_DELAY_MS``); PRESENCE_UPDATE (op 3), VOICE_STATE_UPDATE
  (op 4), REQUEST_GUILD_MEMBERS (op 8, answered with GUILD_MEMBERS_CHUNKs) and REQUEST_SOUNDBOARD_SOUNDS
  (op 31) need an identified connection (else close 4003); any other op closes 4001, a payload that
  is not a JSON object with an integer ``op`` closes 4002, a second IDENTIFY/RESUME closes 4005.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from botworker.emulator.gateway import payloads
from botworker.emulator.gateway.connection import CLOSE_TIMEOUT, Connection, Encoder
from botworker.emulator.gateway.protocol import (
    ABNORMAL_CLOSURE,
    ALL_INTENTS,
    CLIENT_ENDING_CODES,
    CLOSE_REASONS,
    GATEWAY_VERSION,
    TRACE,
    CloseCode,
    Op,
    frame,
    is_int,
)
from botworker.emulator.gateway.records import GatewayEvent
from botworker.emulator.gateway.routing import visible
from botworker.emulator.gateway.sessions import SessionTable

if TYPE_CHECKING:
    from botworker.emulator.emulator import DiscordEmulator

MAX_MESSAGE_SIZE = 16 * 1024 * 1024
_IDENTIFIED_OPS = (Op.PRESENCE_UPDATE, Op.VOICE_STATE_UPDATE, Op.REQUEST_GUILD_MEMBERS, Op.REQUEST_SOUNDBOARD_SOUNDS)


class ConnectionHandler:
    """Serves gateway connections for one emulator, recording into its :class:`SessionTable`."""

    def __init__(self, emulator: DiscordEmulator, table: SessionTable) -> None:
        self._emu = emulator
        self._table = table
        self._pending_acks: set[asyncio.Task[None]] = set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(timeout=CLOSE_TIMEOUT, max_msg_size=MAX_MESSAGE_SIZE)
        if not ws.can_prepare(request).ok:
            body = json.dumps({"message": "Expected a websocket upgrade", "code": 0}).encode()
            return web.Response(status=400, body=body, content_type="application/json")
        query = request.query
        problem: tuple[int, str] | None = None
        try:
            encoder = Encoder(query.get("compress"))
        except ValueError as error:
            encoder, problem = Encoder(None), (CloseCode.DECODE_ERROR.value, str(error))
        if query.get("encoding", "json") != "json":
            problem = (CloseCode.DECODE_ERROR.value, f"encoding={query.get('encoding')} is not emulated (use json)")
        if query.get("v", str(GATEWAY_VERSION)) != str(GATEWAY_VERSION):
            problem = (CloseCode.INVALID_API_VERSION.value, CLOSE_REASONS[CloseCode.INVALID_API_VERSION])
        await ws.prepare(request)
        conn = Connection(ws, request.transport, encoder)
        client_code = ABNORMAL_CLOSURE
        with self._table.lock:
            self._table.connections.add(conn)
        try:
            if problem is not None:
                await self._table.close(conn, *problem)
                return ws
            hello = {"heartbeat_interval": self._emu.heartbeat_interval_ms, "_trace": TRACE}
            await conn.post([frame(Op.HELLO, hello)])
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

    async def _detach(self, conn: Connection, client_code: int) -> None:
        await conn.finish()
        table = self._table
        with table.lock:
            table.connections.discard(conn)
            session = conn.session
            attached = session is not None and session.detach(conn)
            if table.record_close(conn, client_code, "", False) and attached and client_code in CLIENT_ENDING_CODES:
                session.invalidate()
            table.changed.notify_all()

    async def _receive(self, conn: Connection, raw: str | None) -> None:
        try:
            payload = json.loads(raw) if raw is not None else None
        except ValueError:
            payload = None
        op = payload.get("op") if isinstance(payload, dict) else None
        if not is_int(op):
            await self._table.close(conn, CloseCode.DECODE_ERROR)
            return
        d = payload.get("d")
        with self._table.lock:
            self._table.events.append(GatewayEvent(conn.shard, op, copy.deepcopy(d), time.monotonic()))
        if op == Op.HEARTBEAT:
            await self._on_heartbeat(conn)
        elif op == Op.IDENTIFY:
            await self._on_identify(conn, d)
        elif op == Op.RESUME:
            await self._on_resume(conn, d)
        elif op not in _IDENTIFIED_OPS:
            await self._table.close(conn, CloseCode.UNKNOWN_OPCODE)
        elif conn.session is None:
            await self._table.close(conn, CloseCode.NOT_AUTHENTICATED)
        elif not isinstance(d, dict):
            await self._table.close(conn, CloseCode.DECODE_ERROR)
        elif op == Op.PRESENCE_UPDATE:
            self._table.record_presence(conn.session.shard_id, d, from_identify=False)
        elif op == Op.REQUEST_GUILD_MEMBERS:
            await self._on_request_members(conn, d)
        # Voice state updates and soundboard requests are recorded above and get no answer:
        # voice is not emulated.

    async def _on_heartbeat(self, conn: Connection) -> None:
        with self._table.lock:
            now = time.monotonic()
            conn.heartbeats += 1
            conn.last_heartbeat_at = now
            if conn.session is not None:
                conn.session.heartbeats += 1
                conn.session.last_heartbeat_at = now
        # Answered later without holding up what the client sends next (a round trip, not a stall).
        task = asyncio.get_running_loop().create_task(self._ack_after_round_trip(conn))
        self._pending_acks.add(task)
        task.add_done_callback(self._pending_acks.discard)

    async def _ack_after_round_trip(self, conn: Connection) -> None:
        await asyncio.sleep(self._emu.heartbeat_ack_delay_ms / 1000)
        await conn.post([frame(Op.HEARTBEAT_ACK)])

    async def _refuse_login(self, conn: Connection, d: Any) -> bool:
        """Close ``conn`` if it may not IDENTIFY or RESUME with ``d`` (the checks both share)."""
        if conn.session is not None:
            code = CloseCode.ALREADY_AUTHENTICATED
        elif not isinstance(d, dict):
            code = CloseCode.DECODE_ERROR
        elif not isinstance(d.get("token"), str) or d["token"].removeprefix("Bot ").strip() != self._emu.token:
            code = CloseCode.AUTHENTICATION_FAILED
        else:
            return False
        await self._table.close(conn, code)
        return True

    async def _on_identify(self, conn: Connection, d: Any) -> None:
        if await self._refuse_login(conn, d):
            return
        intents = d.get("intents")
        if not is_int(intents) or intents < 0 or intents & ~ALL_INTENTS:
            await self._table.close(conn, CloseCode.INVALID_INTENTS)
            return
        shard = d.get("shard", [0, 1])
        valid_shard = (
            isinstance(shard, list | tuple)
            and len(shard) == 2
            and all(is_int(n) for n in shard)
            and shard[1] >= 1
            and 0 <= shard[0] < shard[1]
        )
        if not valid_shard:
            await self._table.close(conn, CloseCode.INVALID_SHARD)
            return
        threshold = d.get("large_threshold", 50)
        large_threshold = min(250, max(50, threshold)) if isinstance(threshold, int) else 50
        state, table = self._emu.state, self._table
        with table.lock:
            session = table.session_for_identify(shard[0], shard[1])
            session.intents = intents
            session.large_threshold = large_threshold
            table.attach(session, conn)
            guild_ids = sorted((g for g in state.guilds if session.owns(g)), key=int)
            ready = payloads.ready(state, session, guild_ids, self._emu.gateway_url)
            frames = [session.stamp("READY", ready)]
            for guild_id in guild_ids:
                guild_create = payloads.guild_create(state, guild_id, session)
                guild = visible(session, "GUILD_CREATE", guild_create, state.bot_user_id)
                if guild is not None:
                    frames.append(session.stamp("GUILD_CREATE", guild))
            presence = d.get("presence")
            if isinstance(presence, dict):
                table.record_presence(shard[0], presence, from_identify=True)
            done = conn.post(frames)
        await done
        table.mark_ready(session, conn)

    async def _on_resume(self, conn: Connection, d: Any) -> None:
        if await self._refuse_login(conn, d):
            return
        seq = d.get("seq")
        table = self._table
        with table.lock:
            session = table.by_id.get(str(d.get("session_id")))
            if session is not None and isinstance(seq, int) and seq > session.seq:
                ahead, replay = True, None
            else:
                ahead, replay = False, session.replay(seq) if session is not None else None
            if session is not None and replay is not None:
                previous = session.connection
                if previous is not None and previous is not conn:
                    # The client is back on a new socket before the old one was noticed dead.
                    table.drop(previous)
                table.attach(session, conn)
                session.resume_count += 1
                done = conn.post([*replay, session.stamp("RESUMED", {"_trace": TRACE})])
        if ahead:
            await table.close(conn, CloseCode.INVALID_SEQ)
        elif session is None or replay is None:
            await conn.post([frame(Op.INVALID_SESSION, False)])
        else:
            await done
            table.mark_ready(session, conn)

    async def _on_request_members(self, conn: Connection, d: dict[str, Any]) -> None:
        session = conn.session
        assert session is not None
        guild_id = str(d.get("guild_id"))
        state = self._emu.state
        with self._table.lock:
            if guild_id not in state.guilds or not session.owns(guild_id):
                # Discord answers nothing for a guild the session cannot see.
                return
            chunks = payloads.member_chunks(state, guild_id, d)
            frames = [session.stamp("GUILD_MEMBERS_CHUNK", chunk) for chunk in chunks]
            done = conn.post(frames)
        await done
