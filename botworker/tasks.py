"""Celery tasks of the Discord layer: thin, idempotent wrappers."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
from datetime import timedelta

import aiohttp
import discord
from celery import shared_task
from django.utils import timezone

from botworker.discord_api import discord_http_client
from botworker.interactions import run_deferred
from botworker.models import InteractionRecord

logger = logging.getLogger("guildhall.interactions")

INTERACTION_RECORDS_KEPT_DAYS = 7


async def _edit_original_response(*, application_id: str, token: str, message: dict) -> None:
    async with discord_http_client() as http:
        route = discord.http.Route(
            "PATCH",
            "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
            webhook_id=application_id,
            webhook_token=token,
        )
        stored_files = message.get("files") or []
        if not stored_files:
            await http.request(route, json=message)
            return
        # Files (render_files) go as multipart: payload_json plus files[n], each described in
        # `attachments` by its index.
        body = {key: value for key, value in message.items() if key != "files"}
        body["attachments"] = [
            {"id": index, "filename": file["filename"], "description": file["description"]}
            for index, file in enumerate(stored_files)
        ]
        files = [
            discord.File(io.BytesIO(base64.b64decode(file["data"])), filename=file["filename"]) for file in stored_files
        ]
        form = [{"name": "payload_json", "value": json.dumps(body)}]
        form += [
            {
                "name": f"files[{index}]",
                "value": file.fp,
                "filename": file.filename,
                "content_type": "application/octet-stream",
            }
            for index, file in enumerate(files)
        ]
        await http.request(route, form=form, files=files)


UNKNOWN_WEBHOOK = 10015


@shared_task(
    bind=True,
    name="botworker.complete_deferred_interaction",
    autoretry_for=(discord.DiscordServerError, aiohttp.ClientError, asyncio.TimeoutError),
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
