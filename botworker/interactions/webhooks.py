"""Answering an interaction on Discord: the callback (gateway transport) and the edit of the
original response (a deferred answer's follow-up), through discord.py's interaction webhook
adapter, the same calls discord.py's own ``Interaction`` makes. Interaction webhooks have their own
rate limits per token, which the adapter keeps; they are authorised by the token, not the bot's.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import discord
from discord.http import MultipartParameters, handle_message_parameters
from discord.webhook.async_ import async_context, interaction_response_params

from botworker.discord_api import configure_api_base


@asynccontextmanager
async def webhook_session() -> AsyncIterator[aiohttp.ClientSession]:
    """A session for interaction webhooks outside the bot process (a Celery worker, say)."""
    configure_api_base()
    async with aiohttp.ClientSession() as session:
        yield session


async def post_callback(session: aiohttp.ClientSession, *, interaction_id: int | str, token: str, body: dict) -> None:
    """Answer an interaction with the callback body :func:`handle_interaction` returned."""
    params = interaction_response_params(int(body["type"]), body.get("data"))
    await async_context.get().create_interaction_response(int(interaction_id), token, session=session, params=params)


def _stored_files(message: dict) -> list[discord.File]:
    return [
        discord.File(
            io.BytesIO(base64.b64decode(file["data"])),
            filename=file["filename"],
            description=file["description"] or None,
        )
        for file in message.get("files") or []
    ]


def follow_up_params(message: dict) -> MultipartParameters:
    """The request of a deferred answer's edit: its message JSON, and its files (kept base64 in
    the JSON by ``render_files``) as a multipart upload described in ``attachments``."""
    body = {key: value for key, value in message.items() if key != "files"}
    files = _stored_files(message)
    if not files:
        return MultipartParameters(payload=body, multipart=None, files=None)
    params = handle_message_parameters(files=files)
    # discord.py lays out payload_json, files[n] and their `attachments`; the message itself is
    # ours, already rendered within Discord's limits.
    described = json.loads(params.multipart[0]["value"])
    params.multipart[0]["value"] = json.dumps({**body, "attachments": described["attachments"]})
    return params


async def edit_original_response(
    session: aiohttp.ClientSession, *, application_id: int | str, token: str, message: dict
) -> None:
    """Replace the interaction's original (deferred, "thinking…") response with ``message``."""
    with follow_up_params(message) as params:
        await async_context.get().edit_original_interaction_response(
            int(application_id),
            token,
            session=session,
            payload=params.payload,
            multipart=params.multipart,
            files=params.files,
        )
