"""The emulator's control API, for running it by hand (`manage.py discord_emulator`): another
process sends interactions and messages through Discord's gateway to the connected bot and reads
the bot's answers.

    POST /_emulator/interactions   body: an interaction object (as for send_interaction)
                                   → {"interaction": <what was dispatched>, "responses": [<callback bodies>]}
                                     (waits up to `wait` seconds, default 5, for the bot's answer)
    POST /_emulator/messages       body: {"channel_id", "content", "author_id"?, "guild_id"?}
                                   → {"message": <dispatched>, "replies": [<bot messages posted after it>]}
    GET  /_emulator/channels/{id}/messages → the channel's messages, oldest first
    GET  /_emulator/status         → the gateway sessions
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from botworker.emulator.emulator import DiscordEmulator

DEFAULT_WAIT_SECONDS = 5.0


async def _wait_until(check, wait: float) -> Any:
    deadline = time.monotonic() + wait
    while True:
        value = check()
        if value or time.monotonic() >= deadline:
            return value
        await asyncio.sleep(0.05)


def mount_control(app: web.Application, emu: DiscordEmulator) -> None:
    async def interactions(request: web.Request) -> web.Response:
        payload = await request.json()
        wait = float(request.query.get("wait", DEFAULT_WAIT_SECONDS))
        # send_interaction blocks on this very loop; run it from a thread.
        sent = await asyncio.to_thread(emu.send_interaction, payload)
        responses = await _wait_until(lambda: emu.interaction_responses(sent["id"]), wait)
        return web.json_response({"interaction": sent, "responses": responses})

    async def messages(request: web.Request) -> web.Response:
        body = await request.json()
        wait = float(request.query.get("wait", DEFAULT_WAIT_SECONDS))
        channel_id = str(body["channel_id"])
        before = {m["id"] for m in emu.messages(channel_id)}
        sent = await asyncio.to_thread(
            emu.send_message_create,
            channel_id,
            body["content"],
            author_id=body.get("author_id"),
            guild_id=body.get("guild_id"),
        )
        bot_id = emu.bot_user["id"]

        def replies() -> list[dict]:
            return [m for m in emu.messages(channel_id) if m["id"] not in before and m["author"]["id"] == bot_id]

        return web.json_response({"message": sent, "replies": await _wait_until(replies, wait)})

    async def channel_messages(request: web.Request) -> web.Response:
        return web.json_response(emu.messages(request.match_info["channel_id"]))

    async def status(request: web.Request) -> web.Response:
        return web.json_response({"sessions": [dataclasses.asdict(s) for s in emu.gateway_sessions]})

    app.router.add_post("/_emulator/interactions", interactions)
    app.router.add_post("/_emulator/messages", messages)
    app.router.add_get("/_emulator/channels/{channel_id}/messages", channel_messages)
    app.router.add_get("/_emulator/status", status)
