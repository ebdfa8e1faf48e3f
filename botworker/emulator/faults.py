"""Fault injection on the REST side: the rules queued by ``DiscordEmulator.fail_next`` and the
answers they produce (429 with Discord's rate-limit headers, 4xx/5xx error bodies, or a dropped
connection).

Rules are checked before routing and authentication and consumed in the order they were queued:
the first rule whose ``method``/``path`` match is used. ``path`` is a regular expression that
must match the whole path without the ``/api/v10`` prefix (``re.fullmatch``). 429 answers carry
``Via: 1.1 google``: discord.py treats a 429 without ``Via`` as a Cloudflare ban and raises
instead of retrying.

The gateway's faults (dropped connections, RECONNECT, INVALID_SESSION, close codes, heartbeat
requests) are :mod:`botworker.emulator.gateway.faults`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http
import math
import re
import time

from aiohttp import web

from botworker.emulator.rest.plumbing import json_response

# What an injected error says when the rule gives no code or message: Discord's usual answer.
_DEFAULT_ERRORS = {
    400: (50035, "Invalid Form Body"),
    401: (0, "401: Unauthorized"),
    403: (50013, "Missing Permissions"),
    404: (10003, "Unknown Channel"),
}


@dataclasses.dataclass
class FailureRule:
    remaining: int
    status: int
    retry_after: float
    is_global: bool
    path: re.Pattern[str] | None
    method: str | None
    code: int | None
    message: str | None
    drop: bool

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.path is None or self.path.fullmatch(path) is not None

    def response(self, method: str, path: str) -> web.Response:
        """The answer this rule gives to ``method path`` (not used when it drops the connection)."""
        if self.status == 429:
            return self._rate_limited(method, path)
        try:
            phrase = http.HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Error"
        default_code, default_message = _DEFAULT_ERRORS.get(self.status, (0, f"{self.status}: {phrase}"))
        code = self.code if self.code is not None else default_code
        return json_response(self.status, {"message": self.message or default_message, "code": code})

    def _rate_limited(self, method: str, path: str) -> web.Response:
        body = {
            "message": self.message or "You are being rate limited.",
            "retry_after": self.retry_after,
            "global": self.is_global,
            "code": self.code or 0,
        }
        route = re.sub(r"\d+", ":id", path)
        bucket = hashlib.sha1(f"{method} {route}".encode()).hexdigest()[:32]
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(max(1, math.ceil(self.retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + self.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{self.retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Scope": "global" if self.is_global else "user",
        }
        if self.is_global:
            headers["X-RateLimit-Global"] = "true"
        return json_response(429, body, headers)


class FaultQueue:
    """The queued failure rules (not thread-safe: the emulator's lock guards it)."""

    def __init__(self) -> None:
        self._rules: list[FailureRule] = []

    def clear(self) -> None:
        self._rules = []

    def add(
        self,
        n: int,
        status: int,
        *,
        retry_after: float,
        is_global: bool,
        path: str | None,
        method: str | None,
        code: int | None,
        message: str | None,
        drop: bool,
    ) -> None:
        if n < 1:
            raise ValueError("n must be at least 1")
        self._rules.append(
            FailureRule(
                remaining=n,
                status=status,
                retry_after=retry_after,
                is_global=is_global,
                path=re.compile(path) if path is not None else None,
                method=method.upper() if method else None,
                code=code,
                message=message,
                drop=drop,
            )
        )

    def take(self, method: str, path: str) -> FailureRule | None:
        """Consume one use of the first rule matching the request, if any."""
        for rule in self._rules:
            if rule.matches(method, path):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._rules.remove(rule)
                return rule
        return None
