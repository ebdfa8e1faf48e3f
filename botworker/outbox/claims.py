"""Claiming outbox rows and recording their outcomes: the deliverer's database side.

* **Claim.** One short transaction selects due rows ``FOR UPDATE SKIP LOCKED`` (pending or retry
  rows whose ``next_attempt_at`` has passed, and in-progress rows whose lease expired because
  their deliverer died), leaving out rows held back by an unfinished row (an earlier row with
  the same ``ordering_key``, or the row named by ``message_from``) and kinds the deliverer
  cannot perform, and marks them in progress under the worker's id with a lease and one more
  attempt. Two deliverers never hold the same row; a crashed one's rows come back when the
  lease expires.
* **Record.** The outcome is written only if the row is still claimed by this worker (a
  conditional UPDATE): done with the result and the completion hook in the same transaction;
  retry with backoff; dead with the reason.

Every method is one synchronous unit of work (one transaction at most, and never a network
call); the deliverer runs them through ``sync_to_async``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import close_old_connections, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Now

from botworker.models import BotAction
from botworker.outbox.failures import Outcome, backoff_seconds, describe_error
from botworker.outbox.hooks import get_completion_hook
from botworker.outbox.queue import FINISHED_STATUSES
from botworker.signals import action_dead, action_retrying
from config.logging import log_context

logger = logging.getLogger("botworker.delivery")

Status = BotAction.Status


@dataclass(frozen=True)
class Claims:
    """The rows of one deliverer (``worker_id``): claiming them under a lease, and recording what
    became of each."""

    worker_id: str
    kinds: tuple[str, ...]
    lease: timedelta
    max_attempts: int
    batch_size: int

    def claim(self, limit: int | None = None, exclude: frozenset[int] = frozenset()) -> list[BotAction]:
        """Claim up to ``limit`` (default ``batch_size``) due rows, leaving out the ids in ``exclude``."""
        # A batch is this worker's unit of work: like a request, it starts by dropping a
        # connection that broke or outlived CONN_MAX_AGE.
        close_old_connections()
        while True:
            rows, claimed = self._claim_once(limit or self.batch_size, exclude)
            # Rows marked abandoned are finished; look again so they do not end the pass early.
            if claimed or not rows:
                return claimed

    def _claim_once(self, limit: int, exclude: frozenset[int]) -> tuple[list, list[BotAction]]:
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
                .exclude(pk__in=exclude)
                .filter(~Exists(earlier_unfinished), ~Exists(source_unfinished))
                .order_by("pk")
                .values_list("pk", "status", "attempts")[:limit]
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

    def record_done(self, action: BotAction, result: dict) -> tuple[str, str]:
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

    def record_failure(self, action: BotAction, outcome: Outcome) -> tuple[str, str, float]:
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
            elif updated and status == Status.RETRY:
                action_retrying.send(sender=BotAction, action_id=action.pk, error=error)
        return ("lost" if not updated else status), error, delay

    def release(self, pks: list[int]) -> int:
        with transaction.atomic():
            return BotAction.objects.filter(pk__in=pks, claimed_by=self.worker_id, status=Status.IN_PROGRESS).update(
                status=Status.PENDING,
                attempts=F("attempts") - 1,
                lease_expires_at=None,
                claimed_by="",
                updated_at=Now(),
            )

    def renew_leases(self) -> int:
        with transaction.atomic():
            return BotAction.objects.filter(claimed_by=self.worker_id, status=Status.IN_PROGRESS).update(
                lease_expires_at=Now() + self.lease
            )

    def source(self, dedupe_key: str) -> BotAction | None:
        return BotAction.objects.filter(dedupe_key=dedupe_key).first()
