"""INTERACTION_CREATE payloads as Discord sends them, filled in from the emulator's state.

``send_interaction`` takes an interaction object of any type: ``type`` (default 2), ``data`` (type
2 and 4 need ``data.name``, 3 and 5 ``data.custom_id``), ``guild_id`` with ``member``
(``{"user": {"id": ...}}`` is enough; roles default to the member's roles in the state,
``permissions`` to what those roles and the channel's overwrites give) or ``user`` for a DM,
``channel_id`` or ``channel`` (default: the guild's first text channel, or the user's DM channel)
and, for a component, ``message`` (a message id or object; a known message is filled in from the
state). Everything else discord.py 2.7.1 reads is filled in (id, token, application_id, version,
channel, locale, guild_locale, guild, app_permissions, entitlements,
authorizing_integration_owners, context, attachment_size_limit), and the interaction is
registered on the REST side with its id, token, channel and message.
"""

from __future__ import annotations

import copy
import secrets
from typing import TYPE_CHECKING, Any

from botworker.emulator.state import ADMINISTRATOR, ALL_PERMISSIONS

if TYPE_CHECKING:
    from botworker.emulator.state import State

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024  # bytes a guild without boosts accepts (interactions carry it)


def build_interaction(state: State, payload: dict[str, Any]) -> dict[str, Any]:
    """Fill in an INTERACTION_CREATE payload and register the interaction on the REST side."""
    kind = int(payload.setdefault("type", 2))
    guild_id = payload.get("guild_id") or (payload.get("guild") or {}).get("id")
    channel = _interaction_channel(state, payload, None if guild_id is None else str(guild_id))
    guild_id = channel.get("guild_id")
    payload["channel_id"] = channel["id"]
    payload["id"] = str(payload.get("id") or state.new_id())
    payload.setdefault("token", "emulated." + secrets.token_urlsafe(48))
    payload.setdefault("application_id", state.application_id)
    payload.setdefault("version", 1)
    payload.setdefault("locale", "en-US")
    payload.setdefault("entitlements", [])
    payload.setdefault("attachment_size_limit", ATTACHMENT_SIZE_LIMIT)
    if guild_id is not None:
        payload["guild_id"] = guild_id
        _fill_member(state, payload, guild_id, channel)
        payload.setdefault("guild_locale", "en-US")
        payload.setdefault("guild", {"id": guild_id, "locale": "en-US", "features": []})
        payload.setdefault("authorizing_integration_owners", {"0": guild_id})
        payload.setdefault("context", 0)
        bot_roles = state.member_record(guild_id, state.bot_user_id)["roles"]
        app_permissions = state.permissions(guild_id, state.bot_user_id, bot_roles, channel)
    else:
        user_id = str(payload["user"]["id"])  # _interaction_channel checked it is there
        payload["user"] = {**state.user(user_id), **payload["user"], "id": user_id}
        payload.pop("member", None)
        # A guild-installed app used in its bot's DM: the owner id is "0".
        payload.setdefault("authorizing_integration_owners", {"0": "0"})
        payload.setdefault("context", 1)
        app_permissions = ALL_PERMISSIONS & ~ADMINISTRATOR
    payload.setdefault("app_permissions", str(app_permissions))
    payload["channel"] = {**channel, **(payload.get("channel") or {})}
    payload["data"] = _interaction_data(state, kind, payload.get("data"), guild_id)
    message_id = _fill_message(state, payload, channel["id"])
    state.add_interaction(
        payload["id"],
        payload["token"],
        type=kind,
        channel_id=channel["id"],
        guild_id=guild_id,
        message_id=message_id,
    )
    return payload


