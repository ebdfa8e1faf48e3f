"""The emulator's in-memory model of Discord: users, guilds, roles, members, channels (DM channels
included), messages and pins, application commands and interactions, with the lookups the REST
routes and the gateway share and the payloads Discord would answer with for each of them.

:class:`State` is not thread-safe: :class:`~botworker.emulator.emulator.DiscordEmulator` guards it
with one lock shared by the REST routes and the gateway. Building, editing and deleting messages
is :mod:`botworker.emulator.message_model`.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from botworker.emulator.errors import APIError, form_error, snowflake_arg, unknown
from botworker.emulator.snowflakes import SnowflakeIssuer, iso, sid, snowflake_time, utcnow

ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 53) - 1  # every permission bit Discord defines today is below 1 << 53


@dataclasses.dataclass
class Interaction:
    """An interaction as the REST side knows it: its callbacks and the messages sent with its token."""

    id: str
    token: str
    type: int
    channel_id: str
    guild_id: str | None
    message_ref: tuple[str, str] | None
    responses: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    acknowledged: bool = False
    original_id: str | None = None
    messages: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    followup_ids: list[str] = dataclasses.field(default_factory=list)

    def describe(self, application_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "token": self.token,
            "application_id": application_id,
            "type": self.type,
            "channel_id": self.channel_id,
            "guild_id": self.guild_id,
            "message_id": self.message_ref[1] if self.message_ref else None,
        }


def user_payload(user_id: str, username: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": username,
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }


def role_payload(role_id: str, name: str, position: int, permissions: int) -> dict[str, Any]:
    return {
        "id": role_id,
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def member_record(user_id: str, roles: list[str] | None = None, joined_at: str | None = None) -> dict[str, Any]:
    """How the state stores a guild member (``member_payload`` turns it into Discord's shape)."""
    return {"user_id": user_id, "roles": roles or [], "joined_at": joined_at or iso(utcnow()), "nick": None}


def permission_overwrites(raw: Any) -> list[dict[str, Any]]:
    """Validate and normalise a channel's ``permission_overwrites`` as Discord does."""
    if not isinstance(raw, list):
        raise form_error("permission_overwrites", "Must be an array.")
    result = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or "id" not in item:
            raise form_error(f"permission_overwrites.{index}.id", "This field is required", "BASE_TYPE_REQUIRED")
        overwrite_type = int(item.get("type", 0))
        if overwrite_type not in (0, 1):
            raise form_error(f"permission_overwrites.{index}.type", "Value must be one of (0, 1).")
        result.append(
            {
                "id": snowflake_arg(item["id"], f"permission_overwrites.{index}.id"),
                "type": overwrite_type,
                "allow": str(int(item.get("allow") or 0)),
                "deny": str(int(item.get("deny") or 0)),
            }
        )
    return result


def by_position(channels: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Channels in Discord's display order: by position, then by id."""
    return sorted(channels, key=lambda c: (c.get("position", 0), int(c["id"])))


class State:
    """Everything the emulated Discord knows; see the module docstring."""

    def __init__(
        self,
        *,
        application_id: str,
        bot_user_id: str,
        bot_username: str,
        auto_create_members: bool,
        server_url: Callable[[], str],
    ) -> None:
        self.application_id = application_id
        self.bot_user_id = bot_user_id
        self.bot_username = bot_username
        self.auto_create_members = auto_create_members
        self.server_url = server_url  # where attachments are downloaded from (only while serving)
        self.clear()

    def clear(self) -> None:
        """Forget everything but the bot user."""
        self.ids = SnowflakeIssuer()
        self.users: dict[str, dict[str, Any]] = {}
        self.closed_dms: set[str] = set()
        self.guilds: dict[str, dict[str, Any]] = {}
        self.roles: dict[str, dict[str, dict[str, Any]]] = {}
        self.members: dict[str, dict[str, dict[str, Any]]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.dm_channels: dict[str, str] = {}
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}
        self.pinned_at: dict[str, datetime] = {}
        self.nonces: dict[tuple[str, str, str], tuple[str, datetime]] = {}
        self.attachments: dict[str, tuple[bytes, str]] = {}
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        self.interactions: dict[str, Interaction] = {}
        self.tokens: dict[str, Interaction] = {}
        self.users[self.bot_user_id] = user_payload(self.bot_user_id, self.bot_username, bot=True)

    def new_id(self, at: datetime | None = None) -> str:
        return self.ids.new(at)

    # ------------------------------------------------------------------ users

    def user(self, user_id: str) -> dict[str, Any]:
        """The user; unknown users appear as ``user<id>`` (not stored)."""
        user = self.users.get(user_id)
        return user if user is not None else user_payload(user_id, f"user{user_id}")

    def bot_account(self) -> dict[str, Any]:
        """The bot user with the fields only its own account shows (``/users/@me``, READY)."""
        me = dict(self.users[self.bot_user_id])
        me.update(verified=True, mfa_enabled=False, flags=0, email=None)
        return me

    def add_user(self, user_id: str | None, username: str | None, *, bot: bool) -> dict[str, Any]:
        uid = user_id or self.new_id()
        self.users[uid] = user_payload(uid, username or f"user{uid}", bot=bot)
        return self.users[uid]

    # ------------------------------------------------------------------ guilds, roles, members

    def ensure_guild(self, guild_id: str) -> dict[str, Any]:
        guild = self.guilds.get(guild_id)
        if guild is None:
            guild = {"id": guild_id, "name": "Guild", "owner_id": self.bot_user_id}
            self.guilds[guild_id] = guild
            self.roles[guild_id] = {guild_id: role_payload(guild_id, "@everyone", 0, 0)}
            self.members[guild_id] = {}
        return guild

    def guild_view(self, guild_id: str) -> dict[str, Any]:
        return {**self.guilds[guild_id], "roles": list(self.roles[guild_id].values())}

    def add_role(self, guild_id: str, name: str, permissions: int, role_id: str | None) -> dict[str, Any]:
        self.ensure_guild(guild_id)
        rid = role_id or self.new_id()
        role = role_payload(rid, name, len(self.roles[guild_id]), permissions)
        self.roles[guild_id][rid] = role
        return role

    def add_member(self, guild_id: str, user_id: str, role_ids: list[str]) -> dict[str, Any]:
        self.ensure_guild(guild_id)
        unknown_roles = [r for r in role_ids if r not in self.roles[guild_id]]
        if unknown_roles:
            raise ValueError(f"unknown role ids for guild {guild_id}: {unknown_roles}")
        if user_id not in self.users:
            self.users[user_id] = user_payload(user_id, f"user{user_id}")
        record = member_record(user_id, role_ids)
        self.members[guild_id][user_id] = record
        return record

    def member_payload(self, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "user": self.user(record["user_id"]),
            "nick": record.get("nick"),
            "avatar": None,
            "roles": list(record["roles"]),
            "joined_at": record["joined_at"],
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }

    def member_record(self, guild_id: str, user_id: str) -> dict[str, Any]:
        """The stored member record, or a stand-in for a user who is not one (the bot is always a
        member on Discord, joined when the guild was made; others appear with no roles). Never stored."""
        record = self.members.get(guild_id, {}).get(user_id)
        if record is not None:
            return record
        joined = iso(snowflake_time(guild_id)) if user_id == self.bot_user_id else None
        return member_record(user_id, joined_at=joined)

    def members_with_bot(self, guild_id: str) -> dict[str, dict[str, Any]]:
        """The guild's member records by user id, the bot's always among them."""
        records = dict(self.members.get(guild_id, {}))
        records.setdefault(self.bot_user_id, self.member_record(guild_id, self.bot_user_id))
        return records

    def require_guild(self, guild_id: str) -> dict[str, Any]:
        guild = self.guilds.get(guild_id)
        if guild is None:
            raise unknown("Guild", 10004)
        return guild

    def require_member(self, guild_id: str, user_id: str, *, create: bool = False) -> dict[str, Any]:
        """The member record; with ``create``, one is made when the emulator auto-creates members."""
        self.require_guild(guild_id)
        record = self.members[guild_id].get(user_id)
        if record is None and create and self.auto_create_members:
            record = member_record(user_id)
            self.members[guild_id][user_id] = record
        if record is None:
            raise unknown("Member", 10007)
        return record

    def permissions(self, guild_id: str, user_id: str, role_ids: Iterable[str], channel: dict[str, Any] | None) -> int:
        """A member's permissions in a channel, as Discord computes them (owner and administrator: all)."""
        if self.guilds.get(guild_id, {}).get("owner_id") == user_id:
            return ALL_PERMISSIONS
        roles = self.roles.get(guild_id, {})
        role_ids = [r for r in role_ids if r in roles and r != guild_id]
        permissions = int(roles.get(guild_id, {}).get("permissions", 0))
        for role_id in role_ids:
            permissions |= int(roles[role_id]["permissions"])
        if permissions & ADMINISTRATOR:
            return ALL_PERMISSIONS
        overwrites = {(o["type"], o["id"]): o for o in (channel or {}).get("permission_overwrites") or []}
        everyone = overwrites.get((0, guild_id))
        if everyone is not None:
            permissions = (permissions & ~int(everyone["deny"])) | int(everyone["allow"])
        allow = deny = 0
        for role_id in role_ids:
            overwrite = overwrites.get((0, role_id))
            if overwrite is not None:
                allow |= int(overwrite["allow"])
                deny |= int(overwrite["deny"])
        permissions = (permissions & ~deny) | allow
        own = overwrites.get((1, user_id))
        if own is not None:
            permissions = (permissions & ~int(own["deny"])) | int(own["allow"])
        return permissions

    # ------------------------------------------------------------------ channels

    def make_channel(
        self, guild_id: str | None, fields: dict[str, Any], channel_id: str | None = None
    ) -> dict[str, Any]:
        """Create and store a channel (``guild_id`` None: not a guild channel) shaped as Discord returns it."""
        channel_type = int(fields.get("type", 0))
        channel: dict[str, Any] = {"id": channel_id or self.new_id(), "type": channel_type}
        if guild_id is not None:
            siblings = [c for c in self.channels.values() if c.get("guild_id") == guild_id]
            channel.update(
                guild_id=guild_id,
                name=fields.get("name", "channel"),
                position=fields.get("position", len(siblings)),
                permission_overwrites=permission_overwrites(fields.get("permission_overwrites") or []),
                parent_id=sid(fields.get("parent_id")),
                nsfw=bool(fields.get("nsfw", False)),
                flags=0,
            )
            if channel_type in (2, 13):
                channel.update(
                    bitrate=fields.get("bitrate", 64000),
                    user_limit=fields.get("user_limit", 0),
                    rtc_region=fields.get("rtc_region"),
                )
            if channel_type != 4:
                channel.update(
                    topic=fields.get("topic"),
                    rate_limit_per_user=fields.get("rate_limit_per_user", 0),
                    last_message_id=None,
                )
        else:
            channel.update(last_message_id=None, flags=0)
            if "name" in fields:
                channel["name"] = fields["name"]
        for key, value in fields.items():
            channel.setdefault(key, value)
        self.channels[channel["id"]] = channel
        self.messages.setdefault(channel["id"], {})
        return channel

    def channels_of(self, guild_id: str | None) -> list[dict[str, Any]]:
        """A guild's channels (None: those outside guilds) in display order."""
        return by_position(c for c in self.channels.values() if c.get("guild_id") == guild_id)

    def open_dm(self, user_id: str) -> dict[str, Any]:
        """The user's DM channel with the bot, created on first use."""
        channel_id = self.dm_channels.get(user_id)
        if channel_id is None:
            channel_id = self.make_channel(None, {"type": 1, "recipients": [self.user(user_id)]})["id"]
            self.dm_channels[user_id] = channel_id
        return self.channels[channel_id]

    def require_channel(self, channel_id: str) -> dict[str, Any]:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise unknown("Channel", 10003)
        return channel

    def require_message(self, channel_id: str, message_id: str) -> dict[str, Any]:
        self.require_channel(channel_id)
        message = self.messages[channel_id].get(message_id)
        if message is None:
            raise unknown("Message", 10008)
        return message

    def sorted_messages(self, channel_id: str) -> list[dict[str, Any]]:
        """The channel's messages, oldest first."""
        return sorted(self.messages.get(channel_id, {}).values(), key=lambda m: int(m["id"]))

    def find_message(self, channel_id: str, message_id: str) -> dict[str, Any] | None:
        """A message of the channel, or an ephemeral one an interaction sent there (those are in no
        channel's history, yet their components can be clicked and their message updated)."""
        message = self.messages.get(channel_id, {}).get(message_id)
        if message is not None:
            return message
        for interaction in self.interactions.values():
            message = interaction.messages.get(message_id)
            if message is not None and message["channel_id"] == channel_id:
                return message
        return None

    # ------------------------------------------------------------------ application commands and interactions

    def check_application(self, application_id: str) -> None:
        if application_id != self.application_id:
            raise APIError(403, 20012, "You are not authorized to perform this action on this application")

    def add_interaction(
        self,
        interaction_id: str | None,
        token: str | None,
        *,
        type: int,
        channel_id: str | None,
        guild_id: str | None,
        message_id: str | None,
    ) -> Interaction:
        iid = interaction_id or self.new_id()
        ref = (channel_id, message_id) if message_id is not None and channel_id is not None else None
        interaction = Interaction(
            id=iid,
            token=token or secrets.token_urlsafe(48),
            type=type,
            channel_id=channel_id or self.new_id(),
            guild_id=guild_id or (self.channels.get(channel_id or "", {}).get("guild_id")),
            message_ref=ref,
        )
        self.interactions[iid] = interaction
        self.tokens[interaction.token] = interaction
        return interaction
