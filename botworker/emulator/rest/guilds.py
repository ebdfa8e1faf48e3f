"""REST routes for guilds, roles and members: a guild's roles, fetching a member, and adding or
removing a member's role (404 10004 for an unknown guild, 10011 for an unknown role, 10007 for a
user that is not a member unless the emulator auto-creates members; adding a role the member
already has is a no-op)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botworker.emulator.errors import unknown
from botworker.emulator.rest.plumbing import GUILD_ID, ROLE_ID, USER_ID, Request, Route

if TYPE_CHECKING:
    from botworker.emulator.emulator import DiscordEmulator
    from botworker.emulator.state import State


def guild_roles(emu: DiscordEmulator, request: Request, guild_id: str) -> tuple[int, Any]:
    emu.state.require_guild(guild_id)
    return 200, list(emu.state.roles[guild_id].values())


def get_member(emu: DiscordEmulator, request: Request, guild_id: str, user_id: str) -> tuple[int, Any]:
    return 200, emu.state.member_payload(emu.state.require_member(guild_id, user_id))


def _member_role_target(state: State, guild_id: str, user_id: str, role_id: str) -> dict[str, Any]:
    state.require_guild(guild_id)
    if role_id not in state.roles[guild_id] or role_id == guild_id:
        raise unknown("Role", 10011)
    return state.require_member(guild_id, user_id, create=True)


def add_member_role(
    emu: DiscordEmulator, request: Request, guild_id: str, user_id: str, role_id: str
) -> tuple[int, Any]:
    record = _member_role_target(emu.state, guild_id, user_id, role_id)
    if role_id not in record["roles"]:
        record["roles"].append(role_id)
    return 204, None


def remove_member_role(
    emu: DiscordEmulator, request: Request, guild_id: str, user_id: str, role_id: str
) -> tuple[int, Any]:
    record = _member_role_target(emu.state, guild_id, user_id, role_id)
    if role_id in record["roles"]:
        record["roles"].remove(role_id)
    return 204, None


_MEMBER_ROLE = f"/guilds/{GUILD_ID}/members/{USER_ID}/roles/{ROLE_ID}"

ROUTES: list[Route] = [
    ("GET", f"/guilds/{GUILD_ID}/roles", guild_roles, True),
    ("GET", f"/guilds/{GUILD_ID}/members/{USER_ID}", get_member, True),
    ("PUT", _MEMBER_ROLE, add_member_role, True),
    ("DELETE", _MEMBER_ROLE, remove_member_role, True),
]
