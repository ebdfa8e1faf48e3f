"""The ticket statistics snapshots' personal data (see docs/gdpr.md): who asked for one
(`triggered_by`), and the staff members whose claims and closes a snapshot counts (their ids in
its JSON). The figures stay (they are the guild's); an erased member's id becomes their tombstone
in both places."""

from __future__ import annotations

from django.db import models

from config.gdpr import Erase, Link, register
from support.models import TicketMetrics


def _replace_staff_id(snapshot: dict, user_id: int, tombstone: int) -> dict:
    staff = [
        {**line, "user_id": str(tombstone)} if line.get("user_id") == str(user_id) else line
        for line in snapshot.get("staff", [])
    ]
    return {**snapshot, "staff": staff}


def _erase_metrics(rows: models.QuerySet, user_id: int, tombstone: int) -> dict[str, int]:
    """Who asked takes the tombstone id; so does the member's line in every snapshot that counts
    their work (found by a JSON containment query)."""
    anonymised = rows.update(triggered_by=tombstone)
    counted = TicketMetrics.objects.filter(snapshot__staff__contains=[{"user_id": str(user_id)}])
    for metrics in counted:
        metrics.snapshot = _replace_staff_id(metrics.snapshot, user_id, tombstone)
        metrics.save(update_fields=["snapshot"])
        anonymised += 1
    return {"deleted": 0, "anonymised": anonymised}


register(
    TicketMetrics,
    Link("triggered_by", Erase.ANONYMISE),
    eraser=_erase_metrics,
    note="The staff lines of other snapshots that count the member's claims and closes are anonymised too.",
)
