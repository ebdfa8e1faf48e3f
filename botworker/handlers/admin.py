"""Admin commands for running the bot itself."""

from __future__ import annotations

import asyncio

from django.conf import settings

from botworker.discord_api import discord_http_client
from botworker.interactions import Invocation, Reply, router
from botworker.interactions.registration import describe_changes, sync_commands
from botworker.models import PermissionLevel
from botworker.outbox import retry_guild_action
from botworker.receivers.outbox import dead_notice


async def _sync_guild(guild_id: int) -> dict[str, list[str]]:
    async with discord_http_client() as http:
        return await sync_commands(http, application_id=settings.DISCORD_APPLICATION_ID, guild_id=guild_id)


@router.command(
    "sync_commands",
    description="Refresh Guildhall's slash commands in this server (admins)",
    level=PermissionLevel.ADMIN,
    guild_only=True,
    deferred=True,
    calls_discord=True,
)
def sync_commands_here(inv: Invocation) -> Reply:
    """Runs in the follow-up task (deferred), with no transaction open: registering commands
    calls Discord. A bulk overwrite with the same commands is idempotent."""
    changes = asyncio.run(_sync_guild(inv.guild_id))
    return Reply(content=describe_changes(changes, scope="this server"), ephemeral=True)


@router.component("retry_action", level=PermissionLevel.ADMIN, needs_config=True)
def retry_dead_action(inv: Invocation) -> Reply:
    """The Retry button of a dead-action notice in the logs channel."""
    action = retry_guild_action(action_id=inv.target_id, guild_id=inv.guild_id)
    reply = dead_notice(action, retried_by=inv.user_id)
    reply.update = True
    return reply
