"""Delivery outcomes of the dispatcher's occurrences: an outbox row sent for a dispatch record
carries the completion hook below, so the record shows delivered, retrying (with the last error)
or, when the row dies, why not."""

from __future__ import annotations

from django.dispatch import receiver

from botworker.models import BotAction
from botworker.outbox import completion_hook
from botworker.signals import action_dead, action_retrying
from scheduling import dispatcher

DELIVERED_HOOK = "scheduling.dispatch_delivered"


@completion_hook(DELIVERED_HOOK)
def dispatch_delivered(action: BotAction, result: dict) -> None:
    dispatcher.record_outcome(dispatch_id=int(action.hook_args["dispatch_id"]), outcome="done")


@receiver(action_dead, dispatch_uid="botworker.clock.dispatch_dead")
def dispatch_dead(sender, action_id: int, **kwargs) -> None:
    action = BotAction.objects.filter(pk=action_id, hook=DELIVERED_HOOK).only("hook_args", "last_error").first()
    if action is not None:
        dispatcher.record_outcome(
            dispatch_id=int(action.hook_args["dispatch_id"]), outcome="dead", detail=action.last_error or "gave up"
        )


@receiver(action_retrying, dispatch_uid="botworker.clock.dispatch_retrying")
def dispatch_retrying(sender, action_id: int, error: str = "", **kwargs) -> None:
    action = BotAction.objects.filter(pk=action_id, hook=DELIVERED_HOOK).only("hook_args").first()
    if action is not None:
        dispatcher.record_outcome(
            dispatch_id=int(action.hook_args["dispatch_id"]), outcome="retrying", detail=error or "retrying"
        )


def hook_for(dispatch_id: int) -> dict:
    """The enqueue arguments that report an occurrence's delivery back to its dispatch record."""
    return {"hook": DELIVERED_HOOK, "hook_args": {"dispatch_id": dispatch_id}}
