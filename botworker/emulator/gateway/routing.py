"""Dispatching events: which sessions Discord would send a DISPATCH to, and what each receives.

A dispatch goes to the shard owning ``guild_id`` (``id`` for GUILD_* events about the guild
itself), to shard 0 for direct-message events without a guild (Discord sends DMs to shard 0
only), to every shard otherwise; only to sessions whose intents cover the event (a guild
MESSAGE_CREATE needs GUILD_MESSAGES, a DM one DIRECT_MESSAGES, ...; events without an intent,
such as INTERACTION_CREATE, always go); and, without MESSAGE_CONTENT, a guild message that
neither mentions nor comes from the bot arrives with empty ``content``, ``embeds``,
``attachments``, ``components`` and no ``poll``. A session without a live connection buffers
the dispatch for its RESUME.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from botworker.emulator.gateway.protocol import (
    CONTENT_EVENTS,
    EVENT_INTENTS,
    SHARD_ZERO_EVENTS,
    Intent,
    guild_of,
)
from botworker.emulator.gateway.sessions import Session, SessionTable


def targets(sessions: list[Session], event: str, data: dict[str, Any], shard_id: int | None) -> list[Session]:
    """The resumable sessions the event goes to (``shard_id`` overrides the routing)."""
    sessions = [s for s in sessions if s.resumable]
    if shard_id is not None:
        return [s for s in sessions if s.shard_id == shard_id]
    guild_id = guild_of(event, data)
    if guild_id is not None:
        return [s for s in sessions if s.owns(guild_id)]
    if event in SHARD_ZERO_EVENTS:
        return [s for s in sessions if s.shard_id == 0]
    return sessions


def visible(session: Session, event: str, data: dict[str, Any], bot_user_id: str) -> dict[str, Any] | None:
    """What ``session`` receives of the event: None when its intents exclude it, the message
    without its content when it lacks MESSAGE_CONTENT (a copy: sessions never share payloads)."""
    guild_id = guild_of(event, data)
    needed = EVENT_INTENTS.get(event)
    if needed is not None:
        in_guild, outside = needed
        intent = in_guild if guild_id is not None or not outside else outside
        if not session.intents & intent:
            return None
    payload = copy.deepcopy(data)
    if event in CONTENT_EVENTS and guild_id is not None and not session.intents & Intent.MESSAGE_CONTENT:
        author = (payload.get("author") or {}).get("id")
        mentioned = any(str(user.get("id")) == bot_user_id for user in payload.get("mentions") or [])
        if author != bot_user_id and not mentioned:
            # Discord blanks these fields rather than dropping them.
            for field in ("content", "embeds", "attachments", "components"):
                if field in payload:
                    payload[field] = "" if field == "content" else []
            payload.pop("poll", None)
    return payload


async def dispatch(
    table: SessionTable, event: str, data: dict[str, Any], shard_id: int | None, bot_user_id: str
) -> int:
    """Stamp the event for every session it goes to and write it to the live ones; returns how
    many sessions were sent or buffered it (runs on the emulator's loop)."""
    with table.lock:
        pending: list[asyncio.Future[bool]] = []
        count = 0
        for session in targets(table.sessions, event, data, shard_id):
            payload = visible(session, event, data, bot_user_id)
            if payload is None:
                continue
            frame = session.stamp(event, payload)
            count += 1
            conn = session.live()
            if conn is not None:
                pending.append(conn.post([frame]))
    if pending:
        await asyncio.gather(*pending)
    return count
