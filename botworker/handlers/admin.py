"""Admin commands for running the bot itself."""

from __future__ import annotations

import asyncio

from django.conf import settings

from botworker.commands import describe_changes, sync_commands
from botworker.discord_api import discord_http_client
from botworker.models import PermissionLevel
from botworker.router import Invocation, Reply, router


async def _sync_guild(guild_id: int) -> dict[str, list[str]]:
    async with discord_http_client() as http:
        return await sync_commands(http, application_id=settings.DISCORD_APPLICATION_ID, guild_id=guild_id)


@router.command(
    "sync_commands",
    description="Refresh Guildhall's slash commands in this server (admins)",
    level=PermissionLevel.ADMIN,
    guild_only=True,
    deferred=True,
)
def sync_commands_here(inv: Invocation) -> Reply:
    """Runs in the follow-up task (deferred): registering commands calls Discord."""
    changes = asyncio.run(_sync_guild(inv.guild_id))
    return Reply(content=describe_changes(changes, scope="this server"), ephemeral=True)
