"""The REST API's front door: the aiohttp handler every non-gateway request goes through.

In order: read the body, apply an injected fault (:mod:`botworker.emulator.faults`), serve
attachment downloads, apply the rate limits when they are on (:mod:`botworker.emulator.rate_limits`:
a 429 instead, or the ``X-RateLimit-*`` headers added to the answer), otherwise find the route (404 for an unknown path, 405 for a known path
with another method), check ``Authorization: Bot <token>`` where the route needs it (401
``{"message": "401: Unauthorized", "code": 0}``), run the handler under the emulator's lock and
answer Discord's JSON. Every request is recorded as a :class:`RecordedRequest`, whatever came of it.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import threading
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import CIMultiDict

from botworker.emulator.errors import APIError
from botworker.emulator.rate_limits import GLOBAL_EXEMPT, RateLimiter, Verdict
from botworker.emulator.rest import channels, commands, guilds, interactions, messages, users
from botworker.emulator.rest.plumbing import NOT_FOUND, Handler, Request, json_response, read_body

if TYPE_CHECKING:
    from botworker.emulator.emulator import DiscordEmulator
    from botworker.emulator.faults import FaultQueue

API_PREFIX = "/api/v10"
_ATTACHMENT = re.compile(r"/attachments/\d+/(\d+)/[^/]+")


@dataclasses.dataclass(frozen=True)
class RecordedRequest:
    """One request the emulator received (``status`` is None when the connection was dropped)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: CIMultiDict
    status: int | None
    at: float
    files: tuple[str, ...] = ()
    rate_limit_scope: str | None = None  # X-RateLimit-Scope of a 429 (user, shared, global)


class RestRouter:
    """Routes, authenticates and records the REST requests of one :class:`DiscordEmulator`."""

    def __init__(self, emulator: DiscordEmulator, lock: threading.RLock, faults: FaultQueue) -> None:
        self._emu = emulator
        self._lock = lock
        self._faults = faults
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = [
            (method, re.compile(pattern), handler, needs_auth)
            for module in (users, channels, messages, guilds, commands, interactions)
            for method, pattern, handler, needs_auth in module.ROUTES
        ]
        self.requests: list[RecordedRequest] = []  # guarded by the emulator's lock
        self.rate_limiter: RateLimiter | None = None  # guarded by the emulator's lock; None: no limits

    def clear(self) -> None:
        self.requests = []
        if self.rate_limiter is not None:
            self.rate_limiter = RateLimiter(self.rate_limiter.limits)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        full_path = request.path
        is_api = full_path.startswith(API_PREFIX + "/")
        path = full_path[len(API_PREFIX) :] if is_api else full_path
        method = request.method.upper()
        query = dict(request.query.items())
        body, uploads, body_error = await read_body(request)
        status: int | None = None
        scope: str | None = None
        try:
            with self._lock:
                rule = self._faults.take(method, path)
            if rule is not None and rule.drop:
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=204)
            if rule is not None:
                response = rule.response(method, path)
            elif not is_api:
                response = self._serve_attachment(method, path)
            else:
                authorization = request.headers.get("Authorization")
                verdict = self._rate_limit(method, path, authorization)
                if verdict is not None and verdict.refusal is not None:
                    response = verdict.refusal
                else:
                    routed = Request(method, path, query, copy.deepcopy(body), uploads)
                    response = self._route(routed, authorization, body_error)
                    if verdict is not None:
                        response.headers.update(verdict.headers)
            status = response.status
            if status == 429:
                scope = response.headers.get("X-RateLimit-Scope")
            return response
        finally:
            record = RecordedRequest(
                method=method,
                path=path,
                query=query,
                json=body,
                headers=CIMultiDict(request.headers),
                status=status,
                at=time.monotonic(),
                files=tuple(u.filename for u in uploads),
                rate_limit_scope=scope,
            )
            with self._lock:
                self.requests.append(record)

    def _rate_limit(self, method: str, path: str, authorization: str | None) -> Verdict | None:
        """The rate limiter's verdict on the request (None when the limits are off)."""
        with self._lock:
            if self.rate_limiter is None:
                return None
            # The global limit is the bot's: requests with its token count, interaction
            # callbacks and webhooks (no token needed) do not.
            counts_globally = authorization is not None and GLOBAL_EXEMPT.fullmatch(path) is None
            return self.rate_limiter.check(method, path, counts_globally=counts_globally)

    def _route(self, request: Request, authorization: str | None, body_error: APIError | None) -> web.Response:
        method_mismatch = False
        for method, pattern, handler, needs_auth in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            if method != request.method:
                method_mismatch = True
                continue
            try:
                if needs_auth and authorization != f"Bot {self._emu.token}":
                    raise APIError(401, 0, "401: Unauthorized")
                if body_error is not None:
                    raise body_error
                with self._lock:
                    status, payload = handler(self._emu, request, **match.groupdict())
                    return json_response(status, payload)
            except APIError as error:
                return json_response(error.status, error.body())
        if method_mismatch:
            return json_response(405, {"message": "405: Method Not Allowed", "code": 0})
        return json_response(404, NOT_FOUND)

    def _serve_attachment(self, method: str, path: str) -> web.Response:
        match = _ATTACHMENT.fullmatch(path)
        with self._lock:
            blob = self._emu.state.attachments.get(match.group(1)) if match and method == "GET" else None
        if blob is None:
            return json_response(404, NOT_FOUND)
        return web.Response(status=200, body=blob[0], headers={"Content-Type": blob[1]})
