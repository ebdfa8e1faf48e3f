"""Discord's rate limits shared between processes of one bot, in Redis.

Discord's limits are the bot's: 50 requests per second globally, and each route's bucket (5
messages per 5 s in a channel ...). discord.py paces each route by the ``X-RateLimit-*`` headers
and learns of the global limit only from a 429, and each client believes it has every limit to
itself: three outbox deliverers would together send 150 requests a second, and 15 messages per 5 s
into one channel. So every Discord request of Guildhall's HTTP clients first reserves its place in
buckets shared through Redis, keyed by the bot's token:

* **The route's window**: until a response has told a route's limit, one request at a time (as
  discord.py does in one process), and likewise the first request of each new window, whose
  answer tells when Discord's window resets (it opened when Discord received that request, which
  may be well after the request set out); then the requests of the window so far
  (of every process) and when it resets, as Discord reported them. A request that would go over
  waits for the reset. Responses keep it true: each one's ``X-RateLimit-Remaining`` and
  ``-Reset-After`` raise the count and move the reset later, never earlier (a reset computed from
  the time the answer arrived is never before Discord's). Routes are told apart by method, path
  template and top-level resource (channel or guild), as discord.py's keys do.
* **The global bucket**, a GCRA (the "generic cell rate algorithm", a token bucket kept as one
  timestamp): ``rate`` requests per second, at most ``burst`` at once. The script reserves the
  next free slot and answers how long to wait for it, so no taker polls.

A request takes its global slot first and its place in the route's window last, right before it
goes out; each is one Lua script (atomic, on Redis's clock, so the processes' clocks do not
matter), and one more per response records the headers.

**Where it plugs in**: an aiohttp ``TraceConfig`` (:meth:`SharedRateLimits.trace_config`) given
to discord.py's ``HTTPClient`` (``http_trace``). aiohttp awaits ``on_request_start`` before each
request goes out, after discord.py's own bucket let it through (so a token is not spent while the
request still waits for its route), and again for each of discord.py's own retries;
``on_request_end`` sees the response headers. Interaction callbacks and webhooks, which Discord
exempts from the global limit and which discord.py sends through other sessions, and anything
outside the API (attachments) take nothing.

**When Redis fails** the request goes ahead (discord.py still handles a 429) and a warning is
logged at most once a minute: Redis is a pacing aid, not a dependency of delivery.

Settings: ``DISCORD_GLOBAL_RATE_LIMIT`` (requests per second, 50; 0 turns the sharing off),
``DISCORD_GLOBAL_RATE_BURST`` (10); it needs ``REDIS_URL``.
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

logger = logging.getLogger("botworker.shared_limits")

KEY_PREFIX = "guildhall:discord-limits:"
EXEMPT_PATH = re.compile(r"/(interactions|webhooks)/")
MAJOR = re.compile(r"/(channels|guilds)/(\d+)")
SNOWFLAKE = re.compile(r"/\d+(?=/|$)")
WARN_EVERY_SECONDS = 60.0
ROUTE_TTL_MS = 60_000  # a route's window is kept this long after its reset
FIRST_ANSWER_SECONDS = 2.0  # a route's first request not answered by then frees the route again
FIRST_ANSWER_POLL_SECONDS = 0.01  # how often the others look whether it was answered

# KEYS: the global bucket. ARGV: its emission interval and burst tolerance (s). Reserves the next
# slot; returns the wait until it as a string (Redis truncates Lua numbers to integers).
RESERVE_GLOBAL = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.6f', new_tat), 'PX', math.ceil((new_tat - now) * 1000) + 1000)
local wait = tat - tonumber(ARGV[2]) - now
if wait < 0 then wait = 0 end
return string.format('%.6f', wait)
"""

# KEYS: the route's window (a hash). ARGV: the TTL margin (ms), how long a route's first request
# may take to answer before the route is free again (s), the poll interval while it is awaited
# (s). Returns '0' when a place was taken, else the wait (s) before asking again.
RESERVE_ROUTE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = redis.call('HMGET', KEYS[1], 'limit', 'count', 'reset_at', 'period', 'provisional')
local limit = tonumber(window[1])
if not limit then
  -- Nobody knows this route's limit yet: one request finds it out, the others wait for its answer.
  redis.call('HSET', KEYS[1], 'limit', 1, 'count', 1, 'provisional', 1,
    'reset_at', string.format('%.6f', now + tonumber(ARGV[2])))
  redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000) + tonumber(ARGV[1]))
  return '0'
