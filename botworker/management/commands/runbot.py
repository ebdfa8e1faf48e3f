"""`manage.py runbot`: the gateway bot process (interactions, prefix commands, outbox delivery)."""

from __future__ import annotations

import asyncio

import discord
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from botworker.discord_api import configure_api_base
from botworker.gateway import configure_gateway, make_client, recommended_shards


class Command(BaseCommand):
    help = (
        "Run the Discord gateway bot: answers interactions through the router, the prefix commands "
        "!ping and !sync, and delivers the outbox. Stops cleanly on SIGTERM/SIGINT."
    )

    def handle(self, *args, **options):
        token = settings.DISCORD_TOKEN
        if not token:
            raise CommandError("DISCORD_TOKEN is not set: the bot needs its token to connect to Discord.")
        configure_api_base()
        configure_gateway()
        try:
            asyncio.run(self._run(token))
        except discord.LoginFailure:
            raise CommandError("Discord refused DISCORD_TOKEN (401 Unauthorized): check the bot token.") from None
        except discord.PrivilegedIntentsRequired:
            raise CommandError(
                "Discord refused the message content intent: enable it in the Developer Portal (Bot → "
                "Privileged Gateway Intents) or set DISCORD_MESSAGE_CONTENT=false to run without the prefix commands."
            ) from None

    async def _run(self, token: str) -> None:
        shard_count = settings.DISCORD_SHARD_COUNT or None
        sharded = bool(shard_count)
        if not sharded:
            # One shard unless Discord recommends more (large bots); the sharded client then asks
            # Discord for the count itself.
            sharded = await recommended_shards(token) > 1
        await make_client(shard_count=shard_count, sharded=sharded).serve(token)
