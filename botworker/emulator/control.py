"""The emulator's control API, for running it by hand (`manage.py discord_emulator`): another
process sends interactions and messages through Discord's gateway to the connected bot and reads
the bot's answers.

    POST /_emulator/interactions   body: an interaction object (as for send_interaction)
                                   → {"interaction": <what was dispatched>, "responses": [<callback bodies>],
                                      "message": <the answer's message as it is now, or null>,
                                      "followups": [<follow-up messages>], "pending": <still deferred?>}
                                     Waits up to `wait` seconds (default 30) for the answer to settle: a
                                     deferred answer (callback type 5 or 6) settles when the bot has edited
                                     the message or sent a follow-up. A component interaction without
                                     `message` is given the newest message carrying that custom_id (an
                                     ephemeral one included); a modal submit without `message` the message
                                     of the component that opened the modal. A modal submit whose fields
                                     the newest modal of that custom_id does not have is refused (400).
    POST /_emulator/messages       body: {"channel_id", "content", "author_id"?, "guild_id"?}
                                   → {"message": <dispatched>, "replies": [<bot messages posted after it>]}
    GET  /_emulator/channels?guild_id=ID   → the guild's channels
    GET  /_emulator/channels/{id}/messages → the channel's messages, oldest first
    GET  /_emulator/status         → the gateway sessions

Bad input (unknown channel, unknown member, a malformed body) is a 400 with {"error": "..."}.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from botworker.emulator.message_model import FLAG_LOADING

if TYPE_CHECKING:
    from botworker.emulator.emulator import DiscordEmulator

DEFAULT_WAIT_SECONDS = 30.0
REPLY_WAIT_SECONDS = 5.0  # how long `messages` waits for the bot's replies to a channel message
DEFERRED_TYPES = (5, 6)
COMPONENT, MODAL_SUBMIT = 3, 5
MODAL = 9


class BadRequest(Exception):
    """The control request cannot be carried out; the message says why."""


async def _wait_until(check, wait: float) -> Any:
    deadline = time.monotonic() + wait
    while True:
        value = check()
        if value or time.monotonic() >= deadline:
            return value
        await asyncio.sleep(0.05)


def _components(rows: list[dict]) -> list[dict]:
    """Every component in a message's action rows (and the rows' own children)."""
    found = []
    for row in rows or []:
        found.extend(row.get("components") or [])
        if row.get("component"):
            found.append(row["component"])
    return found


def _all_messages(emu: DiscordEmulator) -> list[dict]:
    """Every message the emulator knows: channel histories and interaction messages (ephemeral ones)."""
    state = emu.state
    seen: dict[str, dict] = {}
    for messages in state.messages.values():
        seen.update(messages)
    for interaction in state.interactions.values():
        for message_id, message in interaction.messages.items():
            seen.setdefault(message_id, message)
    return sorted(seen.values(), key=lambda m: int(m["id"]))


def _message_with_component(emu: DiscordEmulator, custom_id: str) -> dict | None:
    with emu._lock:
        for message in reversed(_all_messages(emu)):
            if any(c.get("custom_id") == custom_id for c in _components(message.get("components"))):
                return copy.deepcopy(message)
    return None


def _opened_modal(emu: DiscordEmulator, custom_id: str) -> tuple[dict, dict | None] | None:
    """The newest modal with this custom_id the bot opened, and the message of the component that
    opened it (None when a command opened it)."""
    state = emu.state
    with emu._lock:
        for interaction in sorted(state.interactions.values(), key=lambda i: int(i.id), reverse=True):
            for response in reversed(interaction.responses):
                data = response.get("data") or {}
                if response.get("type") == MODAL and data.get("custom_id") == custom_id:
                    message = state.find_message(*interaction.message_ref) if interaction.message_ref else None
                    return copy.deepcopy(data), copy.deepcopy(message)
    return None


def _prepare(emu: DiscordEmulator, payload: dict) -> dict:
    """Point a component click or modal submit at the message it acts on (see the module doc)."""
    if not isinstance(payload, dict):
        raise BadRequest("the body must be a JSON object")
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    custom_id = data.get("custom_id")
    kind = payload.get("type")
    if kind == COMPONENT and custom_id and "message" not in payload:
        message = _message_with_component(emu, custom_id)
        if message is None:
            raise BadRequest(f"no message carries a component with custom_id {custom_id!r}")
        payload["message"] = message
        payload["channel_id"] = message["channel_id"]
    elif kind == MODAL_SUBMIT and custom_id:
        opened = _opened_modal(emu, custom_id)
        if opened is None:
            raise BadRequest(f"the bot has not opened a modal with custom_id {custom_id!r}")
        modal, message = opened
        declared = {c["custom_id"]: c for c in _components(modal.get("components")) if c.get("custom_id")}
        given = {c.get("custom_id") for c in _components(data.get("components"))}
        unknown = sorted(str(name) for name in given - set(declared))
        if unknown:
            raise BadRequest(
                f"the modal {custom_id!r} has no field {', '.join(unknown)}; its fields: {', '.join(declared)}"
            )
        if message is not None and "message" not in payload:
            payload["message"] = message
            payload["channel_id"] = message["channel_id"]
    return payload


def _outcome(emu: DiscordEmulator, sent: dict, before: dict | None) -> dict | None:
    """What the bot answered so far, or None while it has not answered or is still working on a
    deferred answer."""
    responses = emu.interaction_responses(sent["id"])
    if not responses:
        return None
    followups = emu.followups(sent["token"])
    last = responses[-1].get("type")
    message = None
    if last in (4, 5):
        message = emu.original_response(None, sent["token"])
    elif last in (6, 7) and sent.get("message"):
        with emu._lock:
            found = emu.state.find_message(sent["channel_id"], sent["message"]["id"])
            message = copy.deepcopy(found)
    pending = False
    if last == 5:
        pending = not followups and (message is None or bool(message["flags"] & FLAG_LOADING))
    elif last == 6:
        pending = not followups and (message is None or message == before)
    return {"responses": responses, "message": message, "followups": followups, "pending": pending}


def mount_control(app: web.Application, emu: DiscordEmulator) -> None:
    async def interactions(request: web.Request) -> web.Response:
        try:
            payload = await request.json()
            wait = float(request.query.get("wait", DEFAULT_WAIT_SECONDS))
            payload = _prepare(emu, payload)
            # send_interaction blocks on this very loop; run it from a thread.
            sent = await asyncio.to_thread(emu.send_interaction, payload)
        except (BadRequest, ValueError, TypeError, KeyError) as exc:
            return _bad_request(exc)
        before = copy.deepcopy(sent.get("message"))
        outcome = await _wait_until(lambda: (o := _outcome(emu, sent, before)) and not o["pending"] and o, wait)
        if not outcome:
            outcome = _outcome(emu, sent, before) or {
                "responses": [],
                "message": None,
                "followups": [],
                "pending": False,
            }
        return web.json_response({"interaction": sent, **outcome})

    async def messages(request: web.Request) -> web.Response:
        try:
            body = await request.json()
            wait = float(request.query.get("wait", REPLY_WAIT_SECONDS))
            channel_id = str(body["channel_id"])
            before = {m["id"] for m in emu.messages(channel_id)}
            sent = await asyncio.to_thread(
                emu.send_message_create,
                channel_id,
                body["content"],
                author_id=body.get("author_id"),
                guild_id=body.get("guild_id"),
            )
        except (ValueError, TypeError, KeyError) as exc:
            return _bad_request(exc)
        bot_id = emu.bot_user["id"]

        def replies() -> list[dict]:
            return [m for m in emu.messages(channel_id) if m["id"] not in before and m["author"]["id"] == bot_id]

        return web.json_response({"message": sent, "replies": await _wait_until(replies, wait)})

    async def channels(request: web.Request) -> web.Response:
        return web.json_response(emu.channels(request.query.get("guild_id")))

    async def channel_messages(request: web.Request) -> web.Response:
        return web.json_response(emu.messages(request.match_info["channel_id"]))

    async def status(request: web.Request) -> web.Response:
        return web.json_response({"sessions": [dataclasses.asdict(s) for s in emu.gateway_sessions]})

    app.router.add_post("/_emulator/interactions", interactions)
    app.router.add_post("/_emulator/messages", messages)
    app.router.add_get("/_emulator/channels", channels)
    app.router.add_get("/_emulator/channels/{channel_id}/messages", channel_messages)
    app.router.add_get("/_emulator/status", status)


def _bad_request(exc: Exception) -> web.Response:
    if isinstance(exc, json.JSONDecodeError):
        reason = "the body is not JSON"
    elif isinstance(exc, KeyError):
        reason = f"the body lacks {exc.args[0]!r}"
    else:
        reason = str(exc)
    return web.json_response({"error": reason}, status=400)
