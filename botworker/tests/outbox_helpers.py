"""Shared helpers of the outbox tests: delivering with a fresh deliverer, crashing mid-row, and a
completion hook like an owning app's."""

from __future__ import annotations

import asyncio
from collections import Counter

from asgiref.sync import sync_to_async
from django.db import connections, transaction
from django.db.models.functions import Now

from botworker.discord_api import discord_http_client
from botworker.emulator import DiscordEmulator
from botworker.models import BotAction
from botworker.outbox import (
    RATELIMIT_WAIT_SECONDS,
    OutboxDeliverer,
    completion_hook,
    enqueue,
)

Kind, Status = BotAction.Kind, BotAction.Status
MESSAGES = r"/channels/\d+/messages"


def deliver(**options) -> Counter:
    """Deliver everything due with a fresh deliverer and HTTP client in a fresh event loop."""

    async def scenario() -> Counter:
        try:
            async with discord_http_client(max_ratelimit_timeout=RATELIMIT_WAIT_SECONDS) as http:
                return await OutboxDeliverer(http, **options).deliver_due()
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(scenario())


def perform_without_recording(**options) -> list[BotAction]:
    """Claim due rows and perform them on Discord, then "crash": the outcome is never recorded."""

    async def scenario() -> list[BotAction]:
        try:
            async with discord_http_client() as http:
                deliverer = OutboxDeliverer(http, **options)
                batch = await deliverer.claim_batch()
                for action in batch:
                    await deliverer.perform(action)
                return batch
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(scenario())


def reload(action: BotAction) -> BotAction:
    return BotAction.objects.get(pk=action.pk)


def make_due(*actions: BotAction) -> None:
    """Skip the backoff wait (the time passing, not the behaviour, is what this shortcut saves)."""
    BotAction.objects.filter(pk__in=[a.pk for a in actions]).update(next_attempt_at=Now())


def text_channel(emulator: DiscordEmulator, name: str = "general", guild_id: str | None = None) -> dict:
    guild_id = guild_id or emulator.add_guild(name="Guild")["id"]
    return emulator.add_channel(guild_id, name=name)


def send(channel: dict, content: str, key: str, **extra) -> BotAction:
    return enqueue(
        kind=Kind.SEND_MESSAGE,
        payload={"channel_id": channel["id"], "content": content},
        dedupe_key=key,
        guild_id=int(channel["guild_id"]) if channel.get("guild_id") else None,
        **extra,
    )


hook_calls: list[dict] = []


@completion_hook("tests.record_and_follow_up")
def record_and_follow_up(action: BotAction, result: dict) -> None:
    """A completion hook like an owning app's: it reads the row and writes in the same transaction."""
    hook_calls.append(
        {
            "status_seen": BotAction.objects.get(pk=action.pk).status,
            "in_transaction": transaction.get_connection().in_atomic_block,
            "result": result,
            "hook_args": action.hook_args,
        }
    )
    enqueue(
        kind=Kind.SEND_MESSAGE,
        payload={"channel_id": result["channel_id"], "content": f"follow-up to {result['message_id']}"},
        dedupe_key=f"{action.dedupe_key}:follow-up",
    )
    if action.hook_args.get("fail"):
        raise RuntimeError("the owning app refused")
