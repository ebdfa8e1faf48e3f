"""Recording the conversation of ticket channels from the gateway (MESSAGE_CREATE and
MESSAGE_UPDATE; the message content intent): the client's message hooks hand every guild message
here, and :mod:`support.services.conversation` keeps those of a ticket's channel.

Who wrote is resolved as for an interaction (their roles and Discord permission bits → Guildhall
level), so "staff" means the same for a message as for a button. The writes run on one thread of
their own, in arrival order, so a busy server's chatter never holds up the thread that answers
interactions.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import discord
from django.db import close_old_connections

from botworker.guilds import guild_config_for
from botworker.models import PermissionLevel
from botworker.permissions import resolve_level
from config.actors import Actor
from support import services

logger = logging.getLogger("guildhall.bot")

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ticket-messages")


def _actor(guild_id: int, user_id: int, role_ids: list[int], permissions: int) -> Actor:
    level = resolve_level(config=guild_config_for(guild_id), role_ids=role_ids, permissions=permissions)
    return Actor(
        user_id=user_id,
        role_ids=frozenset(role_ids),
        is_moderator=level >= PermissionLevel.MODERATOR,
        is_admin=level >= PermissionLevel.ADMIN,
    )


def _record(fields: dict, role_ids: list[int], permissions: int) -> None:
    close_old_connections()
    author = _actor(fields["guild_id"], fields.pop("author_id"), role_ids, permissions)
    services.ticket_record_message(author=author, **fields)


def _record_edit(fields: dict) -> None:
    close_old_connections()
    services.ticket_record_message_edit(**fields)


def _attachments(attachments) -> list[dict]:
    return [{"filename": a.filename, "url": a.url} for a in attachments]


async def record_ticket_message(message: discord.Message) -> None:
    """Record ``message`` if it was written in a ticket's channel (the service decides); never
    raises: a message that cannot be recorded is logged, and the bot goes on."""
    if message.guild is None:
        return
    author = message.author
    role_ids = [role.id for role in getattr(author, "roles", [])]
    permissions = author.guild_permissions.value if isinstance(author, discord.Member) else 0
    fields = {
        "guild_id": message.guild.id,
        "channel_id": message.channel.id,
        "message_id": message.id,
        "author_id": author.id,
        "author_name": getattr(author, "display_name", "") or author.name,
        "author_is_bot": author.bot,
        "content": message.content,
        "attachments": _attachments(message.attachments),
        "created_at": message.created_at,
    }
    try:
        await asyncio.get_running_loop().run_in_executor(_executor, _record, fields, role_ids, permissions)
    except Exception:
        logger.exception("could not record message %s of channel %s", message.id, message.channel.id)


async def record_ticket_message_edit(payload: discord.RawMessageUpdateEvent) -> None:
    """Record an edit (MESSAGE_UPDATE with an ``edited_timestamp``) of a recorded ticket message."""
    data = payload.data
    edited = data.get("edited_timestamp")
    if payload.guild_id is None or not edited:
        return
    fields = {
        "channel_id": payload.channel_id,
        "message_id": payload.message_id,
        "content": data.get("content"),
        "attachments": data.get("attachments"),
        "edited_at": datetime.fromisoformat(edited).astimezone(UTC),
    }
    try:
        await asyncio.get_running_loop().run_in_executor(_executor, _record_edit, fields)
    except Exception:
        logger.exception("could not record the edit of message %s", payload.message_id)
