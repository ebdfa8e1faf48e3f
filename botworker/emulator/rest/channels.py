"""REST routes for channels: fetching, editing (name, topic, parent, permission overwrites) and
deleting one, the typing indicator, and a guild's channel list and channel creation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botworker.emulator.errors import form_error
from botworker.emulator.message_model import delete_message
from botworker.emulator.rest.plumbing import CHANNEL_ID, GUILD_ID, Request, Route
from botworker.emulator.snowflakes import sid
from botworker.emulator.state import permission_overwrites

if TYPE_CHECKING:
    from botworker.emulator.emulator import DiscordEmulator

_CREATABLE_TYPES = (0, 2, 4, 5, 13, 15, 16)


def get_channel(emu: DiscordEmulator, request: Request, channel_id: str) -> tuple[int, Any]:
    return 200, emu.state.require_channel(channel_id)


_EDITABLE = ("name", "topic", "parent_id", "permission_overwrites", "position", "nsfw", "rate_limit_per_user")


def edit_channel(emu: DiscordEmulator, request: Request, channel_id: str) -> tuple[int, Any]:
    state = emu.state
    channel = state.require_channel(channel_id)
    body = request.body()
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise form_error("name", "Must be between 1 and 100 in length.", "BASE_TYPE_BAD_LENGTH")
    if body.get("parent_id") is not None:
        parent = state.channels.get(str(body["parent_id"]))
        if parent is None or parent.get("guild_id") != channel.get("guild_id") or parent["type"] != 4:
            raise form_error("parent_id", "Category does not exist", "CHANNEL_PARENT_INVALID")
    for key in _EDITABLE:
        if key not in body:
            continue
        if key == "permission_overwrites":
            channel[key] = permission_overwrites(body[key] or [])
        elif key == "parent_id":
            channel[key] = sid(body[key])
        else:
            channel[key] = body[key]
    return 200, channel


def delete_channel(emu: DiscordEmulator, request: Request, channel_id: str) -> tuple[int, Any]:
    state = emu.state
    channel = state.require_channel(channel_id)
    for message_id in list(state.messages.get(channel_id, {})):
        delete_message(state, channel_id, message_id)
    del state.channels[channel_id]
    state.messages.pop(channel_id, None)
    state.dm_channels = {u: c for u, c in state.dm_channels.items() if c != channel_id}
    return 200, channel


def typing(emu: DiscordEmulator, request: Request, channel_id: str) -> tuple[int, Any]:
    emu.state.require_channel(channel_id)
    return 204, None


def guild_channels(emu: DiscordEmulator, request: Request, guild_id: str) -> tuple[int, Any]:
    state = emu.state
    state.require_guild(guild_id)
    return 200, [c for c in state.channels.values() if c.get("guild_id") == guild_id]


def create_guild_channel(emu: DiscordEmulator, request: Request, guild_id: str) -> tuple[int, Any]:
    state = emu.state
    state.require_guild(guild_id)
    body = request.body()
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        raise form_error("name", "Must be between 1 and 100 in length.", "BASE_TYPE_BAD_LENGTH")
    channel_type = body.get("type", 0)
    if channel_type not in _CREATABLE_TYPES:
        raise form_error("type", "Value must be one of {0, 2, 4, 5, 13, 15, 16}.", "BASE_TYPE_CHOICES")
    parent_id = body.get("parent_id")
    if parent_id is not None:
        parent = state.channels.get(str(parent_id))
        if parent is None or parent.get("guild_id") != guild_id or parent["type"] != 4:
            raise form_error("parent_id", "Category does not exist", "CHANNEL_PARENT_INVALID")
    fields = {k: v for k, v in body.items() if k not in ("name", "type")}
    fields.update(name=name, type=channel_type)
    return 201, state.make_channel(guild_id, fields)


ROUTES: list[Route] = [
    ("GET", f"/channels/{CHANNEL_ID}", get_channel, True),
    ("PATCH", f"/channels/{CHANNEL_ID}", edit_channel, True),
    ("DELETE", f"/channels/{CHANNEL_ID}", delete_channel, True),
    ("POST", f"/channels/{CHANNEL_ID}/typing", typing, True),
    ("GET", f"/guilds/{GUILD_ID}/channels", guild_channels, True),
    ("POST", f"/guilds/{GUILD_ID}/channels", create_guild_channel, True),
]
