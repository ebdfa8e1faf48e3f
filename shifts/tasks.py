"""Celery beat tasks of the shifts app: thin wrappers over services, idempotent by construction
(each row is changed once under a conditional lock, and the outbox dedupes what it sends)."""

from __future__ import annotations

import logging

from celery import shared_task

from shifts import services

logger = logging.getLogger("guildhall.shifts")


@shared_task(name="shifts.send_shift_reminders")
def send_shift_reminders() -> int:
    """DM each claimer 15 minutes before their shift starts, once per shift: a second run, or
    two at once, sends nothing again. Returns how many reminders were queued."""
    reminded = services.shift_send_due_reminders()
    if reminded:
        logger.info("queued %d shift reminders", len(reminded))
    return len(reminded)


@shared_task(name="shifts.expire_started_shifts")
def expire_started_shifts() -> int:
    """Settle shifts whose start has passed: unclaimed ones are marked expired, claimed ones are
    marked started; either way their message is re-rendered once (a claimed one loses its Release
    button). Idempotent: a shift is never settled twice. Returns how many were settled."""
    settled = services.shift_settle_started()
    if settled["expired"] or settled["started"]:
        logger.info("expired %d unclaimed shifts, marked %d claimed shifts started", *map(len, settled.values()))
    return len(settled["expired"]) + len(settled["started"])
