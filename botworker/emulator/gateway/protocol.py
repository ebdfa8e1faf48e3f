"""The gateway protocol's vocabulary: opcodes, close codes (and which end a session), intents and
which events each one gates, which events go to shard 0 only, and the shape of a payload."""

from __future__ import annotations

import enum
from typing import Any

GATEWAY_PATH = "/gateway"
GATEWAY_VERSION = 10
DEFAULT_HEARTBEAT_INTERVAL_MS = 41_250
# How long a HEARTBEAT_ACK takes to come back: a network round trip. discord.py's keep-alive thread
# records when it sent a heartbeat only after the send has completed on the event loop, so an ACK
# processed before that is measured against the previous heartbeat: "Can't keep up, websocket is
# 41.2s behind". Discord's ACKs always take a round trip; answering in zero time lost that race.
DEFAULT_HEARTBEAT_ACK_DELAY_MS = 40
TRACE = ['["guildhall-discord-emulator",{"micros":0}]']


class Op(enum.IntEnum):
    """Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes)."""

    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    VOICE_STATE_UPDATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11
    REQUEST_SOUNDBOARD_SOUNDS = 31


class CloseCode(enum.IntEnum):
    """Gateway close codes and what discord.py 2.7.1 does with them (see ``DiscordWebSocket._can_handle_close``)."""

    UNKNOWN_ERROR = 4000  # discord.py resumes
    UNKNOWN_OPCODE = 4001  # resumes
    DECODE_ERROR = 4002  # resumes
    NOT_AUTHENTICATED = 4003  # resumes
    AUTHENTICATION_FAILED = 4004  # fatal: ConnectionClosed
    ALREADY_AUTHENTICATED = 4005  # resumes
    INVALID_SEQ = 4007  # resumes (the emulator then answers INVALID_SESSION)
    RATE_LIMITED = 4008  # resumes
    SESSION_TIMED_OUT = 4009  # resumes (the emulator then answers INVALID_SESSION)
    INVALID_SHARD = 4010  # fatal
    SHARDING_REQUIRED = 4011  # fatal
    INVALID_API_VERSION = 4012  # fatal
    INVALID_INTENTS = 4013  # fatal
    DISALLOWED_INTENTS = 4014  # fatal: PrivilegedIntentsRequired


CLOSE_REASONS = {
    1000: "Normal closure.",
    1001: "Going away.",
    CloseCode.UNKNOWN_ERROR: "Unknown error.",
    CloseCode.UNKNOWN_OPCODE: "Unknown opcode.",
    CloseCode.DECODE_ERROR: "Decode error.",
    CloseCode.NOT_AUTHENTICATED: "Not authenticated.",
    CloseCode.AUTHENTICATION_FAILED: "Authentication failed.",
    CloseCode.ALREADY_AUTHENTICATED: "Already authenticated.",
    CloseCode.INVALID_SEQ: "Invalid seq.",
    CloseCode.RATE_LIMITED: "Rate limited.",
    CloseCode.SESSION_TIMED_OUT: "Session timed out.",
    CloseCode.INVALID_SHARD: "Invalid shard.",
    CloseCode.SHARDING_REQUIRED: "Sharding required.",
    CloseCode.INVALID_API_VERSION: "Invalid API version.",
    CloseCode.INVALID_INTENTS: "Invalid intent(s).",
    CloseCode.DISALLOWED_INTENTS: "Disallowed intent(s).",
}

# Close codes after which Discord will not resume the session (the client must IDENTIFY again).
SESSION_ENDING_CODES = frozenset({4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014})
# A client closing with these ends its session on Discord (the bot goes offline at once).
CLIENT_ENDING_CODES = frozenset({1000, 1001})
ABNORMAL_CLOSURE = 1006


