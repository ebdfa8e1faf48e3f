"""REST routes for channel messages and pins: sending (with ``enforce_nonce`` de-duplication and
closed DMs), history pages (``around``/``before``/``after``), fetching, editing, deleting,
bulk-deleting, and the pin list (current and legacy routes), pinning and unpinning."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botworker.emulator.errors import APIError, form_error, int_arg, snowflake_arg
from botworker.emulator.message_model import apply_edit, check_not_empty, delete_message, new_message, store_message
from botworker.emulator.rest.plumbing import CHANNEL_ID, MESSAGE_ID, Request, Route
from botworker.emulator.snowflakes import iso, snowflake_time, utcnow

if TYPE_CHECKING:
    from botworker.emulator.emulator import DiscordEmulator
    from botworker.emulator.state import State

BULK_DELETE_MAX_AGE = timedelta(days=14)
NONCE_WINDOW = timedelta(minutes=5)
MAX_PINS = 250


def create_message(emu: DiscordEmulator, request: Request, channel_id: str) -> tuple[int, Any]:
    state = emu.state
    channel = state.require_channel(channel_id)
    if channel["type"] in (4, 15, 16):
        raise APIError(400, 50008, "Cannot send messages in a non-text channel")
    if channel["type"] == 1 and any(r["id"] in state.closed_dms for r in channel.get("recipients", [])):
        raise APIError(403, 50007, "Cannot send messages to this user")
    body = request.body()
    nonce = body.get("nonce")
    if nonce is not None and len(str(nonce)) > 25:
        raise form_error("nonce", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    now = utcnow()
    nonce_key = (channel_id, state.bot_user_id, str(nonce))
    if nonce is not None and body.get("enforce_nonce"):
        previous = state.nonces.get(nonce_key)
        if previous is not None and now - previous[1] <= NONCE_WINDOW:
            existing = state.messages[channel_id].get(previous[0])
            if existing is not None:
                return 200, existing
    message = new_message(state, channel_id, state.users[state.bot_user_id], body, request.files)
    check_not_empty(message)
    store_message(state, message)
    if nonce is not None:
        state.nonces[nonce_key] = (message["id"], now)
    return 200, message


def history(emu: DiscordEmulator, request: Request, channel_id: str) -> tuple[int, Any]:
    state = emu.state
    state.require_channel(channel_id)
    limit = int_arg(request.query.get("limit"), "limit", 50, 1, 100)
    messages = state.sorted_messages(channel_id)
    query = request.query
    if "around" in query:
        pivot = int(snowflake_arg(query["around"], "around"))
        newer = [m for m in messages if int(m["id"]) > pivot][: limit // 2]
        older = [m for m in messages if int(m["id"]) <= pivot]
        page = older[-(limit - len(newer)) :] + newer
    elif "before" in query:
        pivot = int(snowflake_arg(query["before"], "before"))
        older = [m for m in messages if int(m["id"]) < pivot]
        page = older[max(0, len(older) - limit) :]
    elif "after" in query:
        pivot = int(snowflake_arg(query["after"], "after"))
        page = [m for m in messages if int(m["id"]) > pivot][:limit]
    else:
        page = messages[max(0, len(messages) - limit) :]
    return 200, list(reversed(page))


def get_message(emu: DiscordEmulator, request: Request, channel_id: str, message_id: str) -> tuple[int, Any]:
    return 200, emu.state.require_message(channel_id, message_id)


def edit_message(emu: DiscordEmulator, request: Request, channel_id: str, message_id: str) -> tuple[int, Any]:
    state = emu.state
    message = state.require_message(channel_id, message_id)
    body = request.body()
    if message["author"]["id"] != state.bot_user_id and (set(body) - {"flags"} or request.files):
        raise APIError(403, 50005, "Cannot edit a message authored by another user")
    apply_edit(state, message, body, request.files)
    return 200, message


def delete(emu: DiscordEmulator, request: Request, channel_id: str, message_id: str) -> tuple[int, Any]:
    emu.state.require_message(channel_id, message_id)
    delete_message(emu.state, channel_id, message_id)
    return 204, None


def bulk_delete(emu: DiscordEmulator, request: Request, channel_id: str) -> tuple[int, Any]:
    emu.state.require_channel(channel_id)
    ids = request.body().get("messages")
    if not isinstance(ids, list) or not 2 <= len(ids) <= 100:
        raise form_error("messages", "Must be between 2 and 100 in length.", "BASE_TYPE_BAD_LENGTH")
    snowflakes = [snowflake_arg(value, f"messages.{i}") for i, value in enumerate(ids)]
    if len(set(snowflakes)) != len(snowflakes):
        raise form_error("messages", "Duplicate messages are not allowed.", "BASE_TYPE_BAD_VALUE")
    cutoff = utcnow() - BULK_DELETE_MAX_AGE
    if any(snowflake_time(s) < cutoff for s in snowflakes):
        raise APIError(400, 50034, "You can only bulk delete messages that are under 14 days old.")
    for snowflake in snowflakes:
        delete_message(emu.state, channel_id, snowflake)
    return 204, None


def _pinned(state: State, channel_id: str) -> list[tuple[datetime, dict[str, Any]]]:
    """The channel's pinned messages with when they were pinned, most recently pinned first."""
    pinned = [(state.pinned_at[m["id"]], m) for m in state.sorted_messages(channel_id) if m["pinned"]]
    return sorted(pinned, key=lambda item: item[0], reverse=True)


