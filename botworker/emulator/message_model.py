"""Messages in the emulator's state: building one as Discord would store it (content checks,
mentions as ``allowed_mentions`` permits, uploaded attachments, replies), storing it in its
channel, editing it all-or-nothing and deleting it everywhere it appears.

Used by the REST routes (channel messages, interaction responses and follow-ups), the set-up
helpers and the gateway's MESSAGE_CREATE.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from botworker.emulator.errors import APIError, form_error
from botworker.emulator.snowflakes import iso, snowflake_time, utcnow

if TYPE_CHECKING:
    from botworker.emulator.rest.plumbing import Upload
    from botworker.emulator.state import State

MAX_CONTENT = 2000
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_FILE_FIELD = re.compile(r"files?\[?(\d*)\]?")


def check_content(body: dict[str, Any]) -> None:
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        raise form_error("content", "Must be a string.", "BASE_TYPE_STRING")
    if content is not None and len(content) > MAX_CONTENT:
        raise form_error("content", f"Must be {MAX_CONTENT} or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    embeds = body.get("embeds")
    if embeds is not None and (not isinstance(embeds, list) or len(embeds) > 10):
        raise form_error("embeds", "Must be 10 or fewer in length.", "BASE_TYPE_MAX_LENGTH")


def check_not_empty(message: dict[str, Any]) -> None:
    if not (message["content"].strip() or message["embeds"] or message["attachments"] or message["components"]):
        raise APIError(400, 50006, "Cannot send an empty message")


def _rich_embeds(embeds: Any) -> list[dict[str, Any]]:
    return [{"type": "rich", **e} for e in embeds or [] if isinstance(e, dict)]


def _mentions(state: State, content: str, allowed: Any) -> tuple[list, list, bool]:
    if isinstance(allowed, dict):
        parse = set(allowed.get("parse") or [])
        users = {str(u) for u in allowed.get("users") or []}
        roles = {str(r) for r in allowed.get("roles") or []}
    else:
        parse, users, roles = {"users", "roles", "everyone"}, set(), set()
    user_ids = dict.fromkeys(u for u in _USER_MENTION.findall(content) if "users" in parse or u in users)
    role_ids = dict.fromkeys(r for r in _ROLE_MENTION.findall(content) if "roles" in parse or r in roles)
    everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
    return [copy.deepcopy(state.user(u)) for u in user_ids], list(role_ids), everyone


def _make_attachments(state: State, channel_id: str, uploads: list[Upload], descriptors: Any) -> list[dict[str, Any]]:
    by_index = {str(d.get("id")): d for d in descriptors or [] if isinstance(d, dict)}
    result = []
    for position, upload in enumerate(uploads):
        index_match = _FILE_FIELD.fullmatch(upload.field)
        index = index_match.group(1) if index_match and index_match.group(1) else str(position)
        descriptor = by_index.get(index, {})
        attachment_id = state.new_id()
        filename = descriptor.get("filename") or upload.filename
        state.attachments[attachment_id] = (upload.data, upload.content_type)
        url = f"{state.server_url()}/attachments/{channel_id}/{attachment_id}/{quote(filename)}"
        attachment = {
            "id": attachment_id,
            "filename": filename,
            "size": len(upload.data),
            "url": url,
            "proxy_url": url,
            "content_type": upload.content_type,
        }
        if descriptor.get("description"):
            attachment["description"] = descriptor["description"]
        result.append(attachment)
    return result


def new_message(
    state: State,
    channel_id: str,
    author: dict[str, Any],
    body: dict[str, Any],
    uploads: list[Upload],
    *,
    created_at: datetime | None = None,
    message_type: int = 0,
    webhook: bool = False,
) -> dict[str, Any]:
    """A message built from a create body (not stored yet; its emptiness is not checked)."""
    check_content(body)
    content = body.get("content") or ""
    mentions, mention_roles, everyone = _mentions(state, content, body.get("allowed_mentions"))
    message_id = state.new_id(created_at)
    message: dict[str, Any] = {
        "id": message_id,
        "type": message_type,
        "content": content,
        "channel_id": channel_id,
        "author": copy.deepcopy(author),
        "attachments": _make_attachments(state, channel_id, uploads, body.get("attachments")),
        "embeds": _rich_embeds(body.get("embeds")),
        "mentions": mentions,
        "mention_roles": mention_roles,
        "pinned": False,
        "mention_everyone": everyone,
        "tts": bool(body.get("tts", False)),
        "timestamp": iso(created_at or snowflake_time(message_id)),
        "edited_timestamp": None,
        "flags": int(body.get("flags") or 0),
        "components": copy.deepcopy(body.get("components") or []),
    }
    if body.get("nonce") is not None:
        message["nonce"] = body["nonce"]
    if webhook:
        message["webhook_id"] = state.application_id
        message["application_id"] = state.application_id
    reference = body.get("message_reference")
    if isinstance(reference, dict) and reference.get("message_id") is not None:
        _attach_reference(state, message, reference)
    return message


def _attach_reference(state: State, message: dict[str, Any], reference: dict[str, Any]) -> None:
    ref_channel = str(reference.get("channel_id") or message["channel_id"])
    ref_id = str(reference["message_id"])
    target = state.messages.get(ref_channel, {}).get(ref_id)
    if target is None and reference.get("fail_if_not_exists", True):
        raise form_error("message_reference", "Unknown message", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE")
    message["type"] = 19
    message["message_reference"] = {
        "type": 0,
        "message_id": ref_id,
        "channel_id": ref_channel,
        "guild_id": state.channels.get(ref_channel, {}).get("guild_id"),
    }
    if target is not None:
        snapshot = copy.deepcopy(target)
        snapshot.pop("referenced_message", None)
        message["referenced_message"] = snapshot
    else:
        message["referenced_message"] = None


def store_message(state: State, message: dict[str, Any]) -> None:
    """Put the message in its channel's history and move the channel's ``last_message_id``."""
    channel_id = message["channel_id"]
    state.messages.setdefault(channel_id, {})[message["id"]] = message
    channel = state.channels.get(channel_id)
    if channel is not None and int(message["id"]) > int(channel.get("last_message_id") or 0):
        channel["last_message_id"] = message["id"]


def apply_edit(state: State, message: dict[str, Any], body: dict[str, Any], uploads: list[Upload]) -> None:
    """Edit ``message`` in place (it may be shared by a channel and an interaction), all or nothing."""
    check_content(body)
    draft = copy.deepcopy(message)
    if "content" in body:
        draft["content"] = body["content"] or ""
        mentions, roles, everyone = _mentions(state, draft["content"], body.get("allowed_mentions"))
        draft.update(mentions=mentions, mention_roles=roles, mention_everyone=everyone)
    if "embeds" in body:
        draft["embeds"] = _rich_embeds(body["embeds"])
    if "components" in body:
        draft["components"] = copy.deepcopy(body["components"] or [])
    if body.get("flags") is not None:
        draft["flags"] = int(body["flags"]) | (draft["flags"] & FLAG_EPHEMERAL)
    if isinstance(body.get("attachments"), list):
        existing = {a["id"]: a for a in draft["attachments"]}
        wanted = [str(d.get("id")) for d in body["attachments"] if isinstance(d, dict)]
        draft["attachments"] = [existing[i] for i in wanted if i in existing]
    if uploads:
        draft["attachments"] += _make_attachments(state, draft["channel_id"], uploads, body.get("attachments"))
    draft["flags"] &= ~FLAG_LOADING
    check_not_empty(draft)
    draft["edited_timestamp"] = iso(utcnow())
    message.clear()
    message.update(draft)


def delete_message(state: State, channel_id: str, message_id: str) -> None:
    """Remove the message from its channel, its pins and every interaction that sent it."""
    state.messages.get(channel_id, {}).pop(message_id, None)
    state.pinned_at.pop(message_id, None)
    for interaction in state.interactions.values():
        interaction.messages.pop(message_id, None)


def add_message(
    state: State,
    channel_id: str,
    content: str,
    author_id: str | None,
    created_at: datetime | None,
    pinned: bool,
    fields: dict[str, Any],
) -> dict[str, Any]:
    """Put a message in a known channel's history as the set-up helpers do (default author: the bot)."""
    if channel_id not in state.channels:
        raise ValueError(f"unknown channel {channel_id}; add it with add_channel() first")
    author = state.user(author_id if author_id is not None else state.bot_user_id)
    message = new_message(state, channel_id, author, {"content": content, **fields}, [], created_at=created_at)
    message.update(copy.deepcopy({k: v for k, v in fields.items() if k not in message}))
    if pinned:
        message["pinned"] = True
        state.pinned_at[message["id"]] = created_at or utcnow()
    store_message(state, message)
    return message
