"""Fixtures for the Discord layer's tests: a running Discord REST emulator the project is pointed at."""

from __future__ import annotations

import asyncio
import types

import discord
import pytest

from botworker.emulator import DiscordEmulator

EMULATOR_TOKEN = "emulator-bot-token"


@pytest.fixture(scope="session")
def running_discord_emulator() -> DiscordEmulator:
    """One emulator server for the session; tests get it reset through the `emulator` fixture."""
    with DiscordEmulator(token=EMULATOR_TOKEN) as emulator:
        yield emulator


@pytest.fixture
def emulator(running_discord_emulator: DiscordEmulator, settings) -> DiscordEmulator:
    """A fresh emulator state, with settings.DISCORD_API_BASE and settings.DISCORD_TOKEN pointing at it.

    discord.py's Route.BASE (process-wide) is put back as it was after the test."""
    running_discord_emulator.reset()
    previous_base = discord.http.Route.BASE
    settings.DISCORD_API_BASE = running_discord_emulator.api_base
    settings.DISCORD_TOKEN = running_discord_emulator.token
    discord.http.Route.BASE = running_discord_emulator.api_base
    try:
        yield running_discord_emulator
    finally:
        discord.http.Route.BASE = previous_base


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py sleeps 1, 3, 5, 7, 9 s between 5xx retries; shorten its sleeps (only in discord.http)."""

    async def short_sleep(delay: float, result: object = None) -> object:
        return await asyncio.sleep(min(delay, 0.01), result)

    monkeypatch.setattr(discord.http, "asyncio", types.SimpleNamespace(**{**vars(asyncio), "sleep": short_sleep}))


@pytest.fixture(autouse=True)
def clear_outbox_hook_calls() -> None:
    """The outbox tests' completion hook records its calls; each test starts with none."""
    from botworker.tests.outbox_helpers import hook_calls

    hook_calls.clear()


@pytest.fixture
def discord_app(emulator, settings):
    """The emulator, with settings.DISCORD_APPLICATION_ID set to its application."""
    settings.DISCORD_APPLICATION_ID = emulator.application_id
    return emulator
