"""The once-per-id record of an interaction (:class:`~botworker.models.InteractionRecord`).

Its row is inserted, with the answer, at the end of the transaction that holds the handler's
writes: one statement. A repeat of the same id (Discord retrying, or the other transport) finds the
row there, or waits on the first transaction's insert until it commits; either way its own insert
does nothing and its transaction is rolled back, so the effects happen once and the repeat
answers with the first answer. Plain SQL on this hot path: the ORM's insert costs more than the
statement."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from datetime import timedelta

import psycopg
from django.db import connection, transaction
from django.db.models.functions import Now
from django.utils import timezone
from psycopg.pq import TransactionStatus

from botworker.models import InteractionRecord

TABLE = InteractionRecord._meta.db_table

# The users whose data the running interaction's handler erased: the record, written after the
# handler, must not name them (an erasure anonymises the records that exist when it runs).
_erased_users: ContextVar[set[int] | None] = ContextVar("guildhall_erased_users", default=None)


@contextmanager
def answering() -> Iterator[None]:
    """The scope of one interaction's handling, for :func:`note_user_erased`."""
    token = _erased_users.set(set())
    try:
        yield
    finally:
        _erased_users.reset(token)


def note_user_erased(user_id: int) -> None:
    """The member's data was erased by the interaction being handled (if any)."""
    erased = _erased_users.get()
    if erased is not None:
        erased.add(user_id)


def record_answer(
    interaction_id: int,
    *,
    kind: str,
    guild_id: int | None,
    user_id: int | None,
    response: dict,
    deferred_payload: dict | None = None,
) -> bool:
    """Insert the interaction's record with the callback body it is answered with (and, for a
    deferred answer, the payload to complete it from). False if another transaction recorded the
    interaction first: the caller must roll its transaction back. While that transaction is still
    open, this waits for it (the unique index on interaction_id), so False means committed.
    A user the handler erased (:func:`note_user_erased`) is not named.

    Must be the last statement of the interaction's transaction. When it is also the first (the
    handler read and wrote nothing in the database: Django opens a transaction lazily, with its
    first statement), it is sent on its own and commits by itself: a transaction of one statement
    needs no BEGIN and COMMIT, which are two of the three round trips of a read-free command."""
    if user_id in (_erased_users.get() or ()):
        user_id = None
    with connection.cursor() as cursor, _alone_if_first():
        cursor.execute(
            f"INSERT INTO {TABLE} (interaction_id, kind, guild_id, user_id, response, followup, deferred_payload,"
            " created_at) VALUES (%s, %s, %s, %s, %s, NULL, %s, CURRENT_TIMESTAMP)"
            " ON CONFLICT (interaction_id) DO NOTHING RETURNING id",
            [
                interaction_id,
                kind,
                guild_id,
                user_id,
                json.dumps(response),
                None if deferred_payload is None else json.dumps(deferred_payload),
            ],
        )
        return cursor.fetchone() is not None


@contextmanager
def _alone_if_first() -> Iterator[None]:
    """Send the statement in autocommit when it would open the interaction's transaction."""
    raw = connection.connection
    if not (
        connection.vendor == "postgresql"
        and len(connection.atomic_blocks) == 1  # the interaction's own transaction, not nested
        and not connection.savepoint_ids
        and not connection.needs_rollback
        and raw.info.transaction_status == TransactionStatus.IDLE  # nothing sent in it yet
    ):
        yield
        return
    raw.autocommit = True
    try:
        yield
    finally:
        # Fails only on a broken connection, which Django discards after the request.
        with suppress(psycopg.Error):
            raw.autocommit = False


def first_answer(interaction_id: int) -> dict | None:
    """The callback body the interaction was first answered with; None if it was never recorded."""
    stored = InteractionRecord.objects.filter(interaction_id=interaction_id).values_list("response", flat=True)
    return next(iter(stored), None)


class FollowupInProgress(Exception):
    """Another run of the interaction's deferred handler started less than a lease ago."""


def start_followup(interaction_id: int, *, lease: timedelta) -> dict | None:
    """Claim the run of a deferred handler that works outside a transaction, in a transaction of
    its own. The stored follow-up when one exists (nothing to run); None when the caller now
    holds the claim. FollowupInProgress while another run's claim is younger than ``lease``."""
    with transaction.atomic():
        record = InteractionRecord.objects.select_for_update().get(interaction_id=interaction_id)
        if record.followup is not None:
            return record.followup
        if record.followup_started_at is not None and record.followup_started_at > timezone.now() - lease:
            raise FollowupInProgress(f"interaction {interaction_id}: its deferred handler is running")
        InteractionRecord.objects.filter(pk=record.pk).update(followup_started_at=Now())
    return None


def finish_followup(interaction_id: int, followup: dict) -> dict:
    """Store the follow-up unless one is stored already; return the one that is (the first wins)."""
    with transaction.atomic():
        InteractionRecord.objects.filter(interaction_id=interaction_id, followup__isnull=True).update(followup=followup)
        return InteractionRecord.objects.values_list("followup", flat=True).get(interaction_id=interaction_id)