def pins(emu: DiscordEmulator, request: Request, channel_id: str) -> tuple[int, Any]:
    emu.state.require_channel(channel_id)
    limit = int_arg(request.query.get("limit"), "limit", 50, 1, 50)
    pinned = _pinned(emu.state, channel_id)
    if "before" in request.query:
        try:
            before = datetime.fromisoformat(request.query["before"])
        except ValueError:
            raise form_error("before", "Could not interpret value as a datetime.", "DATE_TIME_TYPE_PARSE") from None
        pinned = [item for item in pinned if item[0] < before]
    items = [{"pinned_at": iso(at), "message": message} for at, message in pinned[:limit]]
    return 200, {"items": items, "has_more": len(pinned) > limit}


def legacy_pins(emu: DiscordEmulator, request: Request, channel_id: str) -> tuple[int, Any]:
    emu.state.require_channel(channel_id)
    return 200, [message for _, message in _pinned(emu.state, channel_id)]


def pin(emu: DiscordEmulator, request: Request, channel_id: str, message_id: str) -> tuple[int, Any]:
    state = emu.state
    message = state.require_message(channel_id, message_id)
    if not message["pinned"]:
        if len(_pinned(state, channel_id)) >= MAX_PINS:
            raise APIError(400, 30003, f"Maximum number of pins reached ({MAX_PINS})")
        message["pinned"] = True
        state.pinned_at[message_id] = utcnow()
    return 204, None


def unpin(emu: DiscordEmulator, request: Request, channel_id: str, message_id: str) -> tuple[int, Any]:
    message = emu.state.require_message(channel_id, message_id)
    message["pinned"] = False
    emu.state.pinned_at.pop(message_id, None)
    return 204, None


_MESSAGES = f"/channels/{CHANNEL_ID}/messages"
_MESSAGE = f"{_MESSAGES}/{MESSAGE_ID}"

ROUTES: list[Route] = [
    ("GET", _MESSAGES, history, True),
    ("POST", _MESSAGES, create_message, True),
    ("POST", f"{_MESSAGES}/bulk-delete", bulk_delete, True),
    ("GET", f"{_MESSAGES}/pins", pins, True),
    ("PUT", f"{_MESSAGES}/pins/{MESSAGE_ID}", pin, True),
    ("DELETE", f"{_MESSAGES}/pins/{MESSAGE_ID}", unpin, True),
    ("GET", f"/channels/{CHANNEL_ID}/pins", legacy_pins, True),
    ("PUT", f"/channels/{CHANNEL_ID}/pins/{MESSAGE_ID}", pin, True),
    ("DELETE", f"/channels/{CHANNEL_ID}/pins/{MESSAGE_ID}", unpin, True),
    ("GET", _MESSAGE, get_message, True),
    ("PATCH", _MESSAGE, edit_message, True),
    ("DELETE", _MESSAGE, delete, True),
]
