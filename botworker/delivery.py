"""The outbox deliverer: performs committed :class:`~botworker.models.BotAction` rows on Discord.

Nothing lost, nothing sent twice:

* **Claim.** One short transaction selects due rows ``FOR UPDATE SKIP LOCKED`` (pending or retry
  rows whose ``next_attempt_at`` has passed, and in-progress rows whose lease expired because
  their deliverer died), leaving out rows held back by an unfinished row (an earlier row with
  the same ``ordering_key``, or the row named by ``message_from``) and kinds this deliverer
  cannot perform, and marks them in progress under this worker's id with a lease and one more
  attempt. Two deliverers never hold the same row; a crashed one's rows come back when the
  lease expires. While a batch runs, the leases of its rows are renewed, so a long action (a
  purge) is not taken over by another deliverer.
* **Record.** The outcome is written only if the row is still claimed by this worker (a
  conditional UPDATE): done with the result and the completion hook in the same transaction;
  retry with capped exponential backoff and jitter (``min(2**attempts, 300)`` s, between half
  and all of it, never sooner than a 429's retry-after) for rate limits, 5xx, network errors and
  timeouts until ``OUTBOX_MAX_ATTEMPTS``; dead at once, with the reason, for permanent errors
  (4xx such as ``403 Forbidden (code 50013): Missing Permissions``).
* **Idempotent retries.** Message sends carry a nonce derived from the dedupe key with
  ``enforce_nonce``, so a retry after a crash between Discord's answer and our commit gets the
  first message back (Discord keeps nonces for a few minutes: longer than the default lease);
  ``create_channel`` adopts a channel of the same name and parent on a retry; deleting what is
  already gone counts as done; role changes are idempotent on Discord's side.
* **Ordering.** Rows with the same ``ordering_key`` run one at a time in id order. A dead row
  does not block its successors (each action stands alone), except that an edit or delete whose
  ``message_from`` row is dead goes dead too, naming it.
* **Wake-up.** :meth:`OutboxDeliverer.run` delivers until nothing is due, then waits for a
  NOTIFY on ``guildhall_outbox`` (sent by :func:`botworker.outbox.enqueue` at commit) on a
  dedicated autocommit connection, or at most ``OUTBOX_POLL_SECONDS`` so retries come due
  without a notification. On SQLite it only polls.
* **Graceful stop.** Once the stop event is set no new row starts; rows in flight finish; rows
  claimed but not started are released (pending again, the attempt given back).

The deliverer runs in any asyncio loop with any logged-in discord.py ``HTTPClient``: the gateway
bot passes its own ``client.http``; ``manage.py deliver_outbox`` makes one. ORM work goes through
``sync_to_async``, one transaction per unit.

Settings (read when a deliverer is created; each overridable per instance):
``OUTBOX_LEASE_SECONDS`` (60), ``OUTBOX_MAX_ATTEMPTS`` (10), ``OUTBOX_POLL_SECONDS`` (1.0).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import http
import logging
import os
import random
import secrets
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import discord
from asgiref.sync import sync_to_async
from discord.http import Route
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Now

from botworker.models import BotAction
from botworker.outbox import FINISHED_STATUSES, NOTIFY_CHANNEL, derive_nonce, get_completion_hook
from botworker.signals import action_dead
from config.logging import log_context

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_CONCURRENCY",
    "RATELIMIT_WAIT_SECONDS",
    "OutboxDeliverer",
    "PermanentFailure",
    "PresenceSetter",
    "TransientFailure",
    "backoff_seconds",
    "describe_error",
]

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 20
DEFAULT_CONCURRENCY = 4
BACKOFF_CAP_SECONDS = 300.0
# The longest 429 wait a stand-alone deliverer lets discord.py sleep inside one request (30 s is
# discord.py's minimum); a longer one puts the row back with next_attempt_at after the wait, so
# one rate-limited channel does not hold up every other delivery.
RATELIMIT_WAIT_SECONDS = 30.0
# One HTTP request, discord.py's own retries and rate-limit sleeps included.
REQUEST_TIMEOUT_SECONDS = 120.0
# Discord refuses bulk deletes of messages 14 days old or more; the margin keeps clock skew and the
# time a long purge takes from turning a bulk chunk into a 400.
BULK_DELETE_MAX_AGE = timedelta(days=14) - timedelta(minutes=10)
BULK_DELETE_CHUNK = 100
HISTORY_PAGE_SIZE = 100
# Discord's JSON error codes that mean "what you wanted gone is gone".
UNKNOWN_CHANNEL, UNKNOWN_MEMBER, UNKNOWN_MESSAGE = 10003, 10007, 10008
# 401 means the token is wrong for the whole process, not that this row is bad: retry, so the rows
# survive until an operator fixes the token.
TRANSIENT_STATUSES = {401, 408, 429}
# Options in Django's DATABASES entry that are not libpq connection parameters.
DJANGO_ONLY_DB_OPTIONS = {"isolation_level", "server_side_binding", "assume_role", "pool", "cursor_factory", "context"}

PresenceSetter = Callable[[dict[str, Any]], Awaitable[None]]

Status = BotAction.Status
Kind = BotAction.Kind


class PermanentFailure(Exception):
    """The action cannot succeed as it stands: the row goes dead with this message as the reason."""


class TransientFailure(Exception):
    """The action may succeed later: the row is retried (not sooner than ``retry_after`` seconds)."""

    def __init__(self, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclasses.dataclass(frozen=True)
class _Outcome:
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


def _classify(exc: Exception) -> _Outcome:
    """Whether a failure is worth retrying, its reason, and the least wait before the retry."""
    if isinstance(exc, PermanentFailure):
        return _Outcome(error=str(exc))
    if isinstance(exc, TransientFailure):
        return _Outcome(error=str(exc), transient=True, retry_after=exc.retry_after)
    if isinstance(exc, discord.RateLimited):
        return _Outcome(error=f"rate limited: {exc}", transient=True, retry_after=exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        transient = exc.status >= 500 or exc.status in TRANSIENT_STATUSES
        retry_after = _retry_after_header(exc) if exc.status == 429 else 0.0
        return _Outcome(error=describe_error(exc), transient=transient, retry_after=retry_after)
    # Network trouble and timeouts are transient; so is anything unexpected (a database hiccup
    # while resolving a reference, say): it is retried a bounded number of times, then dead.
    if not isinstance(exc, aiohttp.ClientError | TimeoutError | OSError):
        logger.exception("unexpected error while performing an outbox action", exc_info=exc)
    return _Outcome(error=describe_error(exc), transient=True)


def backoff_seconds(attempts: int, retry_after: float = 0.0, *, cap: float = BACKOFF_CAP_SECONDS) -> float:
    """Delay before the next attempt after ``attempts`` failed ones: ``min(2**attempts, cap)``
    seconds with jitter (between half and all of it, so deliverers that failed together do not
    retry together), and never less than ``retry_after``."""
    ceiling = min(2.0 ** min(attempts, 32), cap)
    return max(retry_after, ceiling / 2 + random.uniform(0, ceiling / 2))


def _default_worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


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


class OutboxDeliverer:
    """Delivers due outbox rows with ``http``, a logged-in discord.py ``HTTPClient``.

    ``presence_setter`` (``await setter(payload)``) performs ``set_presence`` rows; without it
    those rows are not claimed and wait for the bot process. ``concurrency`` rows of one batch
    run at once (a batch never holds two rows of one ordering key)."""

    def __init__(
        self,
        http: discord.http.HTTPClient,
        *,
        worker_id: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        concurrency: int = DEFAULT_CONCURRENCY,
        lease_seconds: float | None = None,
        max_attempts: int | None = None,
        poll_seconds: float | None = None,
        presence_setter: PresenceSetter | None = None,
    ) -> None:
        if batch_size < 1 or concurrency < 1:
            raise ValueError("batch_size and concurrency must be at least 1")
        self.http = http
        self.worker_id = (worker_id or _default_worker_id())[:100]
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.lease = timedelta(seconds=float(lease_seconds or settings.OUTBOX_LEASE_SECONDS))
        self.max_attempts = int(max_attempts or settings.OUTBOX_MAX_ATTEMPTS)
        self.poll_seconds = float(poll_seconds or settings.OUTBOX_POLL_SECONDS)
        self.presence_setter = presence_setter
        self.kinds = tuple(k for k in Kind.values if k != Kind.SET_PRESENCE or presence_setter is not None)
        self._listen_warned = False

    # ------------------------------------------------------------------ database units (sync)

    def _claim_sync(self) -> list[BotAction]:
        # A batch is this worker's unit of work: like a request, it starts by dropping a
        # connection that broke or outlived CONN_MAX_AGE.
        close_old_connections()
        while True:
            rows, claimed = self._claim_once()
            # Rows marked abandoned are finished; look again so they do not end the pass early.
            if claimed or not rows:
                return claimed

    def _claim_once(self) -> tuple[list, list[BotAction]]:
        now = Now()
        due = Q(status__in=[Status.PENDING, Status.RETRY], next_attempt_at__lte=now) | Q(
            status=Status.IN_PROGRESS, lease_expires_at__lt=now
        )
        earlier_unfinished = (
            BotAction.objects.filter(ordering_key=OuterRef("ordering_key"), pk__lt=OuterRef("pk"))
            .exclude(ordering_key="")
            .exclude(status__in=FINISHED_STATUSES)
        )
        source_unfinished = BotAction.objects.filter(dedupe_key=OuterRef("message_from")).exclude(
            status__in=FINISHED_STATUSES
        )
        with transaction.atomic():
            rows = list(
                BotAction.objects.select_for_update(skip_locked=True)
                .annotate(message_from=KeyTextTransform("message_from", "payload"))
                .filter(due, kind__in=self.kinds)
                .filter(~Exists(earlier_unfinished), ~Exists(source_unfinished))
                .order_by("pk")
                .values_list("pk", "status", "attempts")[: self.batch_size]
            )
            # A row whose lease ran out during its last allowed attempt is not tried again: its
            # deliverer crashed or hung, possibly because of this very row.
            abandoned = [
                pk for pk, status, attempts in rows if status == Status.IN_PROGRESS and attempts >= self.max_attempts
            ]
            if abandoned:
                BotAction.objects.filter(pk__in=abandoned).update(
                    status=Status.DEAD,
                    last_error="its deliverer stopped during the last allowed attempt (lease expired); not retried",
                    lease_expires_at=None,
                    updated_at=Now(),
                )
                for pk in abandoned:
                    with log_context(action=pk):
                        logger.error("abandoned: its lease expired on the last allowed attempt")
                    action_dead.send(sender=BotAction, action_id=pk)
            claimed = [pk for pk, _, _ in rows if pk not in abandoned]
            if not claimed:
                return rows, []
            BotAction.objects.filter(pk__in=claimed).update(
                status=Status.IN_PROGRESS,
                claimed_by=self.worker_id,
                lease_expires_at=Now() + self.lease,
                attempts=F("attempts") + 1,
                updated_at=Now(),
            )
            return rows, list(BotAction.objects.filter(pk__in=claimed).order_by("pk"))

    def _mine(self, pk: int):
        return BotAction.objects.filter(pk=pk, claimed_by=self.worker_id, status=Status.IN_PROGRESS)

    def _record_done_sync(self, action: BotAction, result: dict) -> tuple[str, str]:
        with transaction.atomic():
            updated = self._mine(action.pk).update(
                status=Status.DONE,
                result=result,
                last_error="",
                lease_expires_at=None,
                completed_at=Now(),
                updated_at=Now(),
            )
            if not updated:
                return "lost", ""
            if not action.hook:
                return Status.DONE, ""
            done = BotAction.objects.get(pk=action.pk)
            try:
                # A savepoint: a failing hook leaves none of its writes behind, and the
                # enclosing transaction records why the row is not done.
                with transaction.atomic():
                    get_completion_hook(action.hook)(done, result)
            except Exception as exc:
                logger.exception("completion hook %r failed", action.hook)
                error = f"completion hook {action.hook!r} failed: {describe_error(exc)}"
                BotAction.objects.filter(pk=action.pk).update(status=Status.DEAD, last_error=error, completed_at=None)
                action_dead.send(sender=BotAction, action_id=action.pk)
                return Status.DEAD, error
        return Status.DONE, ""

    def _record_failure_sync(self, action: BotAction, outcome: _Outcome) -> tuple[str, str, float]:
        delay = 0.0
        if outcome.transient and action.attempts < self.max_attempts:
            delay = backoff_seconds(action.attempts, outcome.retry_after)
            status, error = Status.RETRY, outcome.error
            fields: dict[str, Any] = {"next_attempt_at": Now() + timedelta(seconds=delay)}
        else:
            status = Status.DEAD
            error = f"gave up after {action.attempts} attempts: {outcome.error}" if outcome.transient else outcome.error
            fields = {}
        with transaction.atomic():
            updated = self._mine(action.pk).update(
                status=status, last_error=error, lease_expires_at=None, updated_at=Now(), **fields
            )
            if updated and status == Status.DEAD:
                action_dead.send(sender=BotAction, action_id=action.pk)
        return ("lost" if not updated else status), error, delay

    def _release_sync(self, pks: list[int]) -> int:
        with transaction.atomic():
            return BotAction.objects.filter(pk__in=pks, claimed_by=self.worker_id, status=Status.IN_PROGRESS).update(
                status=Status.PENDING,
                attempts=F("attempts") - 1,
                lease_expires_at=None,
                claimed_by="",
                updated_at=Now(),
            )

    def _renew_leases_sync(self) -> int:
        with transaction.atomic():
            return BotAction.objects.filter(claimed_by=self.worker_id, status=Status.IN_PROGRESS).update(
                lease_expires_at=Now() + self.lease
            )

    def _source_sync(self, dedupe_key: str) -> BotAction | None:
        return BotAction.objects.filter(dedupe_key=dedupe_key).first()

    # ------------------------------------------------------------------ delivering

    async def claim_batch(self) -> list[BotAction]:
        """Claim up to ``batch_size`` due rows for this worker (in progress, leased, attempts+1)."""
        return await sync_to_async(self._claim_sync)()

    async def deliver_due(self, stop_event: asyncio.Event | None = None) -> Counter:
        """Claim and deliver batches until nothing is due or ``stop_event`` is set.

        Returns how many rows ended in each outcome: ``done``, ``retry``, ``dead``, ``released``
        (stop requested before the row started), ``lost`` (its lease was taken over, outcome
        discarded) and ``error`` (the outcome could not be recorded; the row comes back when
        its lease expires)."""
        totals: Counter = Counter()
        while stop_event is None or not stop_event.is_set():
            batch = await self.claim_batch()
            if not batch:
                break
            totals += await self.deliver_batch(batch, stop_event)
        return totals

    async def deliver_batch(self, batch: list[BotAction], stop_event: asyncio.Event | None = None) -> Counter:
        """Perform and record claimed rows, ``concurrency`` at a time, renewing their leases meanwhile.

        A row not started when ``stop_event`` is set is released instead."""
        counts: Counter = Counter()
        slots = asyncio.Semaphore(self.concurrency)
        renewer = asyncio.create_task(self._renew_leases_while_running())
        try:
            await asyncio.gather(*(self._deliver_one(action, slots, stop_event, counts) for action in batch))
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
        return counts

    async def _renew_leases_while_running(self) -> None:
        interval = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                await sync_to_async(self._renew_leases_sync)()
            except Exception:
                logger.exception("could not renew the outbox leases of %s", self.worker_id)

    async def _deliver_one(
        self, action: BotAction, slots: asyncio.Semaphore, stop_event: asyncio.Event | None, counts: Counter
    ) -> None:
        async with slots:
            with log_context(action=action.pk, guild=action.guild_id):
                try:
                    if stop_event is not None and stop_event.is_set():
                        released = await sync_to_async(self._release_sync)([action.pk])
                        counts["released" if released else "lost"] += 1
                        logger.info("%s released for retry: the deliverer is stopping", action.kind)
                        return
                    counts[str(await self._attempt(action))] += 1
                except Exception:
                    # Recording failed (database down): the row stays claimed and comes back
                    # when its lease expires.
                    counts["error"] += 1
                    logger.exception("%s: could not record the outcome; it is retried after its lease", action.kind)

    async def _attempt(self, action: BotAction) -> str:
        started = time.monotonic()
        try:
            # A row that already holds a result did its Discord work; only its completion hook
            # failed (see outbox.retry_now), so only the hook runs again.
            result = action.result if action.result is not None else await self.perform(action)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            outcome = _classify(exc)
        else:
            status, error = await sync_to_async(self._record_done_sync)(action, result)
            elapsed = (time.monotonic() - started) * 1000
            if status == Status.DONE:
                logger.info("%s delivered in %.0f ms (attempt %d)", action.kind, elapsed, action.attempts)
            elif status == Status.DEAD:
                logger.error("%s performed but dead: %s", action.kind, error)
            else:
                logger.warning("%s performed, but its claim was lost to another deliverer", action.kind)
            return status
        status, error, delay = await sync_to_async(self._record_failure_sync)(action, outcome)
        if status == Status.RETRY:
            logger.warning(
                "%s failed (attempt %d of %d), retrying in %.1f s: %s",
                action.kind,
                action.attempts,
                self.max_attempts,
                delay,
                error,
            )
        elif status == Status.DEAD:
            logger.error("%s dead after attempt %d: %s", action.kind, action.attempts, error)
        else:
            logger.warning("%s failed, and its claim was lost to another deliverer: %s", action.kind, error)
        return status

    # ------------------------------------------------------------------ performing one action

    async def perform(self, action: BotAction) -> dict:
        """Carry out one claimed row on Discord and return its result; raises on failure.

        Records nothing: the caller decides the row's fate from the result or the exception."""
        performers = {
            Kind.SEND_MESSAGE: self._send_message,
            Kind.EDIT_MESSAGE: self._edit_message,
            Kind.DELETE_MESSAGE: self._delete_message,
            Kind.SEND_DM: self._send_dm,
            Kind.ADD_ROLE: self._add_role,
            Kind.REMOVE_ROLE: self._remove_role,
            Kind.CREATE_CHANNEL: self._create_channel,
            Kind.SET_PRESENCE: self._set_presence,
            Kind.PURGE_CHANNEL: self._purge_channel,
        }
        performer = performers.get(action.kind)
        if performer is None:
            raise PermanentFailure(f"unknown action kind {action.kind!r}")
        return await performer(action)

    async def _request(self, route: Route, **kwargs: Any) -> Any:
        async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
            return await self.http.request(route, **kwargs)

    @staticmethod
    def _message_json(payload: dict) -> dict[str, Any]:
        body = {key: payload[key] for key in ("content", "embeds", "components") if key in payload}
        # Ping only who the payload names, never @everyone/@here, whatever the text contains.
        body["allowed_mentions"] = {
            "parse": [],
            "roles": payload.get("mention_roles", []),
            "users": payload.get("mention_users", []),
            "replied_user": False,
        }
        return body

    async def _post_message(self, action: BotAction, channel_id: str) -> dict:
        body = self._message_json(action.payload)
        body.update(nonce=derive_nonce(action.dedupe_key), enforce_nonce=True)
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        message = await self._request(route, json=body)
        return {"message_id": str(message["id"]), "channel_id": str(message["channel_id"])}

    async def _send_message(self, action: BotAction) -> dict:
        return await self._post_message(action, action.payload["channel_id"])

    async def _send_dm(self, action: BotAction) -> dict:
        channel = await self._request(
            Route("POST", "/users/@me/channels"), json={"recipient_id": action.payload["user_id"]}
        )
        return await self._post_message(action, str(channel["id"]))

    async def _message_target(self, action: BotAction) -> tuple[str, str]:
        payload = action.payload
        if payload.get("message_id"):
            return payload["channel_id"], payload["message_id"]
        key = payload["message_from"]
        source = await sync_to_async(self._source_sync)(key)
        if source is None:
            raise PermanentFailure(f"message_from {key!r} names no outbox action")
        if source.status == Status.DEAD:
            raise PermanentFailure(f"the action it depends on, {key!r} (#{source.pk}), is dead")
        if source.status != Status.DONE:
            # The claim holds such rows back; reaching this means the source was re-queued since.
            raise TransientFailure(f"the action it depends on, {key!r} (#{source.pk}), is not done yet")
        result = source.result or {}
        if not result.get("message_id") or not result.get("channel_id"):
            raise PermanentFailure(f"the action it depends on, {key!r} (#{source.pk}), posted no message")
        if payload.get("channel_id") and payload["channel_id"] != str(result["channel_id"]):
            raise PermanentFailure(
                f"channel_id {payload['channel_id']} is not the channel of {key!r}'s message ({result['channel_id']})"
            )
        return str(result["channel_id"]), str(result["message_id"])

    async def _edit_message(self, action: BotAction) -> dict:
        channel_id, message_id = await self._message_target(action)
        route = Route(
            "PATCH", "/channels/{channel_id}/messages/{message_id}", channel_id=channel_id, message_id=message_id
        )
        message = await self._request(route, json=self._message_json(action.payload))
        return {"message_id": str(message["id"]), "channel_id": str(message["channel_id"])}

    async def _delete_message(self, action: BotAction) -> dict:
        channel_id, message_id = await self._message_target(action)
        route = Route(
            "DELETE", "/channels/{channel_id}/messages/{message_id}", channel_id=channel_id, message_id=message_id
        )
        already_gone = False
        try:
            await self._request(route, reason=action.payload.get("reason"))
        except discord.NotFound as exc:
            # The message (or its whole channel) is gone already: what the delete wanted.
            if exc.code not in (UNKNOWN_MESSAGE, UNKNOWN_CHANNEL):
                raise
            already_gone = True
        return {"message_id": message_id, "channel_id": channel_id, "already_gone": already_gone}

    def _role_route(self, method: str, payload: dict) -> Route:
        return Route(
            method,
            "/guilds/{guild_id}/members/{user_id}/roles/{role_id}",
            guild_id=payload["guild_id"],
            user_id=payload["user_id"],
            role_id=payload["role_id"],
        )

    async def _add_role(self, action: BotAction) -> dict:
        payload = action.payload
        await self._request(self._role_route("PUT", payload), reason=payload.get("reason"))
        return {"guild_id": payload["guild_id"], "user_id": payload["user_id"], "role_id": payload["role_id"]}

    async def _remove_role(self, action: BotAction) -> dict:
        payload = action.payload
        result = {"guild_id": payload["guild_id"], "user_id": payload["user_id"], "role_id": payload["role_id"]}
        try:
            await self._request(self._role_route("DELETE", payload), reason=payload.get("reason"))
        except discord.NotFound as exc:
            # Someone who left the guild has no roles there: nothing is left to remove.
            if exc.code != UNKNOWN_MEMBER:
                raise
            result["member_gone"] = True
        return result

    async def _create_channel(self, action: BotAction) -> dict:
        payload = action.payload
        guild_id = payload["guild_id"]
        # An earlier attempt (a crash after Discord answered, a timeout, a manual retry of a dead
        # row) may have created the channel without our knowing: adopt it rather than make two.
        if action.attempts > 1 or action.last_error:
            channels = await self._request(Route("GET", "/guilds/{guild_id}/channels", guild_id=guild_id))
            wanted_names = {payload["name"], "-".join(payload["name"].lower().split())}
            for channel in channels:
                if (
                    channel.get("type") == 0
                    and channel.get("name") in wanted_names
                    and str(channel.get("parent_id") or "") == payload.get("parent_id", "")
                ):
                    return {"channel_id": str(channel["id"]), "adopted": True}
        body: dict[str, Any] = {"name": payload["name"], "type": 0}
        for key in ("parent_id", "topic", "permission_overwrites"):
            if key in payload:
                body[key] = payload[key]
        route = Route("POST", "/guilds/{guild_id}/channels", guild_id=guild_id)
        channel = await self._request(route, json=body, reason=payload.get("reason"))
        return {"channel_id": str(channel["id"]), "adopted": False}

    async def _set_presence(self, action: BotAction) -> dict:
        if self.presence_setter is None:
            raise TransientFailure("this deliverer cannot set the presence (no gateway connection)")
        await self.presence_setter(dict(action.payload))
        return dict(action.payload)

    async def _purge_channel(self, action: BotAction) -> dict:
        payload = action.payload
        channel_id = payload["channel_id"]
        reason = payload.get("reason")
        now = datetime.now(UTC)
        # Snowflakes are ordered by creation time: every message with a smaller id than the
        # cutoff's is older than older_than_days, so paging starts there and never reads younger ones.
        before = discord.utils.time_snowflake(now - timedelta(days=payload["older_than_days"]))
        bulk_floor = now - BULK_DELETE_MAX_AGE
        counts = {"bulk": 0, "single": 0, "kept_pinned": 0}
        pending_bulk: list[str] = []

        async def delete_single(message_id: str) -> None:
            route = Route(
                "DELETE", "/channels/{channel_id}/messages/{message_id}", channel_id=channel_id, message_id=message_id
            )
            try:
                await self._request(route, reason=reason)
            except discord.NotFound as exc:
                if exc.code != UNKNOWN_MESSAGE:  # deleted by someone else meanwhile: fine
                    raise
                return
            counts["single"] += 1

        async def flush_bulk() -> None:
            chunk = pending_bulk[:BULK_DELETE_CHUNK]
            del pending_bulk[:BULK_DELETE_CHUNK]
            if len(chunk) == 1:  # bulk delete takes 2 to 100 ids
                await delete_single(chunk[0])
                return
            route = Route("POST", "/channels/{channel_id}/messages/bulk-delete", channel_id=channel_id)
            await self._request(route, json={"messages": chunk}, reason=reason)
            counts["bulk"] += len(chunk)

        history = Route("GET", "/channels/{channel_id}/messages", channel_id=channel_id)
        while True:
            page = await self._request(history, params={"limit": HISTORY_PAGE_SIZE, "before": before})
            for message in page:
                if message.get("pinned"):
                    counts["kept_pinned"] += 1
                elif discord.utils.snowflake_time(int(message["id"])) > bulk_floor:
                    pending_bulk.append(str(message["id"]))
                    if len(pending_bulk) >= BULK_DELETE_CHUNK:
                        await flush_bulk()
                else:
                    await delete_single(str(message["id"]))
            if len(page) < HISTORY_PAGE_SIZE:
                break
            before = min(int(message["id"]) for message in page)
        while pending_bulk:
            await flush_bulk()
        return {"channel_id": channel_id, "deleted": counts["bulk"] + counts["single"], **counts}

    # ------------------------------------------------------------------ the loop

    async def run(self, stop_event: asyncio.Event) -> None:
        """Deliver until ``stop_event`` is set: everything due, then wait for a NOTIFY or the poll.

        Never raises for a failed pass (it is logged and tried again after the poll interval), so
        a database outage pauses delivery instead of ending it. After a stop through
        ``stop_event`` no row is left claimed but unstarted; the listening connection is closed
        and the sync thread's database connection released. (A task cancelled instead leaves
        its claimed rows to expire and be taken again.)"""
        listener = None
        try:
            while not stop_event.is_set():
                if listener is None:
                    listener = await self._listen()
                try:
                    await self.deliver_due(stop_event)
                except Exception:
                    logger.exception("outbox delivery pass failed; trying again in %.1f s", self.poll_seconds)
                if stop_event.is_set():
                    break
                listener = await self._wait_for_work(listener, stop_event)
        finally:
            if listener is not None:
                await listener.close()
            await sync_to_async(connections.close_all)()

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
