"""The once-per-id record of an interaction (:class:`~botworker.models.InteractionRecord`).

Its row is inserted in the same transaction as the handler's writes, so a repeat of the same id
(Discord retrying, or the other transport) waits on that insert and then reads the first answer.
Plain SQL on this hot path: the ORM's insert and update cost more than the statements."""

from __future__ import annotations

import json
from datetime import timedelta

from django.db import connection, transaction
from django.db.models.functions import Now
from django.utils import timezone

from botworker.models import InteractionRecord

TABLE = InteractionRecord._meta.db_table


def claim(interaction_id: int, *, kind: str, guild_id: int | None, user_id: int) -> bool:
    """Insert the interaction's record; False if another transaction already did (it waits for
    that transaction to finish first, so the stored answer is there to read)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (interaction_id, kind, guild_id, user_id, response, followup, created_at) "
            "VALUES (%s, %s, %s, %s, NULL, NULL, CURRENT_TIMESTAMP) ON CONFLICT (interaction_id) DO NOTHING RETURNING id",
            [interaction_id, kind, guild_id, user_id],
        )
        return cursor.fetchone() is not None


def store_response(interaction_id: int, response: dict) -> None:
    """Keep the callback body the interaction was answered with (for repeats of its id)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET response = %s WHERE interaction_id = %s", [json.dumps(response), interaction_id]
        )


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
