"""The emulator's rate limits: per-route buckets, the global limit, their headers and 429s, and
discord.py's own limiter pacing itself against them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from discord.http import HTTPClient, Route, handle_message_parameters

from botworker.discord_api import GuildhallHTTPClient
from botworker.emulator import BucketRule, DiscordEmulator, RateLimits
from botworker.emulator.rate_limits import DEFAULT_RULES, MESSAGES, RATE_LIMITED_MESSAGE

TOKEN = "test-token"
AUTH = {"Authorization": f"Bot {TOKEN}"}
POSTS = r"/channels/\d+/messages"
# Short windows keep the tests quick; the behaviour does not depend on the numbers.
FAST_MESSAGES = BucketRule("messages", "POST", MESSAGES.path, 3, 0.4, "channel_id")
FAST = RateLimits(global_per_second=1000, rules=(FAST_MESSAGES, *DEFAULT_RULES[1:]))


@pytest.fixture(scope="module")
def running_emulator() -> DiscordEmulator:
    with DiscordEmulator(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def emu(running_emulator: DiscordEmulator, monkeypatch: pytest.MonkeyPatch) -> DiscordEmulator:
    running_emulator.reset()
    running_emulator.set_rate_limits(FAST)
    monkeypatch.setattr(Route, "BASE", running_emulator.api_base)
    try:
        yield running_emulator
    finally:
        running_emulator.set_rate_limits(None)


@contextlib.asynccontextmanager
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def post(client: aiohttp.ClientSession, emu: DiscordEmulator, channel_id: str, content: str = "hi"):
    url = f"{emu.api_base}/channels/{channel_id}/messages"
    async with client.post(url, json={"content": content}, headers=AUTH) as response:
        return response.status, dict(response.headers), await response.json()


def channels(emu: DiscordEmulator, count: int) -> list[str]:
    guild = emu.add_guild(name="Guild")["id"]
    return [emu.add_channel(guild, name=f"c{i}")["id"] for i in range(count)]


def test_limits_are_off_unless_configured() -> None:
    with DiscordEmulator(token=TOKEN) as emulator:
        assert emulator.rate_limits is None
        channel = emulator.add_channel(emulator.add_guild()["id"])["id"]

        async def scenario() -> list[int]:
            async with session() as client:
                return [(await post(client, emulator, channel))[0] for _ in range(8)]

        assert asyncio.run(scenario()) == [200] * 8


def test_every_answer_carries_its_bucket_headers(emu: DiscordEmulator) -> None:
    first, second = channels(emu, 2)

    async def scenario() -> list[dict]:
        async with session() as client:
            answers = [await post(client, emu, first) for _ in range(3)] + [await post(client, emu, second)]
            async with client.get(f"{emu.api_base}/channels/{first}", headers=AUTH) as response:
                answers.append((response.status, dict(response.headers), None))
            return answers

    answers = asyncio.run(scenario())
    assert [status for status, _, _ in answers] == [200] * 5
    headers = [h for _, h, _ in answers]
    assert [h["X-RateLimit-Limit"] for h in headers[:4]] == ["3"] * 4
    # One bucket per channel: the second channel starts with its own full window.
    assert [h["X-RateLimit-Remaining"] for h in headers[:4]] == ["2", "1", "0", "2"]
    # The bucket's hash names the rule, not the channel (as Discord's does).
    assert headers[0]["X-RateLimit-Bucket"] == headers[3]["X-RateLimit-Bucket"]
    assert headers[4]["X-RateLimit-Bucket"] != headers[0]["X-RateLimit-Bucket"]
    assert headers[4]["X-RateLimit-Limit"] == "50"  # a route without a rule: the generic bucket
    for h, period in zip(headers, [0.4] * 4 + [1.0], strict=True):
        assert 0 <= float(h["X-RateLimit-Reset-After"]) <= period
        assert float(h["X-RateLimit-Reset"]) > 1_700_000_000
        assert "X-RateLimit-Scope" not in h


def test_going_over_a_route_limit_is_a_user_scoped_429_until_the_window_resets(emu: DiscordEmulator) -> None:
    busy, quiet = channels(emu, 2)

    async def scenario():
        async with session() as client:
            for _ in range(3):
                await post(client, emu, busy)
            over = await post(client, emu, busy, "one too many")
            other = await post(client, emu, quiet)
            await asyncio.sleep(over[2]["retry_after"])
            after = await post(client, emu, busy, "after the reset")
            return over, other, after

    (status, headers, body), other, after = asyncio.run(scenario())
    assert status == 429
    assert body["message"] == RATE_LIMITED_MESSAGE and body["global"] is False
    assert 0 < body["retry_after"] <= 0.4
    assert headers["X-RateLimit-Scope"] == "user" and "X-RateLimit-Global" not in headers
    assert headers["Retry-After"] == "1" and headers["Via"]
    assert headers["X-RateLimit-Remaining"] == "0"
    assert other[0] == 200 and after[0] == 200
    assert [m["content"] for m in emu.messages(busy)] == ["hi", "hi", "hi", "after the reset"]  # the 429 wrote nothing
    assert [r.rate_limit_scope for r in emu.rate_limited()] == ["user"]


def test_going_over_the_global_limit_is_a_global_429(emu: DiscordEmulator) -> None:
    emu.set_rate_limits(RateLimits(global_per_second=5))
    targets = channels(emu, 8)
    interaction = emu.add_interaction(channel_id=targets[0])

    async def scenario():
        async with session() as client:
            answers = [await post(client, emu, channel) for channel in targets]
            # Interaction callbacks do not count against the bot's global limit.
            url = f"{emu.api_base}/interactions/{interaction['id']}/{interaction['token']}/callback"
            async with client.post(url, json={"type": 4, "data": {"content": "ok"}}) as response:
                callback = response.status
            return answers, callback

    answers, callback = asyncio.run(scenario())
    assert [status for status, _, _ in answers] == [200] * 5 + [429] * 3
    status, headers, body = answers[5]
    assert body["global"] is True and body["message"] == RATE_LIMITED_MESSAGE
    assert 0 < body["retry_after"] <= 0.2  # one token at 5 per second
    assert headers["X-RateLimit-Global"] == "true" and headers["X-RateLimit-Scope"] == "global"
    assert headers["Retry-After"] == "1"
    assert callback == 204
    assert len(emu.rate_limited("global")) == 3 and not emu.rate_limited("user")
    # The five posts let through, and the callback's answer: the 429s wrote nothing.
    assert sum(len(emu.messages(channel)) for channel in targets) == 5 + 1


def test_a_shared_bucket_answers_with_the_shared_scope(emu: DiscordEmulator) -> None:
    shared = BucketRule("busy channel", "POST", MESSAGES.path, 1, 5.0, "channel_id", shared=True)
    emu.set_rate_limits(RateLimits(rules=(shared,)))
    [channel] = channels(emu, 1)

    async def scenario():
        async with session() as client:
            return [await post(client, emu, channel) for _ in range(2)]

    first, second = asyncio.run(scenario())
    assert first[0] == 200 and second[0] == 429
    assert second[1]["X-RateLimit-Scope"] == "shared" and second[2]["global"] is False


def test_reset_empties_the_buckets_and_keeps_the_limits(emu: DiscordEmulator) -> None:
    emu.reset()
    assert emu.rate_limits == FAST


def test_discord_py_paces_itself_by_the_headers_and_gets_no_429(emu: DiscordEmulator) -> None:
    busy, other = channels(emu, 2)

    async def send(http: HTTPClient, channel_id: str, content: str) -> dict:
        with handle_message_parameters(content=content) as params:
            return await http.send_message(channel_id, params=params)

    async def scenario() -> None:
        http = HTTPClient(asyncio.get_running_loop())
        try:
            await http.static_login(TOKEN)
            # All at once: discord.py must hold back what the bucket will not take.
            await asyncio.gather(
                *(send(http, busy, f"busy {i}") for i in range(8)), *(send(http, other, f"other {i}") for i in range(3))
            )
        finally:
            await http.close()

    asyncio.run(scenario())
    assert emu.rate_limited() == []
    assert len(emu.messages(busy)) == 8 and len(emu.messages(other)) == 3
    posts = [r for r in emu.requests_to("POST", POSTS) if r.path == f"/channels/{busy}/messages"]
    # 8 messages at 3 per window: three windows, each opening after the previous one reset.
    first_of_windows = [posts[0].at, posts[3].at, posts[6].at]
    assert first_of_windows[1] - first_of_windows[0] >= 0.4 and first_of_windows[2] - first_of_windows[1] >= 0.4


def test_guildhall_client_returns_when_discord_answers_and_still_paces(emu: DiscordEmulator) -> None:
    # discord.py's own client makes the request that empties a bucket wait out the reset before
    # returning; Guildhall's returns at once, and the requests queued behind still wait for it.
    emu.set_rate_limits(RateLimits(rules=(BucketRule("messages", "POST", MESSAGES.path, 2, 3.0, "channel_id"),)))
    [channel] = channels(emu, 1)

    async def scenario() -> tuple[int, int]:
        http = GuildhallHTTPClient(asyncio.get_running_loop())
        try:
            await http.static_login(TOKEN)
            for n in range(2):
                with handle_message_parameters(content=f"in the window {n}") as params:
                    await http.send_message(channel, params=params)
            # Returned before the window reset: Discord still refuses a third message.
            async with session() as client:
                still_full = (await post(client, emu, channel, "from elsewhere"))[0]
            with handle_message_parameters(content="after the reset") as params:
                await http.send_message(channel, params=params)  # waits for the reset, no 429
            return still_full, len(emu.rate_limited())
        finally:
            await http.close()

    still_full, refused = asyncio.run(scenario())
    assert still_full == 429 and refused == 1  # only the outside request was refused
    assert [m["content"] for m in emu.messages(channel)] == ["in the window 0", "in the window 1", "after the reset"]
