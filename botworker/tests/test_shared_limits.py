"""The rate limits shared through Redis: the global bucket under concurrent takers in several
processes, route windows filled by several clients, which requests take a token, and Redis failing open."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import uuid

import aiohttp
import discord
import pytest
from aiohttp import web
from discord.http import HTTPClient, handle_message_parameters
from django.conf import settings

from botworker.emulator import BucketRule, DiscordEmulator, RateLimits
from botworker.emulator.rate_limits import DEFAULT_RULES, MESSAGES
from botworker.shared_limits import SharedRateLimits, bot_key, route_of, shared_limits_from_settings

RATE, BURST = 40.0, 5
PROCESSES, TAKERS, SECONDS = 3, 4, 1.5

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")


def _take_for(redis_url: str, key: str, seconds: float, queue) -> None:
    """One process: TAKERS coroutines taking tokens for `seconds`; reports when each may send."""

    async def run() -> list[float]:
        limit = SharedRateLimits(redis_url, key=key, rate=RATE, burst=BURST)
        slots: list[float] = []
        deadline = time.time() + seconds

        async def taker(index: int) -> None:
            while time.time() < deadline:
                wait = await limit.reserve_global()
                slots.append(time.time() + wait)  # the moment this request may go out
                await asyncio.sleep(wait)

        try:
            await asyncio.gather(*(taker(index) for index in range(TAKERS)))
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
    slots = [slot for _ in processes for slot in queue.get(timeout=20)]
    for process in processes:
        process.join(10)

    # 12 takers wanting as many tokens as they can get: every process got some, and in no
    # window did they together get more than the rate allows (a burst, then `RATE` per second).
    # One token of slack: a Redis round trip separates reading the clock from the reservation.
    assert all(process.exitcode == 0 for process in processes)
    assert len(slots) > BURST * PROCESSES
    for width in (0.1, 0.5, 1.0):
        assert most_in_any_window(slots, width) <= BURST + RATE * width + 1


def test_routes_are_told_apart_by_template_and_top_level_resource() -> None:
    assert route_of("put", "/guilds/5/members/6/roles/7") == "PUT /guilds/{id}/members/{id}/roles/{id} 5"
    assert route_of("POST", "/channels/1/messages") != route_of("POST", "/channels/2/messages")
    assert route_of("POST", "/channels/1/messages") != route_of("PATCH", "/channels/1/messages")


def test_the_bucket_is_the_bots_whatever_the_process() -> None:
    assert bot_key("token-a") == bot_key("token-a") != bot_key("token-b")
    assert "token-a" not in bot_key("token-a")


def test_settings_decide_whether_there_is_a_shared_bucket(settings) -> None:
    settings.DISCORD_GLOBAL_RATE_LIMIT = 0
    assert shared_limits_from_settings("token") is None
    settings.DISCORD_GLOBAL_RATE_LIMIT, settings.DISCORD_GLOBAL_RATE_BURST = 45, 3
    limit = shared_limits_from_settings("token")
    assert (limit.rate, limit.burst, limit.key) == (45, 3, bot_key("token", settings.DISCORD_RATE_LIMIT_NAMESPACE))
    assert bot_key("token", "a") != bot_key("token", "b") != bot_key("token")
    asyncio.run(limit.close())
    settings.REDIS_URL = ""
    assert shared_limits_from_settings("token") is None


def test_only_api_requests_of_the_bot_take_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:1/api/v10")
    limit = SharedRateLimits(settings.REDIS_URL, key="unused", rate=RATE)
    try:
        base = "http://127.0.0.1:1"
        assert limit.route_for("POST", f"{base}/api/v10/channels/12/messages") == "POST /channels/{id}/messages 12"
        assert limit.route_for("PATCH", f"{base}/api/v10/channels/12/messages/34?x=1") == (
            "PATCH /channels/{id}/messages/{id} 12"
        )
        assert limit.route_for("POST", f"{base}/api/v10/users/@me/channels") == "POST /users/@me/channels "
        assert limit.route_for("POST", f"{base}/api/v10/interactions/1/tok/callback") is None
        assert limit.route_for("PATCH", f"{base}/api/v10/webhooks/1/tok/messages/@original") is None
        assert limit.route_for("GET", f"{base}/attachments/1/2/file.txt") is None
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
        limit = SharedRateLimits(settings.REDIS_URL, key=f"test-trace:{uuid.uuid4().hex}", rate=RATE)
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
        limit = SharedRateLimits("redis://127.0.0.1:1/0", key="unreachable", rate=1, burst=1)
        try:
            for _ in range(3):  # at 1 per second these would wait, if Redis could be asked
                await asyncio.wait_for(limit.acquire("GET /users/@me "), timeout=5)
            return limit.taken
        finally:
            await limit.close()

    assert asyncio.run(scenario()) == 0


# ---------------------------------------------------------------- against the emulator's limits


FAST_MESSAGES = BucketRule("messages", "POST", MESSAGES.path, 3, 0.4, "channel_id")


@pytest.fixture
def limited(emulator: DiscordEmulator):
    """The session's emulator with Discord's limits on (short message windows), off afterwards."""
    emulator.set_rate_limits(RateLimits(global_per_second=1000, rules=(FAST_MESSAGES, *DEFAULT_RULES[1:])))
    try:
        yield emulator
    finally:
        emulator.set_rate_limits(None)


def send_from_clients(
    emulator: DiscordEmulator, channel_id: str, clients: int, each: int, *, shared: bool, key: str = ""
) -> None:
    """`clients` discord.py clients (as in as many processes) each sending `each` messages at once."""
    key = key or f"test-routes:{uuid.uuid4().hex}"

    async def client(index: int) -> None:
        limits = SharedRateLimits(settings.REDIS_URL, key=key, rate=1000, burst=100) if shared else None
        http = HTTPClient(asyncio.get_running_loop(), http_trace=limits.trace_config() if limits else None)
        try:
            await http.static_login(emulator.token)
            for n in range(each):
                with handle_message_parameters(content=f"client {index} message {n}") as params:
                    await http.send_message(channel_id, params=params)
        finally:
            await http.close()
            if limits is not None:
                await limits.close()

    async def scenario() -> None:
        await asyncio.gather(*(client(index) for index in range(clients)))

    asyncio.run(scenario())


def test_clients_sharing_the_route_windows_get_no_429(limited: DiscordEmulator) -> None:
    channel = limited.add_channel(limited.add_guild()["id"])["id"]
    send_from_clients(limited, channel, clients=3, each=4, shared=True)
    assert limited.rate_limited() == []
    assert len(limited.messages(channel)) == 12


def test_clients_each_believing_they_are_alone_run_into_429s(limited: DiscordEmulator) -> None:
    # The control of the test above: without the shared windows the same sends go over.
    channel = limited.add_channel(limited.add_guild()["id"])["id"]
    send_from_clients(limited, channel, clients=3, each=4, shared=False)
    assert limited.rate_limited("user")
    assert len(limited.messages(channel)) == 12  # discord.py retried them


def test_routes_without_rate_limit_headers_are_not_held_back(emulator: DiscordEmulator) -> None:
    # The emulator with its limits off answers without X-RateLimit headers: after the first
    # answer the route is known to have no limit, and is not held to one request at a time.
    channel = emulator.add_channel(emulator.add_guild()["id"])["id"]
    key = f"test-unlimited:{uuid.uuid4().hex}"
    send_from_clients(emulator, channel, clients=1, each=1, shared=True, key=key)

    async def reserve_many() -> list[str]:
        limits = SharedRateLimits(settings.REDIS_URL, key=key, rate=1000, burst=100)
        try:
            return [await limits.reserve_route(route_of("POST", f"/channels/{channel}/messages")) for _ in range(20)]
        finally:
            await limits.close()

    assert asyncio.run(reserve_many()) == [0] * 20


def test_a_route_whose_first_request_failed_is_free_again() -> None:
    route = "POST /channels/{id}/messages 1"

    async def scenario() -> list[float]:
        limits = SharedRateLimits(settings.REDIS_URL, key=f"test-failed:{uuid.uuid4().hex}", rate=1000, burst=100)
        try:
            first = await limits.reserve_route(route)
            waiting = await limits.reserve_route(route)  # the first one is out, its answer awaited
            await limits.record(route, None)  # ... and it failed without an answer
            after = await limits.reserve_route(route)
            return [first, waiting, after]
        finally:
            await limits.close()

    first, waiting, after = asyncio.run(scenario())
    assert first == 0 and 0 < waiting <= 0.01 and after == 0
