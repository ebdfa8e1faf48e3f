"""REST routes about the bot's own account: ``/users/@me``, its application, opening DM channels,
and where the gateway is (``/gateway``, ``/gateway/bot`` with the recommended shard count)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botworker.emulator.errors import form_error, snowflake_arg
from botworker.emulator.rest.plumbing import Request, Route
from botworker.emulator.state import user_payload

if TYPE_CHECKING:
    from botworker.emulator.emulator import DiscordEmulator


def get_me(emu: DiscordEmulator, request: Request) -> tuple[int, Any]:
    return 200, {**emu.state.bot_account(), "locale": "en-US"}


def get_application(emu: DiscordEmulator, request: Request) -> tuple[int, Any]:
    state = emu.state
    return 200, {
        "id": state.application_id,
        "name": state.bot_username,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot": state.users[state.bot_user_id],
        "bot_public": False,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "owner": user_payload("1", "owner"),
        "team": None,
        "flags": 0,
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
    }


def get_gateway(emu: DiscordEmulator, request: Request) -> tuple[int, Any]:
    return 200, {"url": emu.gateway_url}


def get_gateway_bot(emu: DiscordEmulator, request: Request) -> tuple[int, Any]:
    limit = {"total": 1000, "remaining": 1000, "reset_after": 14_400_000, "max_concurrency": 1}
    return 200, {"url": emu.gateway_url, "shards": emu.shards, "session_start_limit": limit}


def create_dm(emu: DiscordEmulator, request: Request) -> tuple[int, Any]:
    body = request.body()
    if "recipient_id" not in body:
        raise form_error("recipient_id", "This field is required", "BASE_TYPE_REQUIRED")
    return 200, emu.state.open_dm(snowflake_arg(body["recipient_id"], "recipient_id"))


ROUTES: list[Route] = [
    ("GET", "/users/@me", get_me, True),
    ("GET", "/oauth2/applications/@me", get_application, True),
    ("GET", "/gateway", get_gateway, False),
    ("GET", "/gateway/bot", get_gateway_bot, True),
    ("POST", "/users/@me/channels", create_dm, True),
]
