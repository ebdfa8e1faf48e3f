"""Celery tasks of the Discord layer: thin, idempotent wrappers."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import aiohttp
import discord
from celery import shared_task
from django.utils import timezone
from kombu.exceptions import KombuError

from botworker.interactions import run_deferred
from botworker.interactions.records import FollowupInProgress
from botworker.interactions.webhooks import edit_original_response, webhook_session
from botworker.models import InteractionRecord

logger = logging.getLogger("guildhall.interactions")

INTERACTION_RECORDS_KEPT_DAYS = 7
# A deferred answer not sent this long after the interaction is queued again by the sweeper.
FOLLOWUP_OVERDUE = timedelta(seconds=60)
# Discord accepts the follow-up edit for 15 minutes; after that nothing can reach the member.
INTERACTION_TOKEN_LIFETIME = timedelta(minutes=15)


async def _edit_original_response(*, application_id: str, token: str, message: dict) -> None:
    async with webhook_session() as session:
        await edit_original_response(session, application_id=application_id, token=token, message=message)


UNKNOWN_WEBHOOK = 10015


@shared_task(
    bind=True,
    name="botworker.complete_deferred_interaction",
    autoretry_for=(discord.DiscordServerError, aiohttp.ClientError, asyncio.TimeoutError, FollowupInProgress),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=8,
)
def complete_deferred_interaction(self, payload: dict) -> None:
    """Run a deferred handler and replace the "thinking…" response with its answer. The
    handler's effect happens once however often this runs (the answer is stored on the
    interaction's record); the edit is idempotent. Discord keeps the token valid 15 minutes."""
    message = run_deferred(payload)
    try:
        asyncio.run(
            _edit_original_response(
                application_id=str(payload["application_id"]), token=payload["token"], message=message
            )
        )
    except discord.NotFound as exc:
        # Over HTTP, Discord learns of the deferred answer only once our response reaches it;
        # an edit that overtakes it finds no original yet. Try again shortly.
        if exc.code != UNKNOWN_WEBHOOK:
            raise
        raise self.retry(countdown=1, exc=exc) from None
    InteractionRecord.objects.filter(interaction_id=int(payload["id"])).update(deferred_payload=None)


def queue_deferred_interaction(payload: dict) -> bool:
    """Queue the follow-up of a deferred interaction. With the broker unreachable this logs and
    returns False instead of raising: the record keeps the payload and the sweeper
    (:func:`requeue_overdue_followups`) queues it once the broker is back."""
    try:
        complete_deferred_interaction.delay(payload)
    except (KombuError, OSError) as exc:
        logger.warning(
            "could not queue the deferred answer of interaction %s (%s: %s); it will be queued again",
            payload.get("id"),
            type(exc).__name__,
            exc,
        )
        return False
    return True


@shared_task(name="botworker.requeue_overdue_followups")
def requeue_overdue_followups() -> dict[str, int]:
    """Queue again every deferred answer still unsent a minute after its interaction, while
    Discord's 15-minute token lasts (its run and its edit are idempotent, so a slow one queued
    twice still answers once); forget those whose token has expired. Returns the counts."""
    now = timezone.now()
    pending = InteractionRecord.objects.filter(deferred_payload__isnull=False)
    expired = pending.filter(created_at__lte=now - INTERACTION_TOKEN_LIFETIME).update(deferred_payload=None)
    if expired:
        logger.warning("%d deferred answers could not be sent before their token expired", expired)
    requeued = 0
    overdue = pending.filter(created_at__lte=now - FOLLOWUP_OVERDUE, created_at__gt=now - INTERACTION_TOKEN_LIFETIME)
    for payload in overdue.values_list("deferred_payload", flat=True):
        requeued += queue_deferred_interaction(payload)
    if requeued:
        logger.info("queued %d overdue deferred answers again", requeued)
    return {"requeued": requeued, "expired": expired}


@shared_task(name="botworker.prune_interaction_records")
def prune_interaction_records() -> int:
    """Forget answered interactions older than a week (Discord never repeats one that old)."""
    cutoff = timezone.now() - timedelta(days=INTERACTION_RECORDS_KEPT_DAYS)
    deleted, _ = InteractionRecord.objects.filter(created_at__lt=cutoff).delete()
    logger.info("pruned %d interaction records", deleted)
    return deleted
