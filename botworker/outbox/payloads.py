"""The payload of each kind of outbox action, as a typed, validated schema.

Each kind is one frozen dataclass: constructing it checks every field and normalises it to what
is stored (Discord ids as digit strings, lists as lists), and :meth:`OutboxPayload.as_json` is the
row's ``payload``. A wrong payload is a programming error in the caller: ``ValueError`` naming the
kind, the field and why. :func:`payload_from_json` reads a stored (or hand-written) dict back,
refusing keys the kind does not have.

Ids may be given as int or digit strings. Mentions in a message are parsed only for the listed
``mention_roles``/``mention_users``, never ``@everyone``/``@here``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from botworker.interactions import limits
from botworker.models import BotAction
from config.snowflakes import as_snowflake

Kind = BotAction.Kind

MAX_KEY_LENGTH = 200
MAX_CHANNEL_NAME = 100
MAX_PURGE = 1000
PRESENCE_STATUSES = ("online", "idle", "dnd", "invisible")
ACTIVITY_TYPES = ("playing", "streaming", "listening", "watching", "competing", "custom")
OVERWRITE_KEYS = {"id", "type", "allow", "deny"}


@dataclass(frozen=True, kw_only=True)
class OutboxPayload:
    """Base of the per-kind schemas. Every field defaults to None, meaning "not given"."""

    kind: ClassVar[str]

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check and normalise the fields (subclasses); raise ValueError via :meth:`fail`."""

    def as_json(self) -> dict[str, Any]:
        """The stored payload: every given field, normalised."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if getattr(self, f.name) is not None}

    @classmethod
    def from_json(cls, payload: Any) -> Self:
        if not isinstance(payload, dict):
            raise ValueError(f"{cls.kind} payload: must be a dict, got {type(payload).__name__}")
        allowed = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(payload) - allowed)
        if unknown:
            raise ValueError(f"{cls.kind} payload: unknown keys {unknown} (allowed: {sorted(allowed)})")
        return cls(**payload)

    # --- helpers for validate() -----------------------------------------------------------------

    def fail(self, message: str) -> ValueError:
        return ValueError(f"{self.kind} payload: {message}")

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    def _snowflake(self, name: str, value: Any) -> str:
        number = as_snowflake(value)
        if number is None:
            raise self.fail(f"{name} must be a Discord id (int or digit string), got {value!r}")
        return str(number)

    def _id(self, name: str, *, required: bool = False) -> None:
        value = getattr(self, name)
        if value is None:
            if required:
                raise self.fail(f"{name} is required")
            return
        self._set(name, self._snowflake(name, value))

    def _string(self, name: str) -> None:
        value = getattr(self, name)
        if value is not None and not isinstance(value, str):
            raise self.fail(f"{name} must be a string, got {type(value).__name__}")

    def _objects(self, name: str) -> None:
        value = getattr(self, name)
        if value is None:
            return
        if not isinstance(value, list | tuple) or not all(isinstance(item, dict) for item in value):
            raise self.fail(f"{name} must be a list of objects")
        self._set(name, [dict(item) for item in value])

    def _ids(self, name: str) -> None:
        value = getattr(self, name)
        if value is None:
            return
        if not isinstance(value, list | tuple):
            raise self.fail(f"{name} must be a list of Discord ids")
        self._set(name, [self._snowflake(f"{name}[{i}]", item) for i, item in enumerate(value)])


@dataclass(frozen=True, kw_only=True)
class MessageBody(OutboxPayload):
    """What a message says: ``content``, ``embeds``, ``components`` (Discord's JSON objects) and
    who it may ping (``mention_roles``, ``mention_users``, and ``@everyone``/``@here`` only with
    ``mention_everyone``)."""

    content: str | None = None
    embeds: list[dict] | None = None
    components: list[dict] | None = None
    mention_roles: list[str] | None = None
    mention_users: list[str] | None = None
    mention_everyone: bool | None = None

    editing: ClassVar[bool] = False

    def validate_body(self) -> None:
        self._string("content")
        self._objects("embeds")
        self._objects("components")
        self._ids("mention_roles")
        self._ids("mention_users")
        if self.mention_everyone is not None and not isinstance(self.mention_everyone, bool):
            raise self.fail("mention_everyone must be true or false")
        files = getattr(self, "files", None)
        if files is not None:
            self._filenames(files)
        if self.editing:
            if self.content is None and self.embeds is None and self.components is None:
                raise self.fail("give at least one of content, embeds, components")
        elif not ((self.content or "").strip() or self.embeds or self.components or files):
            raise self.fail("a message needs non-empty content, embeds, components or files")

    def _filenames(self, files: Any) -> None:
        if not isinstance(files, list | tuple) or not all(isinstance(name, str) for name in files):
            raise self.fail("files must be a list of file names")
        if not 1 <= len(files) <= limits.FILES_PER_MESSAGE:
            raise self.fail(f"files must name 1 to {limits.FILES_PER_MESSAGE} files")
        if any(not 1 <= len(name) <= limits.FILENAME or "/" in name or "\\" in name for name in files):
            raise self.fail(f"a file name has 1 to {limits.FILENAME} characters and no slashes")
        if len(set(files)) != len(files):
            raise self.fail("file names must be distinct")
        self._set("files", list(files))

    def message_json(self) -> dict[str, Any]:
        """The message's JSON for Discord: the body given, pinging only who it names."""
        body: dict[str, Any] = {
            key: getattr(self, key) for key in ("content", "embeds", "components") if getattr(self, key) is not None
        }
        body["allowed_mentions"] = {
            "parse": ["everyone"] if self.mention_everyone else [],
            "roles": self.mention_roles or [],
            "users": self.mention_users or [],
            "replied_user": False,
        }
        return body


@dataclass(frozen=True, kw_only=True)
class MessageTarget(OutboxPayload):
    """A message to act on: ``channel_id`` + ``message_id``, or ``message_from``, the dedupe key of
    an earlier send_message/send_dm whose result names the message (``channel_id`` then optional,
    and checked against it at delivery)."""

    channel_id: str | None = None
    message_id: str | None = None
    message_from: str | None = None

    def validate_target(self) -> None:
        if (self.message_id is None) == (self.message_from is None):
            raise self.fail("give exactly one of message_id and message_from")
        if self.message_id is not None:
            self._id("channel_id", required=True)
            self._id("message_id")
            return
        source = self.message_from
        if not isinstance(source, str) or not source or len(source) > MAX_KEY_LENGTH:
            raise self.fail("message_from must be the dedupe key of an earlier send_message or send_dm")
        self._id("channel_id")


@dataclass(frozen=True, kw_only=True)
class SendMessage(MessageBody):
    """Post a message in ``channel_id``, with a nonce derived from the dedupe key so a retried send
    does not post twice. With ``guild_id``, the channel must be in that guild (a channel id typed
    by a guild's admin cannot post in another guild). ``files`` names the files stored with the
    row (``enqueue(..., files=[OutboxFile(...)])``), uploaded with the message. Result:
    ``{"message_id", "channel_id"}``."""

    kind: ClassVar[str] = Kind.SEND_MESSAGE.value
    channel_id: str | None = None
    guild_id: str | None = None
    files: list[str] | None = None

    def validate(self) -> None:
        self._id("channel_id", required=True)
        self._id("guild_id")
        self.validate_body()


@dataclass(frozen=True, kw_only=True)
class EditMessage(MessageTarget, MessageBody):
    """Edit a message; an empty content, embeds or components clears it. Result:
    ``{"message_id", "channel_id"}``."""

    kind: ClassVar[str] = Kind.EDIT_MESSAGE.value
    editing: ClassVar[bool] = True

    def validate(self) -> None:
        self.validate_target()
        self.validate_body()


@dataclass(frozen=True, kw_only=True)
class DeleteMessage(MessageTarget):
    """Delete a message; one already gone counts as done. ``reason`` goes to the audit log.
    Result: ``{"message_id", "channel_id", "already_gone"}``."""

    kind: ClassVar[str] = Kind.DELETE_MESSAGE.value
    reason: str | None = None

    def validate(self) -> None:
        self.validate_target()
        self._string("reason")


@dataclass(frozen=True, kw_only=True)
class SendDM(MessageBody):
    """Open (or reuse) the DM channel of ``user_id`` and post there with the nonce; a user who does
    not accept DMs makes the row dead. ``files`` as in send_message. Result: ``{"message_id",
    "channel_id"}`` (the DM channel)."""

    kind: ClassVar[str] = Kind.SEND_DM.value
    user_id: str | None = None
    files: list[str] | None = None

    def validate(self) -> None:
        self._id("user_id", required=True)
        self.validate_body()


@dataclass(frozen=True, kw_only=True)
class RoleChange(OutboxPayload):
    guild_id: str | None = None
    user_id: str | None = None
    role_id: str | None = None
    reason: str | None = None

    def validate(self) -> None:
        for name in ("guild_id", "user_id", "role_id"):
            self._id(name, required=True)
        self._string("reason")


@dataclass(frozen=True, kw_only=True)
class AddRole(RoleChange):
    """Give a member a role. Result: ``{"guild_id", "user_id", "role_id"}``."""

    kind: ClassVar[str] = Kind.ADD_ROLE.value


@dataclass(frozen=True, kw_only=True)
class RemoveRole(RoleChange):
    """Take a role from a member; someone who left the guild counts as done (``"member_gone":
    true`` in the result). Result: ``{"guild_id", "user_id", "role_id"}``."""

    kind: ClassVar[str] = Kind.REMOVE_ROLE.value


@dataclass(frozen=True, kw_only=True)
class CreateChannel(OutboxPayload):
    """Create a text channel ``name`` (1-100 characters) in ``guild_id``, optionally under the
    category ``parent_id`` with a ``topic`` and ``permission_overwrites`` (``{"id", "type": 0 role
    | 1 member, "allow", "deny"}``, bit sets as digit strings). Discord has no nonce here, so a
    retry adopts a channel of the same name and parent. Result: ``{"channel_id", "adopted"}``."""

    kind: ClassVar[str] = Kind.CREATE_CHANNEL.value
    guild_id: str | None = None
    name: str | None = None
    parent_id: str | None = None
    topic: str | None = None
    permission_overwrites: list[dict] | None = None
    reason: str | None = None

    def validate(self) -> None:
        self._id("guild_id", required=True)
        if not isinstance(self.name, str) or not 1 <= len(self.name.strip()) <= MAX_CHANNEL_NAME:
            raise self.fail(f"name must be a string of 1 to {MAX_CHANNEL_NAME} characters")
        self._set("name", self.name.strip())
        self._id("parent_id")
        self._string("topic")
        self._objects("permission_overwrites")
        if self.permission_overwrites is not None:
            self._set(
                "permission_overwrites", [self._overwrite(i, raw) for i, raw in enumerate(self.permission_overwrites)]
            )
        self._string("reason")

    def _overwrite(self, index: int, raw: dict) -> dict:
        name = f"permission_overwrites[{index}]"
        if set(raw) - OVERWRITE_KEYS:
            raise self.fail(f"{name} has unknown keys {sorted(set(raw) - OVERWRITE_KEYS)}")
        if raw.get("type") not in (0, 1):
            raise self.fail(f"{name}.type must be 0 (role) or 1 (member)")
        return {
            "id": self._snowflake(f"{name}.id", raw.get("id")),
            "type": raw["type"],
            "allow": self._bits(f"{name}.allow", raw.get("allow")),
            "deny": self._bits(f"{name}.deny", raw.get("deny")),
        }

    def _bits(self, name: str, value: Any) -> str:
        if value is None:
            return "0"
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            raise self.fail(f"{name} must be a permission bit set as a digit string, got {value!r}")
        return str(int(value))


@dataclass(frozen=True, kw_only=True)
class ChannelTarget(OutboxPayload):
    """A channel to act on: ``channel_id``, or ``channel_from``, the dedupe key of an earlier
    create_channel whose result names the channel (give the rows one ordering key, so the
    creation is done first)."""

    channel_id: str | None = None
    channel_from: str | None = None

    def validate_target(self) -> None:
        if (self.channel_id is None) == (self.channel_from is None):
            raise self.fail("give exactly one of channel_id and channel_from")
        if self.channel_id is not None:
            self._id("channel_id")
            return
        source = self.channel_from
        if not isinstance(source, str) or not source or len(source) > MAX_KEY_LENGTH:
            raise self.fail("channel_from must be the dedupe key of an earlier create_channel")


@dataclass(frozen=True, kw_only=True)
class EditChannel(ChannelTarget, CreateChannel):
    """Change a channel: its ``name``, ``topic``, ``parent_id`` and/or ``permission_overwrites``
    (which replace the channel's overwrites; same shape as create_channel's). Editing a channel
    that is gone is a permanent failure. Result: ``{"channel_id"}``."""

    kind: ClassVar[str] = Kind.EDIT_CHANNEL.value

    def validate(self) -> None:
        self.validate_target()
        if self.guild_id is not None:
            raise self.fail("guild_id is not part of an edit (the channel names its guild)")
        if self.name is not None:
            if not isinstance(self.name, str) or not 1 <= len(self.name.strip()) <= MAX_CHANNEL_NAME:
                raise self.fail(f"name must be a string of 1 to {MAX_CHANNEL_NAME} characters")
            self._set("name", self.name.strip())
        if self.name is None and self.topic is None and self.parent_id is None and self.permission_overwrites is None:
            raise self.fail("give at least one of name, topic, parent_id, permission_overwrites")
        self._id("parent_id")
        self._string("topic")
        self._objects("permission_overwrites")
        if self.permission_overwrites is not None:
            self._set(
                "permission_overwrites", [self._overwrite(i, raw) for i, raw in enumerate(self.permission_overwrites)]
            )
        self._string("reason")


@dataclass(frozen=True, kw_only=True)
class DeleteChannel(ChannelTarget):
    """Delete a channel; one already gone counts as done. ``reason`` goes to the audit log.
    Result: ``{"channel_id", "already_gone"}``."""

    kind: ClassVar[str] = Kind.DELETE_CHANNEL.value
    reason: str | None = None

    def validate(self) -> None:
        self.validate_target()
        self._string("reason")


@dataclass(frozen=True, kw_only=True)
class SetPresence(OutboxPayload):
    """Set the bot's ``status`` (online, idle, dnd, invisible), optionally with an
    ``activity_type`` (playing, streaming, listening, watching, competing, custom) and its
    ``activity_text``. A gateway operation: only the bot process performs it. Result: the payload."""

    kind: ClassVar[str] = Kind.SET_PRESENCE.value
    status: str | None = None
    activity_type: str | None = None
    activity_text: str | None = None

    def validate(self) -> None:
        if self.status not in PRESENCE_STATUSES:
            raise self.fail(f"status must be one of {list(PRESENCE_STATUSES)}")
        if self.activity_type is None and self.activity_text is None:
            return
        if self.activity_type not in ACTIVITY_TYPES:
            raise self.fail(f"activity_type must be one of {list(ACTIVITY_TYPES)}")
        if not isinstance(self.activity_text, str) or not self.activity_text.strip():
            raise self.fail("activity_text is required with activity_type")


@dataclass(frozen=True, kw_only=True)
class PurgeChannel(OutboxPayload):
    """Delete the messages of ``channel_id`` older than ``older_than_days`` (at least 1), keeping
    pinned ones: bulk deletes for messages younger than 14 days, one by one for older ones, at
    most ``limit`` (1 to 1,000; default: all), newest first. With ``guild_id``, the channel must be
    in that guild. Result: ``{"channel_id", "deleted", "bulk", "single", "kept_pinned"}``."""

    kind: ClassVar[str] = Kind.PURGE_CHANNEL.value
    channel_id: str | None = None
    older_than_days: int | None = None
    limit: int | None = None
    guild_id: str | None = None
    reason: str | None = None

    def validate(self) -> None:
        days = self.older_than_days
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise self.fail(f"older_than_days must be a whole number of at least 1, got {days!r}")
        limit = self.limit
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PURGE):
            raise self.fail(f"limit must be a whole number from 1 to {MAX_PURGE}, got {limit!r}")
        self._id("channel_id", required=True)
        self._id("guild_id")
        self._string("reason")


PAYLOADS: dict[str, type[OutboxPayload]] = {
    schema.kind: schema
    for schema in (
        SendMessage,
        EditMessage,
        DeleteMessage,
        SendDM,
        AddRole,
        RemoveRole,
        CreateChannel,
        EditChannel,
        DeleteChannel,
        SetPresence,
        PurgeChannel,
    )
}


def payload_from_json(kind: str, payload: Any) -> OutboxPayload:
    """The typed payload of a ``kind`` from its JSON (as stored, or as a caller wrote it)."""
    schema = PAYLOADS.get(kind)
    if schema is None:
        raise ValueError(f"unknown outbox action kind {kind!r} (known: {sorted(PAYLOADS)})")
    return schema.from_json(payload)


def validate_payload(kind: str, payload: Any) -> dict[str, Any]:
    """Check ``payload`` against the shape of ``kind`` and return a normalised copy (ids as strings)."""
    return payload_from_json(kind, payload).as_json()
