"""Waking deliverers: LISTEN on the outbox's channel, where :func:`~botworker.outbox.enqueue`
NOTIFYs at commit, on a dedicated autocommit connection (PostgreSQL; other databases only poll)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from django.db import connections

from botworker.outbox.queue import NOTIFY_CHANNEL

logger = logging.getLogger("botworker.delivery")

# Options in Django's DATABASES entry that are not libpq connection parameters.
DJANGO_ONLY_DB_OPTIONS = {"isolation_level", "server_side_binding", "assume_role", "pool", "cursor_factory", "context"}


def _listen_params(settings_dict: dict) -> dict[str, Any]:
    """libpq connection parameters for the database Django's ``default`` connection uses."""
    params: dict[str, Any] = {
        "dbname": settings_dict.get("NAME"),
        "user": settings_dict.get("USER"),
        "password": settings_dict.get("PASSWORD"),
        "host": settings_dict.get("HOST"),
        "port": settings_dict.get("PORT"),
        "connect_timeout": 10,
    }
    options = settings_dict.get("OPTIONS") or {}
    params.update({k: v for k, v in options.items() if k not in DJANGO_ONLY_DB_OPTIONS})
    return {k: v for k, v in params.items() if v not in (None, "")}


class OutboxListener:
    """Waits for an outbox notification, a stop request or ``poll_seconds``, whichever comes
    first; reconnects after a lost connection and falls back to polling when it cannot listen."""

    def __init__(self, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self.connection = None
        self._listen_warned = False

    async def listen(self) -> None:
        """Start listening (again) if not listening. Call it before looking for due rows, so a
        commit after that look still wakes the next wait."""
        if self.connection is None:
            self.connection = await self._listen()

    async def wait(self, stop_event: asyncio.Event) -> None:
        self.connection = await self._wait_for_work(self.connection, stop_event)

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()
            self.connection = None

    async def _listen(self):
        """A psycopg connection LISTENing on the outbox channel, or None (SQLite, or it failed)."""
        connection = connections["default"]
        if connection.vendor != "postgresql":
            return None
        import psycopg

        try:
            listener = await psycopg.AsyncConnection.connect(
                autocommit=True, **_listen_params(connection.settings_dict)
            )
            await listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except psycopg.Error as exc:
            if not self._listen_warned:
                logger.warning(
                    "cannot LISTEN for outbox notifications, polling every %.1f s: %s", self.poll_seconds, exc
                )
                self._listen_warned = True
            return None
        self._listen_warned = False
        return listener

    async def _wait_for_work(self, listener, stop_event: asyncio.Event):
        """Wait for a notification, ``stop_event`` or the poll interval; return the listener still usable."""
        waiters = {asyncio.ensure_future(stop_event.wait())}
        notified = None
        if listener is not None:
            notified = asyncio.ensure_future(self._next_notification(listener))
            waiters.add(notified)
        _, pending = await asyncio.wait(waiters, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED)
        for waiter in pending:
            waiter.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if notified is not None and notified.done() and not notified.cancelled() and notified.exception():
            logger.warning("the outbox LISTEN connection failed, reconnecting: %s", notified.exception())
            with contextlib.suppress(Exception):
                await listener.close()
            return None
        return listener

    @staticmethod
    async def _next_notification(listener) -> None:
        # aclosing: leaving the generator early must release the connection's lock at once,
        # not whenever the generator is garbage-collected.
        async with contextlib.aclosing(listener.notifies()) as notifications:
            async for _ in notifications:
                return