def _interaction_channel(state: State, payload: dict[str, Any], guild_id: str | None) -> dict[str, Any]:
    """The interaction's channel as Discord sends it (a copy; DM channels are created like POST /users/@me/channels)."""
    given = payload.get("channel") or {}
    channel_id = payload.get("channel_id") or given.get("id")
    message = payload.get("message")
    if channel_id is None and message is not None:
        # A component's message tells where the click happened.
        message_id = str(message.get("id") if isinstance(message, dict) else message)
        channel_id = next((c for c, messages in state.messages.items() if message_id in messages), None)
    if channel_id is not None:
        stored = state.channels.get(str(channel_id))
        if stored is None:
            raise ValueError(f"unknown channel {channel_id}; add it with add_channel() first")
        if guild_id is not None and stored.get("guild_id") != guild_id:
            raise ValueError(f"channel {channel_id} is not in guild {guild_id}")
        return copy.deepcopy(stored)
    if guild_id is not None:
        if guild_id not in state.guilds:
            raise ValueError(f"unknown guild {guild_id}; add it with add_guild() first")
        text = [c for c in state.channels_of(guild_id) if c["type"] in (0, 5)]
        if not text:
            raise ValueError(f"guild {guild_id} has no text channel; give channel_id or add one")
        return copy.deepcopy(text[0])
    user = payload.get("user")
    if not isinstance(user, dict) or "id" not in user:
        raise ValueError("an interaction needs guild_id with member, or user (for a DM)")
    return copy.deepcopy(state.open_dm(str(user["id"])))


def _fill_member(state: State, payload: dict[str, Any], guild_id: str, channel: dict[str, Any]) -> None:
    """Complete ``member`` from the REST state; the channel gets the member's ``permissions`` in it."""
    given = payload.get("member")
    if not isinstance(given, dict) or not isinstance(given.get("user"), dict) or "id" not in given["user"]:
        raise ValueError('a guild interaction needs member={"user": {"id": ...}}')
    user_id = str(given["user"]["id"])
    record = state.member_record(guild_id, user_id)
    role_ids = [str(r) for r in given.get("roles", record["roles"])]
    member = state.member_payload({**record, "roles": role_ids})
    member.update(given)
    member["user"] = {**state.user(user_id), **given["user"], "id": user_id}
    member["roles"] = role_ids
    if "permissions" not in given:
        member["permissions"] = str(state.permissions(guild_id, user_id, role_ids, channel))
    channel["permissions"] = member["permissions"]
    payload["member"] = member
    payload.pop("user", None)


def _interaction_data(state: State, kind: int, data: Any, guild_id: str | None) -> dict[str, Any] | None:
    if kind == 1:
        return data
    if not isinstance(data, dict):
        raise ValueError(f"an interaction of type {kind} needs data")
    data = dict(data)
    if kind in (2, 4):
        if "name" not in data:
            raise ValueError("an application command interaction needs data.name")
        data.setdefault("type", 1)
        if "id" not in data:
            registered = [*state.commands.get(guild_id, []), *state.commands.get(None, [])]
            match = next((c for c in registered if c["name"] == data["name"] and c["type"] == data["type"]), None)
            data["id"] = match["id"] if match else state.new_id()
            if match is not None and match.get("guild_id"):
                data.setdefault("guild_id", match["guild_id"])
    elif kind in (3, 5):
        if "custom_id" not in data:
            raise ValueError(f"an interaction of type {kind} needs data.custom_id")
        if kind == 3:
            data.setdefault("component_type", 2)
            if data["component_type"] in (3, 5, 6, 7, 8):
                data.setdefault("values", [])
        else:
            data.setdefault("components", [])
    return data


def _fill_message(state: State, payload: dict[str, Any], channel_id: str) -> str | None:
    """Replace a ``message`` id or partial object by the stored message; returns its id."""
    given = payload.get("message")
    if given is None:
        return None
    message_id = str(given.get("id") if isinstance(given, dict) else given)
    stored = state.messages.get(channel_id, {}).get(message_id)
    if stored is not None:
        payload["message"] = {**copy.deepcopy(stored), **(given if isinstance(given, dict) else {})}
    elif not isinstance(given, dict) or "author" not in given:
        raise ValueError(f"unknown message {message_id} in channel {channel_id}; add it with add_message()")
    return message_id
