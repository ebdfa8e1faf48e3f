"""The shifts app's events as Discord side effects, through the outbox.

Every action on one shift's message shares the ordering key `shift:<id>`, and every edit names
the post by its dedupe key (`message_from`), so an edit never overtakes the post and the last
edit shows the last state. Dedupe keys are deterministic and name the recipient: the post is once
per shift, each edit and the claim and release DMs once per `Shift.version` and person, the
cancellation DMs once per shift and person. The post's completion hook hands the message id back
to the shifts app through a service. How the message and the DMs look is the presenter's.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver

from botworker.models import BotAction
from botworker.outbox import completion_hook, enqueue
from botworker.presenters import shifts as presenter
from botworker.receivers.common import enqueue_dm, message_body
from shifts import services
from shifts.models import Shift
from shifts.signals import shift_changed, shift_reminder_due

logger = logging.getLogger("guildhall.shifts")

POSTED_HOOK = "shifts.message_posted"


def post_key(shift_id: int) -> str:
    return f"shifts:shift:{shift_id}:post"


def ordering_key(shift_id: int) -> str:
    return f"shift:{shift_id}"


@receiver(shift_changed, dispatch_uid="botworker.shifts.shift_changed")
def on_shift_changed(sender, shift: Shift, change: str, previous_claimer: int | None = None, **kwargs) -> None:
    body = message_body(presenter.shift_message(shift))
    if change == "dropped":
        enqueue(
            kind=BotAction.Kind.SEND_MESSAGE,
            payload={"channel_id": shift.channel_id, **body},
            dedupe_key=post_key(shift.pk),
            guild_id=shift.guild_id,
            ordering_key=ordering_key(shift.pk),
            hook=POSTED_HOOK,
            hook_args={"shift_id": shift.pk},
        )
        return
    enqueue(
        kind=BotAction.Kind.EDIT_MESSAGE,
        payload={"message_from": post_key(shift.pk), **body},
        dedupe_key=f"shifts:shift:{shift.pk}:v{shift.version}",
        guild_id=shift.guild_id,
        ordering_key=ordering_key(shift.pk),
    )
    version_key = f"shifts:shift:{shift.pk}:v{shift.version}"
    if change == "claimed":
        for user_id in concerned(shift, skip=shift.claimed_by):
            enqueue_dm(
                user_id=user_id,
                reply=presenter.claimed_dm(shift, recipient=user_id),
                dedupe_key=f"{version_key}:claimed-dm:{user_id}",
                guild_id=shift.guild_id,
            )
    elif change == "released" and previous_claimer:
        for user_id in concerned(shift, skip=previous_claimer):
            enqueue_dm(
                user_id=user_id,
                reply=presenter.released_dm(shift, recipient=user_id, claimer=previous_claimer),
                dedupe_key=f"{version_key}:released-dm:{user_id}",
                guild_id=shift.guild_id,
            )
    elif change == "cancelled":
        # A shift is cancelled once, so these keys need no version.
        for user_id in concerned(shift, previous_claimer, skip=shift.cancelled_by):
            enqueue_dm(
                user_id=user_id,
                reply=presenter.cancelled_dm(shift, recipient=user_id, previous_claimer=previous_claimer),
                dedupe_key=f"shifts:shift:{shift.pk}:cancelled-dm:{user_id}",
                guild_id=shift.guild_id,
            )


def concerned(shift: Shift, *first: int | None, skip: int | None) -> list[int]:
    """Who hears of a change, once each: `first` (a former claimer), the moderator whose shift it
    is, and whoever dropped it for them; never `skip` (who made the change: their reply told them)."""
    people = []
    for user_id in (*first, shift.assigned_user_id, shift.created_by):
        if user_id and user_id != skip and user_id not in people:
            people.append(user_id)
    return people


@receiver(shift_reminder_due, dispatch_uid="botworker.shifts.reminder_due")
def on_reminder_due(sender, shift: Shift, **kwargs) -> None:
    # One reminder per shift, claimer and start: a re-claim or a moved start gets its own.
    ts = int(shift.start_time_utc.timestamp())
    enqueue_dm(
        user_id=shift.claimed_by,
        reply=presenter.reminder_dm(shift),
        dedupe_key=f"shifts:shift:{shift.pk}:reminder:{shift.claimed_by}:{ts}",
        guild_id=shift.guild_id,
    )


@completion_hook(POSTED_HOOK)
def record_posted_message(action: BotAction, result: dict) -> None:
    services.shift_record_message(
        shift_id=int(action.hook_args["shift_id"]),
        channel_id=int(result["channel_id"]),
        message_id=int(result["message_id"]),
    )
