"""Discord's global rate limit, shared between processes: a token bucket in Redis.

Discord allows a bot about 50 requests per second across all its routes. discord.py paces each
route by the ``X-RateLimit-*`` headers, but for the global limit it only learns of it from a 429,
and each client believes it has the whole 50 per second to itself: three outbox deliverers would
together send 150. So every Discord request of Guildhall's HTTP clients first takes a token from
one bucket in Redis, keyed by the bot's token, shared by every process of that bot.

* **The bucket** is a GCRA (the "generic cell rate algorithm", a token bucket kept as one
  timestamp): ``rate`` tokens per second, at most ``burst`` at once. One Lua script reserves the
  next free slot atomically and answers how long to wait for it, using Redis's clock, so the
  processes' clocks do not matter and no taker polls: one round trip per request.
* **Where it plugs in**: an aiohttp ``TraceConfig`` (:meth:`GlobalRateLimit.trace_config`) given
  to discord.py's ``HTTPClient`` (``http_trace``). aiohttp awaits ``on_request_start`` before each
  request goes out, after discord.py's per-route bucket let it through (a token is not spent while
  the request still waits for its route) and again for each of discord.py's own retries.
  Interaction callbacks and webhooks, which Discord exempts from the global limit, and anything
  outside the API (attachments) take no token.
* **When Redis fails** the request goes ahead (discord.py still handles a 429) and a warning is
  logged at most once a minute: Redis is a pacing aid, not a dependency of delivery.

Settings: ``DISCORD_GLOBAL_RATE_LIMIT`` (requests per second, 50; 0 turns the shared bucket
off), ``DISCORD_GLOBAL_RATE_BURST`` (10); it needs ``REDIS_URL``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from typing import Any

import aiohttp
import discord
import redis.asyncio as aioredis
from django.conf import settings
from redis.exceptions import RedisError

logger = logging.getLogger("botworker.global_limit")

KEY_PREFIX = "guildhall:discord-global:"
EXEMPT_PATH = re.compile(r"/(interactions|webhooks)/")
WARN_EVERY_SECONDS = 60.0

# KEYS[1]: the bucket; ARGV: emission interval (s), burst tolerance (s). Returns the wait (s) as a
# string (a Lua number returned to Redis would be truncated to an integer).
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allowed_at = tat - tolerance
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.6f', new_tat), 'PX', math.ceil((new_tat - now) * 1000) + 1000)
local wait = allowed_at - now
if wait < 0 then wait = 0 end
return string.format('%.6f', wait)
"""


def bucket_key(token: str) -> str:
    """The Redis key of a bot's bucket (a digest of the token, never the token itself)."""
    return KEY_PREFIX + hashlib.sha256(token.encode()).hexdigest()[:24]


class GlobalRateLimit:
    """``rate`` requests per second (at most ``burst`` at once) for every holder of ``key``, in Redis."""

    def __init__(self, redis_url: str, *, key: str, rate: float, burst: int = 10) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.key = key
        self.rate = rate
        self.burst = burst
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1) * self.interval
        self._redis = aioredis.Redis.from_url(redis_url)
        self._script = self._redis.register_script(RESERVE)
        self._last_warning = -WARN_EVERY_SECONDS
        self.taken = 0  # tokens taken by this process
        self.waited = 0.0  # seconds spent waiting for them

    async def reserve(self) -> float:
        """Take the next token; return how long to wait before using it (0: now)."""
        return float(await self._script(keys=[self.key], args=[f"{self.interval:.9f}", f"{self.tolerance:.9f}"]))

    async def acquire(self) -> None:
        """Wait until this process may send one more request (at once when Redis cannot be asked)."""
        try:
            wait = await self.reserve()
        except (RedisError, OSError) as exc:
            now = time.monotonic()
            if now - self._last_warning >= WARN_EVERY_SECONDS:
                self._last_warning = now
                logger.warning("the shared Discord rate limit is unavailable, sending unpaced: %s", exc)
            return
        self.taken += 1
        if wait > 0:
            self.waited += wait
            await asyncio.sleep(wait)

    def counts(self, url: Any) -> bool:
        """Whether a request to ``url`` counts against the bot's global limit."""
        text = str(url)
        base = discord.http.Route.BASE
        return text.startswith(base) and EXEMPT_PATH.match(text[len(base) :]) is None

    def trace_config(self) -> aiohttp.TraceConfig:
        """A trace for discord.py's ``HTTPClient(http_trace=...)`` taking a token before each request."""

        async def on_request_start(session: Any, context: Any, params: aiohttp.TraceRequestStartParams) -> None:
            if self.counts(params.url):
                await self.acquire()

        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(on_request_start)
        return trace

    async def close(self) -> None:
        await self._redis.aclose()


def global_limit_from_settings(token: str) -> GlobalRateLimit | None:
    """The shared bucket for ``token`` as the settings describe it; None without Redis or with a
    rate of 0 (then discord.py's own handling of global 429s is all there is)."""
    rate = settings.DISCORD_GLOBAL_RATE_LIMIT
    if not settings.REDIS_URL or rate <= 0:
        return None
    return GlobalRateLimit(
        settings.REDIS_URL, key=bucket_key(token), rate=rate, burst=settings.DISCORD_GLOBAL_RATE_BURST
    )
