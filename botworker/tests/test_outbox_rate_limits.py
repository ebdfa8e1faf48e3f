"""The outbox deliverer against Discord's rate limits: deliverers sharing the limits through Redis
deliver everything without a single 429, where the same deliverers each on their own do not."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest
from asgiref.sync import sync_to_async
from django.db import connections, transaction

from botworker.discord_api import discord_http_client
from botworker.emulator import BucketRule, DiscordEmulator, RateLimits
from botworker.emulator.rate_limits import DEFAULT_RULES, DM_CHANNELS, MESSAGES
from botworker.models import BotAction
from botworker.outbox import RATELIMIT_WAIT_SECONDS, OutboxDeliverer, SendDM, SendMessage, enqueue_many

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("not __import__('django.conf').conf.settings.REDIS_URL", reason="needs REDIS_URL"),
]

# Short windows and a low global limit, so a few dozen rows cross every limit in a few seconds.
LIMITS = RateLimits(
    global_per_second=20,
    rules=(
        BucketRule("messages", "POST", MESSAGES.path, 3, 0.5, "channel_id"),
        BucketRule("DM channel creation", "POST", DM_CHANNELS.path, 4, 0.5),
        *DEFAULT_RULES[1:3],
    ),
)


@pytest.fixture
def limited(emulator: DiscordEmulator, settings):
    settings.DISCORD_GLOBAL_RATE_LIMIT, settings.DISCORD_GLOBAL_RATE_BURST = LIMITS.global_per_second, 3
    # Limits of this test's own: what earlier tests' deliverers learnt of the same token's routes
    # (from the emulator without limits) is not this emulator's.
    settings.DISCORD_RATE_LIMIT_NAMESPACE = f"test-{uuid.uuid4().hex[:12]}"
    emulator.set_rate_limits(LIMITS)
    try:
        yield emulator
    finally:
        emulator.set_rate_limits(None)


def burst(emulator: DiscordEmulator) -> int:
    guild = emulator.add_guild(name="Guild")["id"]
    channels = [emulator.add_channel(guild, name=f"c{i}")["id"] for i in range(3)]
    users = [emulator.add_member(guild, 1_200_000_000_000_000_000 + i)["user"]["id"] for i in range(12)]
    items = [
        {"payload": SendMessage(channel_id=channels[i % 3], content=f"news {i}"), "dedupe_key": f"news:{i}"}
        for i in range(24)
    ] + [{"payload": SendDM(user_id=user, content="hello"), "dedupe_key": f"dm:{user}"} for user in users]
    with transaction.atomic():
        enqueue_many(items)
    return len(items)


def deliver_with(deliverers: int) -> Counter:
    """`deliverers` deliverers at once, each with its own client and shared limits, as processes have."""

    async def one() -> Counter:
        async with discord_http_client(max_ratelimit_timeout=RATELIMIT_WAIT_SECONDS) as http:
            return await OutboxDeliverer(http, batch_size=10, concurrency=10).deliver_due()

    async def scenario() -> Counter:
        try:
            return sum(await asyncio.gather(*(one() for _ in range(deliverers))), Counter())
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(scenario())


def test_deliverers_sharing_the_limits_get_no_429(limited: DiscordEmulator) -> None:
    total = burst(limited)
    assert deliver_with(3) == Counter(done=total)
    assert limited.rate_limited() == []
    assert BotAction.objects.filter(status=BotAction.Status.DONE).count() == total


def test_without_the_shared_limits_the_same_deliverers_are_refused(limited: DiscordEmulator, settings) -> None:
    # The control of the test above: each deliverer believing it has every limit to itself.
    settings.DISCORD_GLOBAL_RATE_LIMIT = 0
    total = burst(limited)
    outcomes = deliver_with(3)
    assert limited.rate_limited()
    # discord.py waited out most 429s; a row refused five times in a row is retried later.
    assert outcomes["done"] + outcomes["retry"] == total
