"""Who may do what: the one place a member's permission level is resolved."""

from __future__ import annotations

from collections.abc import Iterable

from botworker.models import GuildConfig, GuildRole, PermissionLevel

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5


def resolve_level(*, config: GuildConfig | None, role_ids: Iterable[int], permissions: int) -> PermissionLevel:
    """Admin: holds a configured admin role, or Discord's Administrator or Manage Server bit.
    Moderator: admin, or holds a configured moderator role. Everyone else: member.

    `config` must come with its roles prefetched when given (one query per interaction at most)."""
    if permissions & (ADMINISTRATOR | MANAGE_GUILD):
        return PermissionLevel.ADMIN
    if config is None:
        return PermissionLevel.MEMBER
    held = set(role_ids)
    kinds = {role.kind for role in config.roles.all() if role.role_id in held}
    if GuildRole.Kind.ADMIN in kinds:
        return PermissionLevel.ADMIN
    if GuildRole.Kind.MODERATOR in kinds:
        return PermissionLevel.MODERATOR
    return PermissionLevel.MEMBER
