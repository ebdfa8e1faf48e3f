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
``sync_to_async``, one transaction per unit (:mod:`~botworker.outbox.claims`), and never while a
request to Discord is in flight; each kind is performed by :mod:`~botworker.outbox.performers`.

Settings (read when a deliverer is created; each overridable per instance):
``OUTBOX_LEASE_SECONDS`` (60), ``OUTBOX_MAX_ATTEMPTS`` (10), ``OUTBOX_POLL_SECONDS`` (1.0).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections import Counter
from datetime import timedelta

import discord
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections

from botworker.models import BotAction
from botworker.outbox.claims import Claims
from botworker.outbox.failures import classify
from botworker.outbox.listener import OutboxListener
from botworker.outbox.performers import Context, PresenceSetter
from botworker.outbox.performers import perform as perform_action
from config.logging import log_context

logger = logging.getLogger("botworker.delivery")

# Rows held at once, and performed at once: rows waiting for their route's rate-limit window (in
# discord.py, or in the shared limits) cost a sleeping coroutine each, so there must be enough of
# them for the rows on other routes to keep the global limit busy.
DEFAULT_BATCH_SIZE = 100
DEFAULT_CONCURRENCY = 100
# The longest 429 wait a stand-alone deliverer lets discord.py sleep inside one request (30 s is
# discord.py's minimum); a longer one puts the row back with next_attempt_at after the wait, so
# one rate-limited channel does not hold up every other delivery.
RATELIMIT_WAIT_SECONDS = 30.0

Status = BotAction.Status
Kind = BotAction.Kind


def _default_worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


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
        self.claims = Claims(
            worker_id=self.worker_id,
            kinds=self.kinds,
            lease=self.lease,
            max_attempts=self.max_attempts,
            batch_size=batch_size,
        )
        self.context = Context(http=http, presence_setter=presence_setter, find_action=self._find_action)

    async def _find_action(self, dedupe_key: str) -> BotAction | None:
        return await sync_to_async(self.claims.source)(dedupe_key)

    # ------------------------------------------------------------------ delivering

    async def claim_batch(self, limit: int | None = None, exclude: frozenset[int] = frozenset()) -> list[BotAction]:
        """Claim up to ``limit`` (default ``batch_size``) due rows for this worker (in progress,
        leased, attempts+1), leaving out the ids in ``exclude``."""
        return await sync_to_async(self.claims.claim)(limit, exclude)

    async def deliver_due(self, stop_event: asyncio.Event | None = None) -> Counter:
        """Claim and deliver rows until nothing is due or ``stop_event`` is set.

        Rows are claimed as others finish, so a row waiting for its route's rate limit (discord.py
        sleeps until the bucket resets) never holds back rows on other routes: at most
        ``batch_size`` rows are held at once, ``concurrency`` of them performed at once, and more
        are claimed whenever a quarter of the held rows (at least one) have finished. A pass
        tries a row at most once: one that failed waits for the next pass, after its backoff.

        Returns how many rows ended in each outcome: ``done``, ``retry``, ``dead``, ``released``
        (stop requested before the row started), ``lost`` (its lease was taken over, outcome
        discarded) and ``error`` (the outcome could not be recorded; the row comes back when
        its lease expires)."""
        totals: Counter = Counter()
        slots = asyncio.Semaphore(self.concurrency)
        held: dict[asyncio.Task, int] = {}
        tried: set[int] = set()
        refill_at = max(1, self.batch_size // 4)
        renewer = asyncio.create_task(self._renew_leases_while_running())
        try:
            nothing_due = False
            while True:
                stopping = stop_event is not None and stop_event.is_set()
                free = self.batch_size - len(held)
                if not stopping and not nothing_due and free >= refill_at:
                    batch = await self.claim_batch(free, frozenset(tried))
                    nothing_due = len(batch) < free
                    for action in batch:
                        task = asyncio.create_task(self._deliver_one(action, slots, stop_event, totals))
                        held[task] = action.pk
                    if batch:
                        continue
                if not held:
                    break
                done, _ = await asyncio.wait(held, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    pk = held.pop(task)
                    if task.result() != Status.DONE:
                        tried.add(pk)
                # A finished row may let its ordering-key successor be claimed: look again.
                nothing_due = False
        finally:
            if held:  # cancelled: the rows in flight come back when their leases expire
                for task in held:
                    task.cancel()
                await asyncio.gather(*held, return_exceptions=True)
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
        return totals

    async def _renew_leases_while_running(self) -> None:
        interval = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                await sync_to_async(self.claims.renew_leases)()
            except Exception:
                logger.exception("could not renew the outbox leases of %s", self.worker_id)

    async def _deliver_one(
        self, action: BotAction, slots: asyncio.Semaphore, stop_event: asyncio.Event | None, counts: Counter
    ) -> str:
        """Perform and record one claimed row (or release it when stopping); return the outcome."""
        async with slots:
            with log_context(action=action.pk, guild=action.guild_id):
                try:
                    if stop_event is not None and stop_event.is_set():
                        released = await sync_to_async(self.claims.release)([action.pk])
                        outcome = "released" if released else "lost"
                        logger.info("%s released for retry: the deliverer is stopping", action.kind)
                    else:
                        outcome = str(await self._attempt(action))
                except Exception:
                    # Recording failed (database down): the row stays claimed and comes back
                    # when its lease expires.
                    outcome = "error"
                    logger.exception("%s: could not record the outcome; it is retried after its lease", action.kind)
                counts[outcome] += 1
                return outcome

    async def _attempt(self, action: BotAction) -> str:
        started = time.monotonic()
        try:
            # A row that already holds a result did its Discord work; only its completion hook
            # failed (see outbox.retry_now), so only the hook runs again.
            result = action.result if action.result is not None else await self.perform(action)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            outcome = classify(exc)
        else:
            status, error = await sync_to_async(self.claims.record_done)(action, result)
            elapsed = (time.monotonic() - started) * 1000
            if status == Status.DONE:
                logger.info("%s delivered in %.0f ms (attempt %d)", action.kind, elapsed, action.attempts)
            elif status == Status.DEAD:
                logger.error("%s performed but dead: %s", action.kind, error)
            else:
                logger.warning("%s performed, but its claim was lost to another deliverer", action.kind)
            return status
        status, error, delay = await sync_to_async(self.claims.record_failure)(action, outcome)
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

    async def perform(self, action: BotAction) -> dict:
        """Carry out one claimed row on Discord and return its result; raises on failure.

        Records nothing: the caller decides the row's fate from the result or the exception."""
        return await perform_action(self.context, action)

    # ------------------------------------------------------------------ the loop

    async def run(self, stop_event: asyncio.Event) -> None:
        """Deliver until ``stop_event`` is set: everything due, then wait for a NOTIFY or the poll.

        Never raises for a failed pass (it is logged and tried again after the poll interval), so
        a database outage pauses delivery instead of ending it. After a stop through
        ``stop_event`` no row is left claimed but unstarted; the listening connection is closed
        and the sync thread's database connection released. (A task cancelled instead leaves
        its claimed rows to expire and be taken again.)"""
        listener = OutboxListener(self.poll_seconds)
        try:
            while not stop_event.is_set():
                await listener.listen()
                try:
                    await self.deliver_due(stop_event)
                except Exception:
                    logger.exception("outbox delivery pass failed; trying again in %.1f s", self.poll_seconds)
                if stop_event.is_set():
                    break
                await listener.wait(stop_event)
        finally:
            await listener.close()
            await sync_to_async(connections.close_all)()
