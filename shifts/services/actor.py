"""Who acts, and the permission checks every service makes through it.

The Discord handlers build an :class:`Actor` from the member's permission level, the API and the
admin from the staff user; the services decide what that actor may do.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.exceptions import ApplicationError
from shifts.services.messages import NOT_ADMIN_FOR_OTHERS, NOT_MODERATOR


@dataclass(frozen=True)
class Actor:
    """Who acts: a Discord user id and what they may do in the guild."""

    user_id: int
    is_moderator: bool = False
    is_admin: bool = False


def require_moderator(actor: Actor) -> None:
    if not (actor.is_moderator or actor.is_admin):
        raise ApplicationError(NOT_MODERATOR, code="permission_denied")


def require_self_or_admin(actor: Actor, user_id: int) -> None:
    if user_id != actor.user_id and not actor.is_admin:
        raise ApplicationError(NOT_ADMIN_FOR_OTHERS, field="user", code="permission_denied")
