"""The global rate limit shared through Redis: the bucket under concurrent takers in several
processes, which requests take a token, and Redis failing open."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import uuid

import aiohttp
import discord
import pytest
from aiohttp import web
from django.conf import settings

from botworker.global_limit import GlobalRateLimit, bucket_key, global_limit_from_settings

RATE, BURST = 40.0, 5
PROCESSES, TAKERS, SECONDS = 3, 4, 1.5

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")


def _take_for(redis_url: str, key: str, seconds: float, queue) -> None:
    """One process: TAKERS coroutines taking tokens for `seconds`; reports when each may send."""

    async def run() -> list[float]:
        limit = GlobalRateLimit(redis_url, key=key, rate=RATE, burst=BURST)
        slots: list[float] = []
        deadline = time.time() + seconds

        async def taker() -> None:
            while time.time() < deadline:
                wait = await limit.reserve()
                slots.append(time.time() + wait)  # the moment this request may go out
                await asyncio.sleep(wait)

        try:
            await asyncio.gather(*(taker() for _ in range(TAKERS)))
        finally:
            await limit.close()
        return slots

    queue.put(asyncio.run(run()))


def most_in_any_window(slots: list[float], width: float) -> int:
    slots = sorted(slots)
    most, start = 0, 0
    for end, at in enumerate(slots):
        while at - slots[start] >= width:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_takers_in_several_processes_together_never_exceed_the_rate() -> None:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    key = f"test-global-limit:{uuid.uuid4().hex}"
    processes = [
        context.Process(target=_take_for, args=(settings.REDIS_URL, key, SECONDS, queue)) for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    slots = [slot for _ in processes for slot in queue.get(timeout=60)]
    for process in processes:
        process.join(10)

    # 12 takers wanting as many tokens as they can get: every process got some, and in no
    # window did they together get more than the rate allows (a burst, then `RATE` per second).
    # One token of slack: a Redis round trip separates reading the clock from the reservation.
    assert all(process.exitcode == 0 for process in processes)
    assert len(slots) > BURST * PROCESSES
    for width in (0.1, 0.5, 1.0):
        assert most_in_any_window(slots, width) <= BURST + RATE * width + 1


def test_the_bucket_is_the_bots_whatever_the_process() -> None:
    assert bucket_key("token-a") == bucket_key("token-a") != bucket_key("token-b")
    assert "token-a" not in bucket_key("token-a")


def test_settings_decide_whether_there_is_a_shared_bucket(settings) -> None:
    settings.DISCORD_GLOBAL_RATE_LIMIT = 0
    assert global_limit_from_settings("token") is None
    settings.DISCORD_GLOBAL_RATE_LIMIT, settings.DISCORD_GLOBAL_RATE_BURST = 45, 3
    limit = global_limit_from_settings("token")
    assert (limit.rate, limit.burst, limit.key) == (45, 3, bucket_key("token"))
    asyncio.run(limit.close())
    settings.REDIS_URL = ""
    assert global_limit_from_settings("token") is None


def test_only_api_requests_of_the_bot_take_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:1/api/v10")
    limit = GlobalRateLimit(settings.REDIS_URL, key="unused", rate=RATE)
    try:
        assert limit.counts("http://127.0.0.1:1/api/v10/channels/1/messages")
        assert limit.counts("http://127.0.0.1:1/api/v10/users/@me/channels")
        assert not limit.counts("http://127.0.0.1:1/api/v10/interactions/1/tok/callback")
        assert not limit.counts("http://127.0.0.1:1/api/v10/webhooks/1/tok/messages/@original")
        assert not limit.counts("http://127.0.0.1:1/attachments/1/2/file.txt")
    finally:
        asyncio.run(limit.close())


def test_the_trace_takes_a_token_before_each_request(monkeypatch: pytest.MonkeyPatch) -> None:
    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def scenario() -> int:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", ok)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        monkeypatch.setattr(discord.http.Route, "BASE", base + "/api/v10")
        limit = GlobalRateLimit(settings.REDIS_URL, key=f"test-trace:{uuid.uuid4().hex}", rate=RATE)
        try:
            async with aiohttp.ClientSession(trace_configs=[limit.trace_config()]) as session:
                for path in ("/api/v10/channels/1", "/api/v10/guilds/2", "/api/v10/interactions/3/t/callback"):
                    async with session.get(base + path) as response:
                        assert response.status == 200
            return limit.taken
        finally:
            await limit.close()
            await runner.cleanup()

    assert asyncio.run(scenario()) == 2  # the interaction callback took none


def test_an_unreachable_redis_lets_requests_through() -> None:
    async def scenario() -> int:
        limit = GlobalRateLimit("redis://127.0.0.1:1/0", key="unreachable", rate=1, burst=1)
        try:
            for _ in range(3):  # at 1 per second these would wait, if Redis could be asked
                await asyncio.wait_for(limit.acquire(), timeout=5)
            return limit.taken
        finally:
            await limit.close()

    assert asyncio.run(scenario()) == 0