class Intent(enum.IntFlag):
    """Gateway intents (https://discord.com/developers/docs/events/gateway#gateway-intents)."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MODERATION = 1 << 2
    GUILD_EXPRESSIONS = 1 << 3
    GUILD_INTEGRATIONS = 1 << 4
    GUILD_WEBHOOKS = 1 << 5
    GUILD_INVITES = 1 << 6
    GUILD_VOICE_STATES = 1 << 7
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    DIRECT_MESSAGE_TYPING = 1 << 14
    MESSAGE_CONTENT = 1 << 15
    GUILD_SCHEDULED_EVENTS = 1 << 16
    AUTO_MODERATION_CONFIGURATION = 1 << 20
    AUTO_MODERATION_EXECUTION = 1 << 21
    GUILD_MESSAGE_POLLS = 1 << 24
    DIRECT_MESSAGE_POLLS = 1 << 25


ALL_INTENTS = 0
for _intent in Intent:
    ALL_INTENTS |= _intent.value


def _event_intents() -> dict[str, tuple[int, int]]:
    """Event name -> (intent needed in a guild, intent needed outside one; 0: never sent outside a guild)."""
    groups: list[tuple[int, int, str]] = [
        (
            Intent.GUILDS,
            0,
            "GUILD_CREATE GUILD_UPDATE GUILD_DELETE GUILD_ROLE_CREATE GUILD_ROLE_UPDATE GUILD_ROLE_DELETE"
            " CHANNEL_CREATE CHANNEL_UPDATE CHANNEL_DELETE THREAD_CREATE THREAD_UPDATE THREAD_DELETE"
            " THREAD_LIST_SYNC THREAD_MEMBER_UPDATE STAGE_INSTANCE_CREATE STAGE_INSTANCE_UPDATE STAGE_INSTANCE_DELETE",
        ),
        (Intent.GUILDS, Intent.DIRECT_MESSAGES, "CHANNEL_PINS_UPDATE"),
        (Intent.GUILD_MEMBERS, 0, "GUILD_MEMBER_ADD GUILD_MEMBER_UPDATE GUILD_MEMBER_REMOVE THREAD_MEMBERS_UPDATE"),
        (Intent.GUILD_MODERATION, 0, "GUILD_AUDIT_LOG_ENTRY_CREATE GUILD_BAN_ADD GUILD_BAN_REMOVE"),
        (
            Intent.GUILD_EXPRESSIONS,
            0,
            "GUILD_EMOJIS_UPDATE GUILD_STICKERS_UPDATE GUILD_SOUNDBOARD_SOUND_CREATE GUILD_SOUNDBOARD_SOUND_UPDATE"
            " GUILD_SOUNDBOARD_SOUND_DELETE GUILD_SOUNDBOARD_SOUNDS_UPDATE",
        ),
        (
            Intent.GUILD_INTEGRATIONS,
            0,
            "GUILD_INTEGRATIONS_UPDATE INTEGRATION_CREATE INTEGRATION_UPDATE INTEGRATION_DELETE",
        ),
        (Intent.GUILD_WEBHOOKS, 0, "WEBHOOKS_UPDATE"),
        (Intent.GUILD_INVITES, 0, "INVITE_CREATE INVITE_DELETE"),
        (Intent.GUILD_VOICE_STATES, 0, "VOICE_STATE_UPDATE VOICE_CHANNEL_EFFECT_SEND"),
        (Intent.GUILD_PRESENCES, 0, "PRESENCE_UPDATE"),
        (
            Intent.GUILD_MESSAGES,
            Intent.DIRECT_MESSAGES,
            "MESSAGE_CREATE MESSAGE_UPDATE MESSAGE_DELETE MESSAGE_DELETE_BULK",
        ),
        (
            Intent.GUILD_MESSAGE_REACTIONS,
            Intent.DIRECT_MESSAGE_REACTIONS,
            "MESSAGE_REACTION_ADD MESSAGE_REACTION_REMOVE MESSAGE_REACTION_REMOVE_ALL MESSAGE_REACTION_REMOVE_EMOJI",
        ),
        (Intent.GUILD_MESSAGE_TYPING, Intent.DIRECT_MESSAGE_TYPING, "TYPING_START"),
        (
            Intent.GUILD_SCHEDULED_EVENTS,
            0,
            "GUILD_SCHEDULED_EVENT_CREATE GUILD_SCHEDULED_EVENT_UPDATE GUILD_SCHEDULED_EVENT_DELETE"
            " GUILD_SCHEDULED_EVENT_USER_ADD GUILD_SCHEDULED_EVENT_USER_REMOVE",
        ),
        (
            Intent.AUTO_MODERATION_CONFIGURATION,
            0,
            "AUTO_MODERATION_RULE_CREATE AUTO_MODERATION_RULE_UPDATE AUTO_MODERATION_RULE_DELETE",
        ),
        (Intent.AUTO_MODERATION_EXECUTION, 0, "AUTO_MODERATION_ACTION_EXECUTION"),
        (Intent.GUILD_MESSAGE_POLLS, Intent.DIRECT_MESSAGE_POLLS, "MESSAGE_POLL_VOTE_ADD MESSAGE_POLL_VOTE_REMOVE"),
    ]
    return {event: (int(guild), int(direct)) for guild, direct, events in groups for event in events.split()}


EVENT_INTENTS = _event_intents()
# Events about the guild itself carry its id in ``id`` rather than ``guild_id``.
GUILD_ITSELF_EVENTS = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})
# Discord sends events that happen outside any guild (DMs) to shard 0 only.
SHARD_ZERO_EVENTS = frozenset(
    {
        "MESSAGE_CREATE",
        "MESSAGE_UPDATE",
        "MESSAGE_DELETE",
        "MESSAGE_REACTION_ADD",
        "MESSAGE_REACTION_REMOVE",
        "MESSAGE_REACTION_REMOVE_ALL",
        "MESSAGE_REACTION_REMOVE_EMOJI",
        "MESSAGE_POLL_VOTE_ADD",
        "MESSAGE_POLL_VOTE_REMOVE",
        "TYPING_START",
        "CHANNEL_CREATE",
        "CHANNEL_UPDATE",
        "CHANNEL_DELETE",
        "CHANNEL_PINS_UPDATE",
        "INTERACTION_CREATE",
    }
)
CONTENT_EVENTS = frozenset({"MESSAGE_CREATE", "MESSAGE_UPDATE"})
THREAD_TYPES = frozenset({10, 11, 12})


def frame(op: int, d: Any = None) -> dict[str, Any]:
    """A non-dispatch payload (``s`` and ``t`` are always null outside op 0)."""
    return {"op": op, "d": d, "s": None, "t": None}


def guild_of(event: str, data: dict[str, Any]) -> str | None:
    """The guild a dispatch is about (``id`` for the guild's own events, else ``guild_id``)."""
    value = data.get("id") if event in GUILD_ITSELF_EVENTS else data.get("guild_id")
    return None if value is None else str(value)


def is_int(value: Any) -> bool:
    """An integer in a JSON payload (``true``/``false`` are not)."""
    return isinstance(value, int) and not isinstance(value, bool)
