"""Gateway payloads built from the emulator's state: READY, GUILD_CREATE (members listed as
Discord lists them for the session's intents and ``large_threshold``) and GUILD_MEMBERS_CHUNK
answers to REQUEST_GUILD_MEMBERS."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from botworker.emulator.gateway.protocol import GATEWAY_VERSION, THREAD_TYPES, TRACE, Intent

if TYPE_CHECKING:
    from botworker.emulator.gateway.sessions import Session
    from botworker.emulator.state import State

MEMBER_CHUNK_SIZE = 1000  # Discord puts at most 1000 members in one GUILD_MEMBERS_CHUNK


def ready(state: State, session: Session, guild_ids: list[str], resume_url: str) -> dict[str, Any]:
    return {
        "v": GATEWAY_VERSION,
        "user_settings": {},
        "user": state.bot_account(),
        "session_type": "normal",
        "session_id": session.session_id,
        "resume_gateway_url": resume_url,
        "relationships": [],
        "private_channels": [],
        "presences": [],
        "guilds": [{"id": guild_id, "unavailable": True} for guild_id in guild_ids],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "auth": {},
        "application": {"id": state.application_id, "flags": 0},
        "shard": [session.shard_id, session.shard_count],
        "_trace": TRACE,
    }


def guild_create(state: State, guild_id: str, session: Session) -> dict[str, Any]:
    records = state.members_with_bot(guild_id)
    bot_record = records[state.bot_user_id]
    member_count = len(records)
    large = member_count >= session.large_threshold
    # Discord lists every member only for a guild that is not large and only with the
    # GUILD_PRESENCES intent (discord.py chunks the guild with op 8 otherwise).
    if session.intents & Intent.GUILD_PRESENCES and not large:
        members = [state.member_payload(r) for r in records.values()]
    else:
        members = [state.member_payload(bot_record)]
    channels, threads = [], []
    for channel in state.channels_of(guild_id):
        channel = copy.deepcopy(channel)
        if channel["type"] in THREAD_TYPES:
            threads.append(channel)
        else:
            # GUILD_CREATE's channels do not repeat the guild id.
            channel.pop("guild_id", None)
            channels.append(channel)
    return {
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": state.bot_user_id,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "widget_enabled": False,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "max_members": 500_000,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "nsfw": False,
        "nsfw_level": 0,
        "emojis": [],
        "stickers": [],
        "incidents_data": None,
        "lazy": True,
        **copy.deepcopy(state.guilds[guild_id]),
        "roles": copy.deepcopy(list(state.roles[guild_id].values())),
        "channels": channels,
        "threads": threads,
        "members": members,
        "member_count": member_count,
        "large": large,
        "joined_at": bot_record["joined_at"],
        "unavailable": False,
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "embedded_activities": [],
    }


def member_chunks(state: State, guild_id: str, d: dict[str, Any]) -> list[dict[str, Any]]:
    """The GUILD_MEMBERS_CHUNKs answering a REQUEST_GUILD_MEMBERS (``user_ids``, or ``query`` and ``limit``)."""
    records = state.members_with_bot(guild_id)
    user_ids = d.get("user_ids")
    not_found: list[str] = []
    if user_ids is not None:
        wanted = [str(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])]
        found = [records[u] for u in wanted if u in records]
        not_found = [u for u in wanted if u not in records]
    else:
        query = str(d.get("query") or "").lower()
        found = [
            r
            for r in records.values()
            if state.user(r["user_id"])["username"].lower().startswith(query)
            or (r.get("nick") or "").lower().startswith(query)
        ]
        limit = d.get("limit") or 0
        if isinstance(limit, int) and limit > 0:
            found = found[:limit]
    members = [state.member_payload(r) for r in found]
    pages = [members[i : i + MEMBER_CHUNK_SIZE] for i in range(0, len(members), MEMBER_CHUNK_SIZE)] or [[]]
    chunks = []
    for index, page in enumerate(pages):
        chunk: dict[str, Any] = {
            "guild_id": guild_id,
            "members": page,
            "chunk_index": index,
            "chunk_count": len(pages),
        }
        if index == 0 and not_found:
            chunk["not_found"] = not_found
        if d.get("presences"):
            chunk["presences"] = []
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        chunks.append(chunk)
    return chunks
