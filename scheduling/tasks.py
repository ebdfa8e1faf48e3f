"""Beat tasks of the scheduling app: the dispatcher's run, thin and idempotent (everything it
sends is recorded, once, in the transaction that queues it)."""

from __future__ import annotations

from celery import shared_task

from scheduling import dispatcher

# A run stops taking new batches after this long and leaves the rest to the next run (beat starts
# one every few seconds), so runs never pile up behind one huge backlog.
RUN_TIME_BUDGET_SECONDS = 20.0


@shared_task(name="scheduling.dispatch_due")
def dispatch_due() -> dict:
    """Send every occurrence that is due (reminders, scheduled jobs). Returns the counts."""
    report = dispatcher.dispatch_due(time_budget=RUN_TIME_BUDGET_SECONDS)
    return {
        "rows": report.rows,
        "sent": report.sent,
        "late": report.late,
        "missed": report.missed,
        "failed": report.failed,
    }