end
local count = tonumber(window[2]) or 0
local reset_at = tonumber(window[3]) or 0
if now >= reset_at then
  -- A new window: its first request goes alone, and its answer tells when Discord's window
  -- (opened when Discord received it) resets; until then a place is not given on a guess.
  redis.call('HSET', KEYS[1], 'count', 1, 'provisional', 1,
    'reset_at', string.format('%.6f', now + tonumber(ARGV[2])))
  redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000) + tonumber(ARGV[1]))
  return '0'
end
if count >= limit or window[5] then
  local wait = reset_at - now
  if window[5] and wait > tonumber(ARGV[3]) then wait = tonumber(ARGV[3]) end
  return string.format('%.6f', math.max(wait, 0.001))
end
redis.call('HSET', KEYS[1], 'count', count + 1, 'reset_at', string.format('%.6f', reset_at))
redis.call('PEXPIRE', KEYS[1], math.ceil((reset_at - now) * 1000) + tonumber(ARGV[1]))
return '0'
"""

# KEYS: the route's window. ARGV: X-RateLimit-Limit, -Remaining, -Reset-After, the TTL margin (ms).
# A response from an earlier window (its reset long before the one recorded) changes nothing. A
# limit of 0: the answer had no rate-limit headers, the route is not limited (for the TTL margin);
# -1: the request failed without an answer, the route is unknown again if it was.
RECORD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
if ARGV[1] == '-1' then
  if redis.call('HGET', KEYS[1], 'provisional') then redis.call('DEL', KEYS[1]) end
  return 0
end
if ARGV[1] == '0' then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'limit', 1000000000, 'count', 0, 'period', 1,
    'reset_at', string.format('%.6f', now + tonumber(ARGV[4]) / 1000))
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
  return 1
end
local limit = tonumber(ARGV[1])
local used = limit - tonumber(ARGV[2])
local reset_after = tonumber(ARGV[3])
local reported = now + reset_after
local window = redis.call('HMGET', KEYS[1], 'count', 'reset_at', 'period', 'provisional')
local count = tonumber(window[1]) or 0
local reset_at = tonumber(window[2]) or 0
local period = math.max(tonumber(window[3]) or 0, reset_after)
if window[4] then
  reset_at = 0
  redis.call('HDEL', KEYS[1], 'provisional')
elseif reported < reset_at - period / 2 then
  return 0
end
if reported < reset_at then reported = reset_at end
if reset_at <= now then count = 0 end
if used > count then count = used end
redis.call('HSET', KEYS[1], 'limit', limit, 'count', count, 'reset_at', string.format('%.6f', reported),
  'period', string.format('%.6f', period))
redis.call('PEXPIRE', KEYS[1], math.ceil(reset_after * 1000) + tonumber(ARGV[4]))
return 1
"""


def bot_key(token: str, namespace: str = "") -> str:
    """The Redis key prefix of a bot's limits (a digest of the token, never the token itself),
    within `namespace` (DISCORD_RATE_LIMIT_NAMESPACE: empty in a deployment)."""
    return KEY_PREFIX + (f"{namespace}:" if namespace else "") + hashlib.sha256(token.encode()).hexdigest()[:24]


def route_of(method: str, path: str) -> str:
    """A route's bucket: method, path template and top-level resource (``POST
    /channels/{id}/messages 123``)."""
    major = MAJOR.match(path)
    return f"{method.upper()} {SNOWFLAKE.sub('/{id}', path)} {major.group(2) if major else ''}"


