"""Time tracking's DMs: the forgotten-session question, the automatic clock-out and the weekly
summary, each enqueued in the outbox inside the transaction that decided to send it, with a
dedupe key that makes a second enqueue (a task run twice, two workers) a no-op."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils import timezone

from botworker import outbox
from botworker.handlers.timetracking import auto_clock_out_message, forgotten_message, weekly_summary_message
from botworker.interactions import Reply, render_message
from timetracking.signals import session_auto_clocked_out, session_forgotten, weekly_summary_due


def _dm(*, user_id: int, reply: Reply, dedupe_key: str) -> None:
    message = render_message(reply)
    payload = {"user_id": user_id, "content": message["content"]}
    if message["components"]:
        payload["components"] = message["components"]
    if message["embeds"]:
        payload["embeds"] = message["embeds"]
    # One ordering key per user, so a reminder never arrives after the clock-out it announces.
    outbox.enqueue(kind="send_dm", payload=payload, dedupe_key=dedupe_key, ordering_key=f"timetracking:dm:{user_id}")


def forgotten_key(session) -> str:
    return f"timetracking:forgotten:{session.pk}:{int(session.last_activity_at.timestamp())}"


def auto_clock_out_key(session) -> str:
    return f"timetracking:auto-out:{session.pk}:{int(session.ended_at.timestamp())}"


def weekly_summary_key(user_id: int, week_start) -> str:
    return f"timetracking:weekly:{user_id}:{week_start.isoformat()}"


@receiver(session_forgotten, dispatch_uid="botworker.timetracking.forgotten")
def dm_forgotten_session(sender, session, hours, **kwargs) -> None:
    _dm(user_id=session.user_id, reply=forgotten_message(session, hours=hours), dedupe_key=forgotten_key(session))


@receiver(session_auto_clocked_out, dispatch_uid="botworker.timetracking.auto_clocked_out")
def dm_auto_clock_out(sender, session, **kwargs) -> None:
    _dm(
        user_id=session.user_id,
        reply=auto_clock_out_message(session, now=timezone.now()),
        dedupe_key=auto_clock_out_key(session),
    )


@receiver(weekly_summary_due, dispatch_uid="botworker.timetracking.weekly_summary")
def dm_weekly_summary(sender, user, report, **kwargs) -> None:
    _dm(
        user_id=user.pk,
        reply=weekly_summary_message(report),
        dedupe_key=weekly_summary_key(user.pk, report.week.start_date),
    )
