"""The gateway bot (``manage.py runbot``): a discord.py client subclass that answers interactions
through the router (``client``, with the raw-interaction connection ``state``), the prefix
commands (``prefix``), and delivers the outbox in its own event loop."""

from __future__ import annotations

import discord
import yarl
from django.conf import settings

from botworker.discord_api import discord_http_client
from botworker.gateway.client import GuildhallBot, GuildhallClient, ShardedGuildhallClient, intents, make_client
from botworker.gateway.prefix import PREFIX_PING, PREFIX_SYNC, SYNC_NEEDS_GUILD, SYNC_REFUSED

__all__ = [
    "PREFIX_PING",
    "PREFIX_SYNC",
    "SYNC_NEEDS_GUILD",
    "SYNC_REFUSED",
    "GuildhallBot",
    "GuildhallClient",
    "ShardedGuildhallClient",
    "configure_gateway",
    "intents",
    "make_client",
    "recommended_shards",
]


def configure_gateway() -> None:
    """Point discord.py at DISCORD_GATEWAY_URL when set (tests and the local emulator only)."""
    if settings.DISCORD_GATEWAY_URL:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.DISCORD_GATEWAY_URL)


async def recommended_shards(token: str) -> int:
    """How many shards Discord recommends for this bot (GET /gateway/bot)."""
    async with discord_http_client(token) as http:
        shards, _url, _limits = await http.get_bot_gateway()
    return int(shards)