class SharedRateLimits:
    """One bot's route windows and global bucket (``rate`` per second, ``burst`` at once) in Redis,
    under ``key``; shared by every process using the same key."""

    def __init__(self, redis_url: str, *, key: str, rate: float, burst: int = 10) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.key = key
        self.rate = rate
        self.burst = burst
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1) * self.interval
        self._redis = aioredis.Redis.from_url(redis_url)
        self._reserve_global = self._redis.register_script(RESERVE_GLOBAL)
        self._reserve_route = self._redis.register_script(RESERVE_ROUTE)
        self._record = self._redis.register_script(RECORD)
        self._last_warning = -WARN_EVERY_SECONDS
        self.taken = 0  # global tokens taken by this process
        self.route_waits = 0  # times a request waited for its route's window (another process filled it)

    def _route_key(self, route: str) -> str:
        return f"{self.key}:route:{route}"

    async def reserve_global(self) -> float:
        """Reserve the next global slot; return how long to wait for it (0: now)."""
        wait = await self._reserve_global(
            keys=[f"{self.key}:global"], args=[f"{self.interval:.9f}", f"{self.tolerance:.9f}"]
        )
        return float(wait)

    async def reserve_route(self, route: str) -> float:
        """Take a place in ``route``'s window: 0, or how long to wait before asking again (it is full)."""
        wait = await self._reserve_route(
            keys=[self._route_key(route)], args=[ROUTE_TTL_MS, FIRST_ANSWER_SECONDS, FIRST_ANSWER_POLL_SECONDS]
        )
        return float(wait)

    async def acquire(self, route: str) -> None:
        """Wait until this process may send one request on ``route`` (at once if Redis cannot be asked).

        The global slot first, the route's place last: a place is taken only right before the
        request goes out, so it lands in the window it was counted in (a request that waited
        for its global slot after taking its place could arrive in the next window, on top of
        that window's own requests). Sending later than the global slot is always safe."""
        try:
            wait = await self.reserve_global()
            self.taken += 1
            if wait > 0:
                await asyncio.sleep(wait)
            while (wait := await self.reserve_route(route)) > 0:
                self.route_waits += 1
                await asyncio.sleep(wait)
        except (RedisError, OSError) as exc:
            self._warn(exc)

    async def record(self, route: str, headers: Any | None) -> None:
        """Record what Discord said of ``route``'s bucket: its limit, or (an answer without
        rate-limit headers, but not a global 429) that it has none, or (``headers`` None: no
        answer) nothing but that its first request is over."""
        if headers is None:
            args = [-1, 0, 0, ROUTE_TTL_MS]
        else:
            limit, remaining = headers.get("X-RateLimit-Limit"), headers.get("X-RateLimit-Remaining")
            reset_after = headers.get("X-RateLimit-Reset-After")
            try:
                if limit is not None and remaining is not None and reset_after is not None:
                    args = [int(limit), int(remaining), float(reset_after), ROUTE_TTL_MS]
                elif headers.get("X-RateLimit-Global"):
                    return  # the global limit's 429 says nothing of the route
                else:
                    args = [0, 0, 0, ROUTE_TTL_MS]
            except ValueError:
                return
        try:
            await self._record(keys=[self._route_key(route)], args=args)
        except (RedisError, OSError) as exc:
            self._warn(exc)

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning >= WARN_EVERY_SECONDS:
            self._last_warning = now
            logger.warning("the shared Discord rate limits are unavailable, sending unpaced: %s", exc)

    @staticmethod
    def route_for(method: str, url: Any) -> str | None:
        """The route of a request to ``url``, or None when it takes nothing (outside the API,
        interaction callbacks and webhooks)."""
        text = str(url)
        base = discord.http.Route.BASE
        if not text.startswith(base):
            return None
        path = text[len(base) :].split("?", 1)[0]
        return None if EXEMPT_PATH.match(path) else route_of(method, path)

    def trace_config(self) -> aiohttp.TraceConfig:
        """A trace for discord.py's ``HTTPClient(http_trace=...)``: reserve before each request,
        record the headers of each response (or that none came)."""

        async def on_request_start(session: Any, context: Any, params: aiohttp.TraceRequestStartParams) -> None:
            context.route = self.route_for(params.method, params.url)
            if context.route is not None:
                await self.acquire(context.route)

        async def on_request_end(session: Any, context: Any, params: aiohttp.TraceRequestEndParams) -> None:
            route = getattr(context, "route", None)
            if route is not None:
                await self.record(route, params.response.headers)

        async def on_request_exception(session: Any, context: Any, params: aiohttp.TraceRequestExceptionParams) -> None:
            route = getattr(context, "route", None)
            if route is not None:
                await self.record(route, None)

        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(on_request_start)
        trace.on_request_end.append(on_request_end)
        trace.on_request_exception.append(on_request_exception)
        return trace

    async def close(self) -> None:
        await self._redis.aclose()


def shared_limits_from_settings(token: str) -> SharedRateLimits | None:
    """The shared limits of the bot with ``token`` as the settings describe them; None without
    Redis or with a rate of 0 (then each process has discord.py's own handling only)."""
    rate = settings.DISCORD_GLOBAL_RATE_LIMIT
    if not settings.REDIS_URL or rate <= 0:
        return None
    return SharedRateLimits(
        settings.REDIS_URL,
        key=bot_key(token, settings.DISCORD_RATE_LIMIT_NAMESPACE),
        rate=rate,
        burst=settings.DISCORD_GLOBAL_RATE_BURST,
    )
