"""How a failed outbox attempt is judged: worth retrying (and when) or dead (and why)."""

from __future__ import annotations

import dataclasses
import http
import logging
import random

import aiohttp
import discord

logger = logging.getLogger("botworker.delivery")

BACKOFF_CAP_SECONDS = 300.0
# 401 means the token is wrong for the whole process, not that this row is bad: retry, so the rows
# survive until an operator fixes the token.
TRANSIENT_STATUSES = {401, 408, 429}


class PermanentFailure(Exception):
    """The action cannot succeed as it stands: the row goes dead with this message as the reason."""


class TransientFailure(Exception):
    """The action may succeed later: the row is retried (not sooner than ``retry_after`` seconds)."""

    def __init__(self, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclasses.dataclass(frozen=True)
class Outcome:
    """A failed attempt, classified."""

    error: str
    transient: bool = False
    retry_after: float = 0.0


def describe_error(exc: BaseException) -> str:
    """A one-line reason for ``last_error``: ``403 Forbidden (code 50013): Missing Permissions``."""
    if isinstance(exc, discord.HTTPException):
        reason = getattr(exc.response, "reason", None)
        if not reason:
            try:
                reason = http.HTTPStatus(exc.status).phrase
            except ValueError:
                reason = "Error"
        text = exc.text.replace("\n", "; ") if exc.text else ""
        return (
            f"{exc.status} {reason} (code {exc.code}): {text}" if text else f"{exc.status} {reason} (code {exc.code})"
        )
    if isinstance(exc, TimeoutError):
        return "timed out"
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _retry_after_header(exc: discord.HTTPException) -> float:
    headers = getattr(exc.response, "headers", None) or {}
    waits = []
    for name in ("Retry-After", "X-RateLimit-Reset-After"):
        try:
            waits.append(float(headers.get(name)))
        except (TypeError, ValueError):
            continue
    return max(waits, default=0.0)


def classify(exc: Exception) -> Outcome:
    """Whether a failure is worth retrying, its reason, and the least wait before the retry."""
    if isinstance(exc, PermanentFailure):
        return Outcome(error=str(exc))
    if isinstance(exc, TransientFailure):
        return Outcome(error=str(exc), transient=True, retry_after=exc.retry_after)
    if isinstance(exc, discord.RateLimited):
        return Outcome(error=f"rate limited: {exc}", transient=True, retry_after=exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        transient = exc.status >= 500 or exc.status in TRANSIENT_STATUSES
        retry_after = _retry_after_header(exc) if exc.status == 429 else 0.0
        return Outcome(error=describe_error(exc), transient=transient, retry_after=retry_after)
    # Network trouble and timeouts are transient; so is anything unexpected (a database hiccup
    # while resolving a reference, say): it is retried a bounded number of times, then dead.
    if not isinstance(exc, aiohttp.ClientError | TimeoutError | OSError):
        logger.exception("unexpected error while performing an outbox action", exc_info=exc)
    return Outcome(error=describe_error(exc), transient=True)


def backoff_seconds(attempts: int, retry_after: float = 0.0, *, cap: float = BACKOFF_CAP_SECONDS) -> float:
    """Delay before the next attempt after ``attempts`` failed ones: ``min(2**attempts, cap)``
    seconds with jitter (between half and all of it, so deliverers that failed together do not
    retry together), and never less than ``retry_after``."""
    ceiling = min(2.0 ** min(attempts, 32), cap)
    return max(retry_after, ceiling / 2 + random.uniform(0, ceiling / 2))
