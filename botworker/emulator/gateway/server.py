""":class:`GatewayEmulator`: the gateway of one :class:`~botworker.emulator.emulator.DiscordEmulator`.

It serves ``ws://127.0.0.1:<port>/gateway`` on the emulator's aiohttp application (connections
are :mod:`~botworker.emulator.gateway.handler`'s) and is what the emulator's gateway methods call
from a test's thread: inspection, dispatching events, sending interactions and messages, and
fault injection. Connection handling runs on the emulator's event loop; the public methods hand
their work to that loop and wait until it is done, so when one returns its frames have been
written to the sockets. State is guarded by the emulator's lock, shared with the REST routes, and
everything returned is a copy.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
from collections.abc import Coroutine, Iterable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from botworker.emulator import message_model
from botworker.emulator.gateway import faults, routing
from botworker.emulator.gateway.handler import ConnectionHandler
from botworker.emulator.gateway.interactions import build_interaction
from botworker.emulator.gateway.protocol import GATEWAY_PATH, Op, frame
from botworker.emulator.gateway.records import GatewayClose, GatewayEvent, GatewaySession, PresenceUpdate
from botworker.emulator.gateway.sessions import SessionTable

if TYPE_CHECKING:
    from botworker.emulator.emulator import DiscordEmulator

_log = logging.getLogger(__name__)

CALL_TIMEOUT = 10.0  # seconds a call from the test thread waits for the emulator's loop
DEFAULT_AUTHOR_ID = "100000000000000042"


class GatewayEmulator:
    """Discord's gateway for the clients of one :class:`DiscordEmulator` (see the module docstring)."""

    def __init__(self, emulator: DiscordEmulator, lock: threading.RLock) -> None:
        self._emu = emulator
        self._table = SessionTable(lock)
        self._handler = ConnectionHandler(emulator, self._table)

    # ------------------------------------------------------------------ wiring and lifecycle

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:<port>/gateway`` (only while the emulator is started)."""
        return "ws" + self._emu.url.removeprefix("http") + GATEWAY_PATH

    def mount(self, app: web.Application) -> None:
        """Serve the gateway on ``app`` (call before adding catch-all routes) and drop connections on shutdown."""
        app.router.add_get(GATEWAY_PATH, self._handler.handle)
        app.router.add_get(GATEWAY_PATH + "/", self._handler.handle)
        app.on_shutdown.append(self._on_shutdown)

    async def _on_shutdown(self, app: web.Application) -> None:
        # Without this the server would wait its whole shutdown timeout for each open websocket.
        with self._table.lock:
            for conn in list(self._table.connections):
                self._table.drop(conn)

    def reset(self) -> None:
        """Drop every live connection and forget sessions, presences, events and closes.

        A client still running afterwards finds its session unknown when it resumes, gets
        INVALID_SESSION and identifies again."""
        if self._emu._loop is None or self._on_loop_thread():
            with self._table.lock:
                self._table.clear()
                self._table.changed.notify_all()
            return
        self._call(self._reset_async())

    async def _reset_async(self) -> None:
        table = self._table
        with table.lock:
            for conn in list(table.connections):
                conn.close_recorded = True  # a close after the reset must not show up in the new state
                conn.abort()
            table.clear()
            table.changed.notify_all()

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
        with self._table.lock:
            return [session.snapshot() for session in self._table.sessions]

    @property
    def presences(self) -> list[PresenceUpdate]:
        """Every presence the bot set (op 3 and IDENTIFY presences), in arrival order."""
        with self._table.lock:
            return copy.deepcopy(self._table.presences)

    @property
    def events(self) -> list[GatewayEvent]:
        """Every payload clients sent (heartbeats included), in arrival order."""
        with self._table.lock:
            return copy.deepcopy(self._table.events)

    @property
    def closes(self) -> list[GatewayClose]:
        """Every connection end: the emulator's close codes and drops, and the clients' close codes."""
        with self._table.lock:
            return list(self._table.closes)

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
        table = self._table
        with table.changed:
            if not table.changed.wait_for(lambda: table.find_ready(shard_id) is not None, timeout=timeout):
                sessions = [session.snapshot() for session in table.sessions]
                raise TimeoutError(
                    f"no gateway session became ready within {timeout} s (shard {shard_id}); "
                    f"sessions: {sessions}; last closes: {table.closes[-5:]}"
                )
            found = table.find_ready(shard_id)
            assert found is not None
            return found.snapshot()

    # ------------------------------------------------------------------ sending from tests

    def _dispatch_now(self, event: str, data: dict[str, Any], shard_id: int | None) -> int:
        bot_user_id = self._emu.state.bot_user_id
        return self._call(routing.dispatch(self._table, event, data, shard_id, bot_user_id))

    def dispatch(self, event: str, data: dict[str, Any], *, shard_id: int | None = None) -> int:
        """Send a DISPATCH (op 0) ``event`` with ``data`` to the sessions Discord would send it to.

        Routing, intents and message-content stripping are :mod:`~botworker.emulator.gateway.routing`'s.
        ``shard_id`` overrides the routing. A session without a live connection buffers the event
        for its RESUME. Returns the number of sessions that were sent or buffered the event."""
        if not isinstance(data, dict):
            raise TypeError("data must be a JSON object (a dict)")
        return self._dispatch_now(event, copy.deepcopy(data), shard_id)

    def send_interaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Register an interaction on the REST side and dispatch it as INTERACTION_CREATE.

        ``payload`` is an interaction object of any type, completed as
        :mod:`~botworker.emulator.gateway.interactions` describes. The interaction is registered
        with its id, token, channel and message first, so the bot's callback lands in
        ``interaction_responses(id)`` and a type 7 callback edits that message. Returns the
        payload that was dispatched."""
        with self._table.lock:
            full = build_interaction(self._emu.state, copy.deepcopy(payload))
        if not self._dispatch_now("INTERACTION_CREATE", copy.deepcopy(full), None):
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
        state = self._emu.state
        with self._table.lock:
            channel = state.channels.get(cid)
            if channel is None:
                raise ValueError(f"unknown channel {cid}; add it with add_channel() first")
            channel_guild = channel.get("guild_id")
            if guild_id is not None and str(guild_id) != channel_guild:
                raise ValueError(f"channel {cid} is not in guild {guild_id}")
            uid = str(author_id) if author_id is not None else DEFAULT_AUTHOR_ID
            if uid not in state.users:
                self._emu.add_user(uid, "member" if author_id is None else None)
        message = self._emu.add_message(cid, content, author_id=uid, embeds=[dict(e) for e in embeds])
        if channel_guild is not None:
            with self._table.lock:
                member = state.member_payload(state.member_record(channel_guild, uid))
            member.pop("user")
            message.update(guild_id=channel_guild, member=member)
        self._dispatch_now("MESSAGE_CREATE", copy.deepcopy(message), None)
        return message

    def send_message_update(
        self,
        channel_id: int | str,
        message_id: int | str,
        *,
        content: str | None = None,
        embeds: Iterable[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Edit a stored message as its author would (``content`` and/or ``embeds``; None keeps
        it) and dispatch MESSAGE_UPDATE with the whole message, as Discord does. Returns the payload."""
        cid, mid = str(channel_id), str(message_id)
        state = self._emu.state
        with self._table.lock:
            message = state.messages.get(cid, {}).get(mid)
            if message is None:
                raise ValueError(f"unknown message {mid} in channel {cid}")
            body: dict[str, Any] = {}
            if content is not None:
                body["content"] = content
            if embeds is not None:
                body["embeds"] = [dict(e) for e in embeds]
            message_model.apply_edit(state, message, body, [])
            payload = copy.deepcopy(message)
            channel_guild = state.channels[cid].get("guild_id")
            if channel_guild is not None:
                member = state.member_payload(state.member_record(channel_guild, payload["author"]["id"]))
                member.pop("user")
                payload.update(guild_id=channel_guild, member=member)
        self._dispatch_now("MESSAGE_UPDATE", copy.deepcopy(payload), None)
        return payload

    def send_message_delete(self, channel_id: int | str, message_id: int | str) -> dict[str, Any]:
        """Delete a stored message (as its author or a moderator would) and dispatch MESSAGE_DELETE
        (``id``, ``channel_id`` and ``guild_id`` in a guild). Returns the payload."""
        cid, mid = str(channel_id), str(message_id)
        state = self._emu.state
        with self._table.lock:
            if mid not in state.messages.get(cid, {}):
                raise ValueError(f"unknown message {mid} in channel {cid}")
            message_model.delete_message(state, cid, mid)
            payload: dict[str, Any] = {"id": mid, "channel_id": cid}
            channel_guild = state.channels[cid].get("guild_id")
            if channel_guild is not None:
                payload["guild_id"] = channel_guild
        self._dispatch_now("MESSAGE_DELETE", copy.deepcopy(payload), None)
        return payload

    # ------------------------------------------------------------------ faults (see gateway.faults)

    def drop(self, shard_id: int | None = None) -> int:
        """Abort the TCP connection of every live session (of ``shard_id``) without a close frame.

        discord.py sees close code 1006 and resumes at once. Returns the number of connections dropped."""
        return self._call(faults.drop(self._table, shard_id))

    def send_reconnect(self, shard_id: int | None = None) -> int:
        """Send RECONNECT (op 7) to every live session (of ``shard_id``); discord.py closes with 4000
        and resumes. Returns the number of sessions told."""
        return self._call(faults.tell(self._table, shard_id, frame(Op.RECONNECT), end_session=False))

    def send_invalid_session(self, resumable: bool, shard_id: int | None = None) -> int:
        """Send INVALID_SESSION (op 9) with ``d: resumable`` to every live session (of ``shard_id``).

        ``True``: discord.py closes with 4000 and resumes (the emulator accepts it). ``False``: the
        session is invalidated (its buffered events are lost) and discord.py closes with 1000 and
        identifies again, after ``before_identify_hook`` (5 s by default). Returns the number told."""
        invalid = frame(Op.INVALID_SESSION, bool(resumable))
        return self._call(faults.tell(self._table, shard_id, invalid, end_session=not resumable))

    def request_heartbeat(self, shard_id: int | None = None) -> int:
        """Send HEARTBEAT (op 1), which asks the client to heartbeat at once. Returns the number told."""
        return self._call(faults.post(self._table, shard_id, frame(Op.HEARTBEAT)))

    def close(self, code: int, shard_id: int | None = None, reason: str | None = None) -> int:
        """Close every live session's connection (of ``shard_id``) with ``code``.

        Codes that end sessions on Discord (4004, 4007, 4009-4014) invalidate the session; others
        leave it resumable. discord.py treats 1000, 4004 and 4010-4014 as fatal (4014 raises
        PrivilegedIntentsRequired, the others ConnectionClosed) and resumes after the rest.
        Returns the number of connections closed."""
        return self._call(faults.close(self._table, int(code), shard_id, reason))
