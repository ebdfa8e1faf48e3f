"""The announcement watcher's Discord side: a message in a guild's announcements channel, as the
gateway delivers it (MESSAGE_CREATE, MESSAGE_UPDATE, MESSAGE_DELETE) or as a message link points
to it (``/add_reminder embed_link``), becomes the input of :mod:`scheduling.services.watcher`.

What the reader gets from a message (:func:`announcement_input`): the first embed's title; the
text (the message content, then every embed's description) and the embeds' fields, with Discord's
timestamps (``<t:1763753400>``, ``<t:1763753400:F>``) written as ISO 8601 instants and channel
mentions as ``#name`` where the channel is known (the reader ignores other ``<…>`` tokens). The
reminder's message is the text as written, with ``@everyone``/``@here`` defused: a watched
announcement never makes a reminder that pings everyone.

The gateway's events are read in the bot's sync thread (never in the event loop), one at a time
and in the order they arrived. Messages from the bot itself are ignored, as are Discord's system
messages ("… pinned a message"), a new message with no text and no embed (a picture alone) and a
MESSAGE_UPDATE without content or embeds (Discord's partial updates). Watching needs the message content intent
(``DISCORD_MESSAGE_CONTENT``, see docs/discord.md): without it Discord sends empty messages.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import discord
from asgiref.sync import async_to_sync
from django.db import close_old_connections, transaction
from django.utils import timezone

from botworker.discord_api import discord_http_client
from botworker.guilds import channel_for, guild_config_for
from botworker.models import GuildChannel
from config.exceptions import ApplicationError
from config.logging import log_context
from config.snowflakes import as_snowflake
from scheduling.announcements import parse_announcement
from scheduling.services import watcher

logger = logging.getLogger("guildhall.watcher")

BAD_LINK = "{value!r} is not a message link; in Discord, use “Copy Message Link” on the announcement."
OTHER_GUILD = "That message is in another server; link a message of this server."
MESSAGE_NOT_FOUND = "That message does not exist (any more), or I cannot see its channel."
NO_ACCESS = "I am not allowed to read that channel; give me View Channel and Read Message History there."

_TIMESTAMP_RE = re.compile(r"<t:(-?\d{1,13})(?::[tTdDfFR])?>")
_CHANNEL_RE = re.compile(r"<#(\d{1,20})>")
_EVERYONE_RE = re.compile(r"@(everyone|here)\b")
_LINK_RE = re.compile(
    r"https?://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/channels/(\d{1,20}|@me)/(\d{1,20})/(\d{1,20})/?"
)
MAX_CHANNEL_LOOKUPS = 5


@dataclass(frozen=True)
class AnnouncementInput:
    """What the reader reads of one message, and the reminder's message."""

    title: str
    text: str
    fields: tuple[tuple[str, str], ...] = ()
    message: str = ""
    channel_ids: frozenset[int] = field(default_factory=frozenset)  # channels mentioned in it


