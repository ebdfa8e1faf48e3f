"""The prefix commands the gateway bot answers in channels: ``!ping`` and ``!sync``."""

from __future__ import annotations

import discord
from asgiref.sync import sync_to_async
from django.conf import settings

from botworker.guilds import guild_config_for
from botworker.interactions.registration import describe_changes, sync_commands
from botworker.models import PermissionLevel
from botworker.permissions import resolve_level

PREFIX_PING = "!ping"
PREFIX_SYNC = "!sync"
SYNC_REFUSED = "Only Guildhall admins can sync the commands."
SYNC_NEEDS_GUILD = "`!sync` works in a server, not in direct messages."


def _level_for_message(message: discord.Message) -> PermissionLevel:
    config = guild_config_for(message.guild.id)
    author = message.author
    roles = [role.id for role in getattr(author, "roles", [])]
    permissions = author.guild_permissions.value if isinstance(author, discord.Member) else 0
    return resolve_level(config=config, role_ids=roles, permissions=permissions)


async def answer_prefix_command(client: discord.Client, message: discord.Message) -> None:
    """Answer ``message`` if it is a prefix command from a person; ignore anything else."""
    if message.author.bot:
        return
    command = message.content.strip().split(maxsplit=1)[0].lower() if message.content.strip() else ""
    if command == PREFIX_PING:
        latency = client.latency
        shown = f"{latency * 1000:.0f} ms" if latency == latency and latency != float("inf") else "unknown"
        await message.reply(f"Pong! Gateway latency {shown}.", mention_author=False)
    elif command == PREFIX_SYNC:
        await _sync(client, message)


async def _sync(client: discord.Client, message: discord.Message) -> None:
    if message.guild is None:
        await message.reply(SYNC_NEEDS_GUILD, mention_author=False)
        return
    level = await sync_to_async(_level_for_message)(message)
    if level < PermissionLevel.ADMIN:
        await message.reply(SYNC_REFUSED, mention_author=False)
        return
    application_id = str(client.application_id or settings.DISCORD_APPLICATION_ID)
    changes = await sync_commands(client.http, application_id=application_id, guild_id=message.guild.id)
    await message.reply(describe_changes(changes, scope="this server"), mention_author=False)
