"""Discord's rate limits, emulated: per-route buckets, the global limit per bot, their headers and 429s.

Off unless a :class:`RateLimits` is given (``DiscordEmulator(rate_limits=RateLimits())``, or
``emu.set_rate_limits(...)``): the tests of everything else stay fast and need not pace
themselves; the outbox benchmark and the rate-limit tests turn them on.

What Discord documents, and the emulator does (https://discord.com/developers/docs/topics/rate-limits):

* **Per-route buckets.** Each request falls in one bucket: the first :class:`BucketRule` whose
  method and path match, else a generic bucket per route template (``DEFAULT_ROUTE_LIMIT``). A
  rule with ``major`` keeps one bucket per value of that path parameter (a channel, a guild:
  Discord's "top-level resources"), so channel A's limit does not slow channel B. A bucket is a
  fixed window: it opens with its first request and resets ``period`` seconds later, which is
  what ``X-RateLimit-Reset`` describes.
* **Headers on every answer** of the API: ``X-RateLimit-Limit``, ``-Remaining``, ``-Reset``
  (epoch seconds), ``-Reset-After`` (seconds) and ``-Bucket`` (an opaque hash of the rule, the
  same for every channel of it, as Discord's is). discord.py reads them and waits ahead of time
  instead of running into 429s.
* **429s.** Over a route's limit: ``{"message", "retry_after", "global": false}`` with
  ``Retry-After`` and ``X-RateLimit-Scope: user`` (``shared`` for a rule marked shared: a limit on
  the resource, whoever calls). Over the global limit: ``"global": true``, ``X-RateLimit-Global:
  true`` and ``X-RateLimit-Scope: global``. Every 429 carries ``Via`` (discord.py takes a 429
  without it for a Cloudflare ban).
* **The global limit**, 50 requests per second per bot token by default, counts every
  authenticated request, 429s included; interaction callbacks and webhooks are exempt, as on
  Discord. Discord does not document its algorithm; the emulator uses a token bucket holding at
  most ``global_per_second`` tokens, refilled at ``global_per_second`` per second.

The parameters below are the emulator's defaults. Discord does not publish per-route values (it
asks clients to read the headers), so ``messages`` is the long-known 5 per 5 s per channel and
the others are plausible choices; everything reads them from the :class:`RateLimits` in use, so
any other values can be configured.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
import time
from typing import Any

from aiohttp import web

from botworker.emulator.rest.plumbing import json_response

SCOPE_USER, SCOPE_SHARED, SCOPE_GLOBAL = "user", "shared", "global"
RATE_LIMITED_MESSAGE = "You are being rate limited."
# Unauthenticated interaction routes do not count against a bot's global limit.
GLOBAL_EXEMPT = re.compile(r"/(interactions|webhooks)/.*")
_ID = r"\d+"


@dataclasses.dataclass(frozen=True)
class BucketRule:
    """A per-route bucket: ``limit`` requests per ``period`` seconds for ``method`` + ``path``
    (a regex matched with ``re.fullmatch`` against the path without ``/api/v10``), one bucket per
    value of the path group ``major`` (None: one for the bot)."""

    name: str
    method: str
    path: str
    limit: int
    period: float
    major: str | None = None
    shared: bool = False

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period <= 0:
            raise ValueError(f"bucket {self.name!r}: limit must be at least 1 and period positive")

    @property
    def bucket_hash(self) -> str:
        return hashlib.sha1(f"{self.name} {self.method} {self.path}".encode()).hexdigest()[:32]


MESSAGES = BucketRule("messages", "POST", rf"/channels/(?P<channel_id>{_ID})/messages", 5, 5.0, "channel_id")
MESSAGE_EDITS = BucketRule(
    "message edits", "PATCH", rf"/channels/(?P<channel_id>{_ID})/messages/{_ID}", 5, 5.0, "channel_id"
)
MESSAGE_DELETES = BucketRule(
    "message deletes", "DELETE", rf"/channels/(?P<channel_id>{_ID})/messages/{_ID}", 5, 1.0, "channel_id"
)
DM_CHANNELS = BucketRule("DM channel creation", "POST", r"/users/@me/channels", 20, 1.0)
ROLE_GRANTS = BucketRule(
    "member role changes", "PUT", rf"/guilds/(?P<guild_id>{_ID})/members/{_ID}/roles/{_ID}", 10, 1.0, "guild_id"
)
ROLE_REMOVALS = dataclasses.replace(ROLE_GRANTS, name="member role removals", method="DELETE")
DEFAULT_RULES = (MESSAGES, MESSAGE_EDITS, MESSAGE_DELETES, DM_CHANNELS, ROLE_GRANTS, ROLE_REMOVALS)
# Routes without a rule of their own: a generous bucket per route template (and channel or guild).
DEFAULT_ROUTE_LIMIT, DEFAULT_ROUTE_PERIOD = 50, 1.0
GLOBAL_PER_SECOND = 50


@dataclasses.dataclass(frozen=True)
class RateLimits:
    """The limits an emulator enforces (see the module docstring)."""

    global_per_second: int = GLOBAL_PER_SECOND
    rules: tuple[BucketRule, ...] = DEFAULT_RULES
    default_limit: int = DEFAULT_ROUTE_LIMIT
    default_period: float = DEFAULT_ROUTE_PERIOD

    def rule_for(self, method: str, path: str) -> tuple[BucketRule, str]:
        """The rule ``method path`` falls under and the key of its bucket."""
        for rule in self.rules:
            if rule.method == method and (match := re.fullmatch(rule.path, path)) is not None:
                return rule, f"{rule.name}:{match.group(rule.major) if rule.major else ''}"
        template = re.sub(_ID, ":id", path)
        major = re.match(rf"/(channels|guilds)/({_ID})", path)
        rule = BucketRule(f"{method} {template}", method, template, self.default_limit, self.default_period)
        return rule, f"{rule.name}:{major.group(2) if major else ''}"


@dataclasses.dataclass
class _Window:
    count: int
    resets_at: float  # time.monotonic()


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What the limiter made of one request: the headers to add, and the 429 to answer instead
    (None: go ahead)."""

    headers: dict[str, str]
    refusal: web.Response | None = None


