"""Beat tasks of the attendance app: thin and idempotent (each event's reminder and summary are
marked sent in the transaction that queues them)."""

from __future__ import annotations

from celery import shared_task

from attendance import selectors, services


@shared_task(name="attendance.send_event_reminders")
def send_event_reminders() -> int:
    """DM the signed-up players of every event starting within 30 minutes, once per event.
    Returns how many events were reminded by this run."""
    return sum(services.event_send_reminder(event_id=event_id) for event_id in selectors.events_due_for_reminder())


@shared_task(name="attendance.send_event_summaries")
def send_event_summaries() -> int:
    """Post the attendance summary of every event that ended (within the last week) to the
    officers' channel, once per event. Returns how many were sent by this run."""
    return sum(services.event_send_summary(event_id=event_id) for event_id in selectors.events_due_for_summary())
