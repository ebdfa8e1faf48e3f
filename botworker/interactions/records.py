"""The once-per-id record of an interaction (:class:`~botworker.models.InteractionRecord`).

Its row is inserted in the same transaction as the handler's writes, so a repeat of the same id
(Discord retrying, or the other transport) waits on that insert and then reads the first answer.
Plain SQL on this hot path: the ORM's insert and update cost more than the statements."""

from __future__ import annotations

import json

from django.db import connection

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