def _iso(match: re.Match) -> str:
    try:
        instant = dt.datetime.fromtimestamp(int(match[1]), tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return " "
    return instant.isoformat()


def mentioned_channels(data: Mapping[str, Any]) -> set[int]:
    """The ids of the channels a raw message mentions as ``<#id>`` (content, embeds)."""
    texts = [data.get("content") or ""]
    for embed in data.get("embeds") or []:
        texts += [embed.get("title") or "", embed.get("description") or ""]
        texts += [f"{f.get('name') or ''} {f.get('value') or ''}" for f in embed.get("fields") or []]
    return {int(found) for text in texts for found in _CHANNEL_RE.findall(text)}


def announcement_input(data: Mapping[str, Any], channel_names: Mapping[int, str] | None = None) -> AnnouncementInput:
    """The reader's input from a raw message object (gateway or REST): see the module docstring."""
    names = channel_names or {}

    def plain(text: str | None) -> str:
        text = _TIMESTAMP_RE.sub(_iso, text or "")
        return _CHANNEL_RE.sub(lambda m: f"#{names[int(m[1])]}" if int(m[1]) in names else " ", text)

    embeds = [embed for embed in data.get("embeds") or [] if isinstance(embed, dict)]
    title = next((embed["title"] for embed in embeds if embed.get("title")), "")
    written = [data.get("content") or ""] + [embed.get("description") or "" for embed in embeds]
    written = [part for part in written if part.strip()]
    fields = tuple(
        (plain(item.get("name")), plain(item.get("value")))
        for embed in embeds
        for item in embed.get("fields") or []
        if isinstance(item, dict)
    )
    message = _EVERYONE_RE.sub("@\u200b\\1", "\n".join(written))
    return AnnouncementInput(
        title=plain(title),
        text="\n".join(plain(part) for part in written),
        fields=fields,
        message=message,
        channel_ids=frozenset(mentioned_channels(data)),
    )


# ----------------------------------------------------------------------------- gateway events


READ_MESSAGE_TYPES = frozenset({0, 19})  # DEFAULT and REPLY


def _has_text(data: Mapping[str, Any]) -> bool:
    if (data.get("content") or "").strip():
        return True
    return any(
        embed.get("title") or embed.get("description") or embed.get("fields")
        for embed in data.get("embeds") or []
        if isinstance(embed, dict)
    )


def _watched(data: Mapping[str, Any]):
    """The guild configuration when the event is about the guild's announcements channel."""
    guild_id = as_snowflake(data.get("guild_id"))
    channel_id = as_snowflake(data.get("channel_id"))
    if guild_id is None or channel_id is None:
        return None
    config = guild_config_for(guild_id)
    if config is None or channel_for(config, GuildChannel.Feature.ANNOUNCEMENTS) != channel_id:
        return None
    return config


def handle_message_event(
    event: str, data: Mapping[str, Any], *, bot_user_id: int | None, channel_names: Mapping[int, str] | None = None
) -> None:
    """Read one gateway message event (``MESSAGE_CREATE``, ``MESSAGE_UPDATE``, ``MESSAGE_DELETE``,
    ``MESSAGE_DELETE_BULK``) if it is in a watched channel; in the sync thread, one transaction."""
    config = _watched(data)
    if config is None:
        return
    with log_context(guild=config.guild_id, message=data.get("id")), transaction.atomic(durable=True):
        if event == "MESSAGE_DELETE":
            watcher.announcement_deleted(guild_id=config.guild_id, message_id=int(data["id"]))
            return
        if event == "MESSAGE_DELETE_BULK":
            for message_id in data.get("ids") or []:
                watcher.announcement_deleted(guild_id=config.guild_id, message_id=int(message_id))
            return
        author = data.get("author") or {}
        if bot_user_id is not None and as_snowflake(author.get("id")) == bot_user_id:
            return
        if event == "MESSAGE_UPDATE" and "content" not in data and "embeds" not in data:
            return
        if data.get("type", 0) not in READ_MESSAGE_TYPES:
            return  # "X pinned a message", "X started a thread" …: Discord's system messages
        if event == "MESSAGE_CREATE" and not _has_text(data):
            return  # a picture or a file alone announces nothing to read
        announcements = int(data["channel_id"])
        read = announcement_input(data, channel_names)
        service = watcher.announcement_seen if event == "MESSAGE_CREATE" else watcher.announcement_edited
        service(
            guild_id=config.guild_id,
            channel_id=announcements,
            message_id=int(data["id"]),
            author_id=as_snowflake(author.get("id")),
            title=read.title,
            text=read.text,
            fields=read.fields,
            message=read.message,
            zone=str(config.timezone),
            target_channel_id=channel_for(config, GuildChannel.Feature.REMINDERS) or announcements,
        )


WATCHED_EVENTS = frozenset({"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK"})


def handle_message_event_safely(event: str, data: Mapping[str, Any], **kwargs: Any) -> None:
    """:func:`handle_message_event`, logging instead of raising: a bad message must not stop the bot."""
    # One unit of work in the sync thread, like a request: drop a connection that broke or aged.
    close_old_connections()
    try:
        handle_message_event(event, data, **kwargs)
    except Exception:
        logger.exception("the announcement watcher failed on %s of message %s", event, data.get("id"))


# ----------------------------------------------------------------------------- message links


def parse_message_link(link: object, *, guild_id: int) -> tuple[int, int]:
    """(channel id, message id) of a message link to a message of `guild_id`; refuses anything else."""
    text = str(link or "").strip().strip("<>")
    match = _LINK_RE.fullmatch(text)
    if match is None:
        raise ApplicationError(BAD_LINK, params={"value": text[:100]}, field="embed_link")
    if match[1] == "@me" or int(match[1]) != int(guild_id):
        raise ApplicationError(OTHER_GUILD, field="embed_link")
    return int(match[2]), int(match[3])


async def fetch_message(
    http: discord.http.HTTPClient, *, guild_id: int, channel_id: int, message_id: int
) -> tuple[dict, dict[int, str]]:
    """The raw message and the names of the channels it mentions, through the bot's REST client.
    The channel must be one of `guild_id`'s (a link can carry any guild id)."""
    try:
        channel = await http.get_channel(channel_id)
        if as_snowflake(channel.get("guild_id")) != int(guild_id):
            raise ApplicationError(OTHER_GUILD, field="embed_link")
        data = await http.get_message(channel_id, message_id)
        names = {}
        for mentioned in sorted(mentioned_channels(data))[:MAX_CHANNEL_LOOKUPS]:
            try:
                other = await http.get_channel(mentioned)
            except discord.HTTPException:
                continue
            if as_snowflake(other.get("guild_id")) == int(guild_id) and other.get("name"):
                names[mentioned] = other["name"]
    except discord.NotFound:
        raise ApplicationError(MESSAGE_NOT_FOUND, field="embed_link") from None
    except discord.Forbidden:
        raise ApplicationError(NO_ACCESS, field="embed_link") from None
    return data, names


async def _fetch_with_bot(**kwargs: Any) -> tuple[dict, dict[int, str]]:
    async with discord_http_client() as http:
        return await fetch_message(http, **kwargs)


def announcement_from_link(
    link: str,
    guild_id: int,
    *,
    zone: str,
    now: dt.datetime | None = None,
    fetch: Callable[..., Any] | None = None,
) -> dict:
    """What the message at `link` announces, as keyword arguments for
    :func:`scheduling.services.reminders.reminder_create`: ``name``, ``message``, ``location``,
    ``timezone_name`` and either ``event_time`` or ``days`` + ``time_text``.

    Refuses (ApplicationError on ``embed_link``) what is not a message link, a message of another
    guild, a message the bot cannot read, and an announcement the reader does not understand
    (with its reason). It calls Discord: run it with no transaction open (a deferred handler with
    ``calls_discord``). `fetch` replaces the REST fetch (an async callable, for tests)."""
    channel_id, message_id = parse_message_link(link, guild_id=guild_id)
    data, names = async_to_sync(fetch or _fetch_with_bot)(
        guild_id=guild_id, channel_id=channel_id, message_id=message_id
    )
    read = announcement_input(data, names)
    try:
        parsed = parse_announcement(
            title=read.title, text=read.text, fields=read.fields, zone=zone, now=now or timezone.now()
        )
    except ApplicationError as error:
        raise ApplicationError(error.template, params=error.params, field="embed_link", code=error.code) from None
    found = {
        "name": parsed.name,
        "message": read.message.strip() or parsed.name,
        "location": parsed.location,
        "timezone_name": parsed.zone,
    }
    if parsed.is_recurring():
        return {**found, "days": list(parsed.days), "time_text": f"{parsed.time:%H:%M}"}
    return {**found, "event_time": parsed.event_time}
