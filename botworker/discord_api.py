"""How Guildhall makes a discord.py HTTP client.

Everything that talks to Discord's REST API with the bot's token outside the gateway bot (the
stand-alone outbox deliverer, command registration) gets its client from
:func:`discord_http_client`, so the token and the API base come from one place. Interaction
webhooks (callbacks, follow-ups) need no bot token: see :mod:`botworker.interactions.webhooks`.

``settings.DISCORD_API_BASE`` exists for tests and local emulators only: when set, discord.py's
``Route.BASE`` (a process-wide class attribute) is pointed at it; production leaves it unset and
discord.py talks to ``https://discord.com/api/v10``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import discord
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from botworker.shared_limits import shared_limits_from_settings

__all__ = ["GuildhallHTTPClient", "configure_api_base", "discord_http_client"]


class _PromptRatelimit(discord.http.Ratelimit):
    """discord.py's per-route bucket, except that the request which empties a bucket returns at
    once instead of sleeping until the bucket resets.

    discord.py makes that request's caller (in ``__aexit__``) wait out the reset, so that someone
    wakes the requests queued behind it; for the outbox that meant a row whose message Discord had
    accepted was recorded done up to a window (5 s for messages) later. The sleep and the wake-up
    now run in a task of their own, exactly as discord.py does them."""

    __slots__ = ("_refreshing",)

    def __init__(self, max_ratelimit_timeout: float | None, refreshing: set[asyncio.Task]) -> None:
        super().__init__(max_ratelimit_timeout)
        self._refreshing = refreshing

    async def __aexit__(self, *exc_info: object) -> None:
        self.outgoing -= 1
        tokens = self.remaining - self.outgoing
        if self._sleeping.locked():
            return
        if tokens <= 0:
            task = asyncio.get_running_loop().create_task(self._refresh())
            self._refreshing.add(task)
            task.add_done_callback(self._refreshing.discard)
        elif self._pending_requests:
            exception = (
                discord.RateLimited(self.reset_after)
                if self._max_ratelimit_timeout and self.reset_after > self._max_ratelimit_timeout
                else None
            )
            self._wake(tokens, exception=exception)


class GuildhallHTTPClient(discord.http.HTTPClient):
    """discord.py's ``HTTPClient`` whose requests return as soon as Discord answered (see
    :class:`_PromptRatelimit`); the pacing is unchanged."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._refreshing: set[asyncio.Task] = set()

    def get_ratelimit(self, key: str) -> discord.http.Ratelimit:
        try:
            return self._buckets[key]
        except KeyError:
            value = self._buckets[key] = _PromptRatelimit(self.max_ratelimit_timeout, self._refreshing)
            self._try_clear_expired_ratelimits()
            return value

    async def close(self) -> None:
        for task in list(self._refreshing):
            task.cancel()
        await asyncio.gather(*self._refreshing, return_exceptions=True)
        await super().close()


def configure_api_base() -> str:
    """Point discord.py at ``settings.DISCORD_API_BASE`` when it is set; return the base in use.

    Idempotent. With the setting empty, ``Route.BASE`` is left as it is (Discord itself in
    production, or whatever a test fixture assigned)."""
    base = settings.DISCORD_API_BASE.rstrip("/")
    if base:
        discord.http.Route.BASE = base
    return discord.http.Route.BASE


@asynccontextmanager
async def discord_http_client(
    token: str | None = None, *, max_ratelimit_timeout: float | None = None
) -> AsyncIterator[discord.http.HTTPClient]:
    """Yield a discord.py ``HTTPClient`` logged in with ``token`` (default ``settings.DISCORD_TOKEN``).

    The client belongs to the running event loop and is closed on exit, whatever happens inside
    the block. ``max_ratelimit_timeout`` (seconds, at least 30 by discord.py's rule) makes a 429
    whose wait is longer raise ``discord.RateLimited`` instead of sleeping inside the request.

    Every request first reserves its place in the bot's rate limits shared through Redis (its
    route's window and the global bucket: :mod:`botworker.shared_limits`), when ``REDIS_URL`` is
    set and ``DISCORD_GLOBAL_RATE_LIMIT`` is not 0.

    Raises ``ImproperlyConfigured`` when no token is configured and ``discord.LoginFailure`` when
    Discord refuses it."""
    token = token or settings.DISCORD_TOKEN
    if not token:
        raise ImproperlyConfigured("DISCORD_TOKEN is not set: calling Discord needs the bot's token.")
    configure_api_base()
    shared_limits = shared_limits_from_settings(token)
    http = GuildhallHTTPClient(
        asyncio.get_running_loop(),
        max_ratelimit_timeout=max_ratelimit_timeout,
        http_trace=shared_limits.trace_config() if shared_limits is not None else None,
    )
    try:
        await http.static_login(token)
        yield http
    finally:
        await http.close()
        if shared_limits is not None:
            await shared_limits.close()
