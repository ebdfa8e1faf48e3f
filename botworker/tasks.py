"""Celery tasks of the Discord layer: thin, idempotent wrappers."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import aiohttp
import discord
from celery import shared_task
from django.utils import timezone

from botworker.interactions import run_deferred
from botworker.interactions.records import FollowupInProgress
from botworker.interactions.webhooks import edit_original_response, webhook_session
from botworker.models import InteractionRecord

logger = logging.getLogger("guildhall.interactions")

INTERACTION_RECORDS_KEPT_DAYS = 7


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


@shared_task(name="botworker.prune_interaction_records")
def prune_interaction_records() -> int:
    """Forget answered interactions older than a week (Discord never repeats one that old)."""
    cutoff = timezone.now() - timedelta(days=INTERACTION_RECORDS_KEPT_DAYS)
    deleted, _ = InteractionRecord.objects.filter(created_at__lt=cutoff).delete()
    logger.info("pruned %d interaction records", deleted)
    return deleted