class RateLimiter:
    """The buckets of one emulator (not thread-safe: the emulator's lock guards it)."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._windows: dict[str, _Window] = {}
        self._global_tokens = float(limits.global_per_second)
        self._global_at = time.monotonic()

    def check(self, method: str, path: str, *, counts_globally: bool) -> Verdict:
        now = time.monotonic()
        if counts_globally:
            refusal = self._take_global(now)
            if refusal is not None:
                return Verdict({}, refusal)
        rule, key = self.limits.rule_for(method, path)
        window = self._windows.get(key)
        if window is None or now >= window.resets_at:  # a window opens with its first request
            window = self._windows[key] = _Window(0, now + rule.period)
        reset_after = max(window.resets_at - now, 0.0)
        if window.count >= rule.limit:
            scope = SCOPE_SHARED if rule.shared else SCOPE_USER
            headers = self._headers(rule, 0, reset_after)
            return Verdict(headers, _too_many(reset_after, scope, headers))
        window.count += 1
        return Verdict(self._headers(rule, rule.limit - window.count, reset_after))

    def _take_global(self, now: float) -> web.Response | None:
        rate = self.limits.global_per_second
        self._global_tokens = min(float(rate), self._global_tokens + (now - self._global_at) * rate)
        self._global_at = now
        if self._global_tokens >= 1.0:
            self._global_tokens -= 1.0
            return None
        retry_after = (1.0 - self._global_tokens) / rate
        return _too_many(retry_after, SCOPE_GLOBAL, {"X-RateLimit-Global": "true"})

    @staticmethod
    def _headers(rule: BucketRule, remaining: int, reset_after: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(rule.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": rule.bucket_hash,
        }


def _too_many(retry_after: float, scope: str, headers: dict[str, str]) -> web.Response:
    # Rounded up to the millisecond: a client that waits exactly retry_after is not early.
    retry_after = math.ceil(retry_after * 1000) / 1000
    body: dict[str, Any] = {"message": RATE_LIMITED_MESSAGE, "retry_after": retry_after, "global": scope == "global"}
    return json_response(
        429,
        body,
        {
            **headers,
            "Via": "1.1 google",
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Scope": scope,
        },
    )
