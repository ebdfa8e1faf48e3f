"""REST routes for application commands: reading and bulk-overwriting the global and per-guild
commands (validated as Discord does: names, descriptions, duplicates, the 100 slash command cap;
ids are kept across overwrites). Any guild id is accepted; the application id in the path must
be the emulator's, otherwise 403 code 20012."""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from botworker.emulator.errors import APIError, form_error
from botworker.emulator.rest.plumbing import APPLICATION_ID, GUILD_ID, Request, Route

if TYPE_CHECKING:
    from botworker.emulator.emulator import DiscordEmulator

_COMMAND_NAME = re.compile(r"[-_'\w]{1,32}")
MAX_SLASH_COMMANDS = 100


def get_commands(
    emu: DiscordEmulator, request: Request, application_id: str, guild_id: str | None = None
) -> tuple[int, Any]:
    emu.state.check_application(application_id)
    return 200, emu.state.commands.get(guild_id, [])


def put_commands(
    emu: DiscordEmulator, request: Request, application_id: str, guild_id: str | None = None
) -> tuple[int, Any]:
    state = emu.state
    state.check_application(application_id)
    if not isinstance(request.json, list):
        raise form_error("_root", "Must be an array.", "BASE_TYPE_ARRAY")
    previous = {(c["type"], c["name"]): c for c in state.commands.get(guild_id, [])}
    seen: set[tuple[int, str]] = set()
    result = []
    for index, raw in enumerate(request.json):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise form_error(f"{index}.name", "This field is required", "BASE_TYPE_REQUIRED")
        command_type = int(raw.get("type") or 1)
        name = raw["name"]
        description = raw.get("description") or ""
        if command_type == 1:
            if not _COMMAND_NAME.fullmatch(name) or name != name.lower():
                raise form_error(f"{index}.name", "Command name is invalid", "APPLICATION_COMMAND_INVALID_NAME")
            if not 1 <= len(description) <= 100:
                raise form_error(f"{index}.description", "Must be between 1 and 100 in length.", "BASE_TYPE_BAD_LENGTH")
        if (command_type, name) in seen:
            raise form_error(
                f"{index}.name", "Application command names must be unique", "APPLICATION_COMMANDS_DUPLICATE_NAME"
            )
        seen.add((command_type, name))
        old = previous.get((command_type, name))
        command = {
            "id": old["id"] if old else state.new_id(),
            "application_id": state.application_id,
            "version": state.new_id(),
            "default_member_permissions": raw.get("default_member_permissions"),
            "type": command_type,
            "name": name,
            "name_localizations": raw.get("name_localizations"),
            "description": description,
            "description_localizations": raw.get("description_localizations"),
            "contexts": raw.get("contexts"),
            "integration_types": raw.get("integration_types") or [0],
            "nsfw": bool(raw.get("nsfw", False)),
        }
        if guild_id is None:
            command["dm_permission"] = raw.get("dm_permission", True)
        else:
            command["guild_id"] = guild_id
        if raw.get("options"):
            command["options"] = copy.deepcopy(raw["options"])
        result.append(command)
    if sum(1 for c in result if c["type"] == 1) > MAX_SLASH_COMMANDS:
        raise APIError(400, 30032, f"Maximum number of application commands reached ({MAX_SLASH_COMMANDS})")
    state.commands[guild_id] = result
    return 200, result


_GLOBAL = f"/applications/{APPLICATION_ID}/commands"
_GUILD = f"/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands"

ROUTES: list[Route] = [
    ("GET", _GLOBAL, get_commands, True),
    ("PUT", _GLOBAL, put_commands, True),
    ("GET", _GUILD, get_commands, True),
    ("PUT", _GUILD, put_commands, True),
]
