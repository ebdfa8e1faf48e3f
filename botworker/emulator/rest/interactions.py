"""REST routes for interactions and their webhooks: the interaction callback (types 1, 4-9, 12,
with ``?with_response``) and, with the interaction token, follow-ups and the ``@original`` or a
follow-up message fetched, edited and deleted.

Interactions need no set-up: the first callback for an unknown interaction id registers it (in a
synthetic channel). One registered with ``DiscordEmulator.add_interaction`` (or sent over the
gateway) has a real channel: non-ephemeral responses and follow-ups then also appear in that
channel's history, as on Discord; callback types 6 and 7 act on the message its component was on.
"""

from __future__ import annotations

import copy
import secrets
from typing import TYPE_CHECKING, Any

from botworker.emulator.errors import APIError, form_error, unknown
from botworker.emulator.message_model import (
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    apply_edit,
    check_not_empty,
    delete_message,
    new_message,
    store_message,
)
from botworker.emulator.rest.plumbing import APPLICATION_ID, INTERACTION_ID, Request, Route, Upload, truthy

if TYPE_CHECKING:
    from botworker.emulator.emulator import DiscordEmulator
    from botworker.emulator.state import Interaction, State


def _interaction_message(
    state: State, interaction: Interaction, data: dict[str, Any], uploads: list[Upload], *, allow_empty: bool = False
) -> dict[str, Any]:
    """Create an interaction response or follow-up (also put in the channel when real and public)."""
    message_type = 20 if interaction.type == 2 else 0
    message = new_message(
        state,
        interaction.channel_id,
        state.users[state.bot_user_id],
        data,
        uploads,
        message_type=message_type,
        webhook=True,
    )
    if not allow_empty:
        check_not_empty(message)
    message.pop("nonce", None)
    interaction.messages[message["id"]] = message
    if interaction.channel_id in state.channels and not message["flags"] & FLAG_EPHEMERAL:
        store_message(state, message)
    return message


def callback(emu: DiscordEmulator, request: Request, interaction_id: str, token: str) -> tuple[int, Any]:
    state = emu.state
    body = request.body()
    callback_type = body.get("type")
    interaction = state.interactions.get(interaction_id)
    if interaction is None:
        inferred = 3 if callback_type in (6, 7) else 4 if callback_type == 8 else 2
        interaction = state.add_interaction(
            interaction_id, token, type=inferred, channel_id=None, guild_id=None, message_id=None
        )
    elif interaction.token != token:
        raise APIError(404, 10062, "Unknown interaction")
    interaction.responses.append(copy.deepcopy(body))
    if interaction.acknowledged:
        raise APIError(400, 40060, "Interaction has already been acknowledged.")
    data = body.get("data") or {}
    if not isinstance(data, dict):
        raise form_error("data", "Must be an object.", "DICT_TYPE_CONVERT")
    message: dict[str, Any] | None = None
    resource: dict[str, Any] = {"type": callback_type}
    if callback_type in (4, 5):
        if callback_type == 5:
            data = {"content": "", "flags": (int(data.get("flags") or 0) & FLAG_EPHEMERAL) | FLAG_LOADING}
        message = _interaction_message(state, interaction, data, request.files, allow_empty=callback_type == 5)
        interaction.original_id = message["id"]
    elif callback_type in (6, 7):
        ref = interaction.message_ref
        target = state.find_message(*ref) if ref else None
        if target is not None:
            if callback_type == 7:
                apply_edit(state, target, data, request.files)
            interaction.messages[target["id"]] = target
            interaction.original_id = target["id"]
            message = target
    elif callback_type == 9:
        for field in ("custom_id", "title", "components"):
            if not data.get(field):
                raise form_error(f"data.{field}", "This field is required", "BASE_TYPE_REQUIRED")
    elif callback_type == 12:
        resource["activity_instance"] = {"id": secrets.token_hex(8)}
    elif callback_type not in (1, 8):
        raise form_error("type", "Value must be one of {1, 4, 5, 6, 7, 8, 9, 12}.", "BASE_TYPE_CHOICES")
    interaction.acknowledged = True
    if not truthy(request.query.get("with_response")):
        return 204, None
    summary: dict[str, Any] = {
        "id": interaction.id,
        "type": interaction.type,
        "response_message_loading": callback_type == 5,
        "response_message_ephemeral": bool(message and message["flags"] & FLAG_EPHEMERAL),
    }
    if message is not None:
        summary["response_message_id"] = message["id"]
        resource["message"] = message
    if callback_type == 12:
        summary["activity_instance_id"] = resource["activity_instance"]["id"]
    return 200, {"interaction": summary, "resource": resource}


def _webhook_interaction(state: State, application_id: str, token: str) -> Interaction:
    interaction = state.tokens.get(token)
    if application_id != state.application_id or interaction is None or not interaction.acknowledged:
        raise unknown("Webhook", 10015)
    return interaction


def _webhook_message(state: State, application_id: str, token: str, message_id: str) -> dict[str, Any]:
    interaction = _webhook_interaction(state, application_id, token)
    if message_id == "@original":
        message_id = interaction.original_id or ""
    message = interaction.messages.get(message_id)
    if message is None:
        raise unknown("Message", 10008)
    return message


def execute_webhook(emu: DiscordEmulator, request: Request, application_id: str, token: str) -> tuple[int, Any]:
    interaction = _webhook_interaction(emu.state, application_id, token)
    message = _interaction_message(emu.state, interaction, request.body(), request.files)
    interaction.followup_ids.append(message["id"])
    return (200, message) if truthy(request.query.get("wait")) else (204, None)


def get_webhook_message(
    emu: DiscordEmulator, request: Request, application_id: str, token: str, message_id: str
) -> tuple[int, Any]:
    return 200, _webhook_message(emu.state, application_id, token, message_id)


def edit_webhook_message(
    emu: DiscordEmulator, request: Request, application_id: str, token: str, message_id: str
) -> tuple[int, Any]:
    message = _webhook_message(emu.state, application_id, token, message_id)
    apply_edit(emu.state, message, request.body(), request.files)
    return 200, message


def delete_webhook_message(
    emu: DiscordEmulator, request: Request, application_id: str, token: str, message_id: str
) -> tuple[int, Any]:
    message = _webhook_message(emu.state, application_id, token, message_id)
    delete_message(emu.state, message["channel_id"], message["id"])
    return 204, None


_WEBHOOK = rf"/webhooks/{APPLICATION_ID}/(?P<token>[^/]+)"
_WEBHOOK_MESSAGE = f"{_WEBHOOK}/messages/(?P<message_id>@original|\\d+)"

ROUTES: list[Route] = [
    ("POST", rf"/interactions/{INTERACTION_ID}/(?P<token>[^/]+)/callback", callback, False),
    ("POST", _WEBHOOK, execute_webhook, False),
    ("GET", _WEBHOOK_MESSAGE, get_webhook_message, False),
    ("PATCH", _WEBHOOK_MESSAGE, edit_webhook_message, False),
    ("DELETE", _WEBHOOK_MESSAGE, delete_webhook_message, False),
]
