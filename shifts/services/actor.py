"""Who acts, and the permission checks every service makes through it.

The Discord handlers build an :class:`Actor` from the member's permission level, the API and the
admin from the staff user; the services decide what that actor may do.
"""

from __future__ import annotations

from config.actors import Actor
from config.exceptions import ApplicationError
from shifts.services.messages import NOT_ADMIN_FOR_OTHERS, NOT_MODERATOR


def require_moderator(actor: Actor) -> None:
    if not (actor.is_moderator or actor.is_admin):
        raise ApplicationError(NOT_MODERATOR, code="permission_denied")


def require_self_or_admin(actor: Actor, user_id: int) -> None:
    if user_id != actor.user_id and not actor.is_admin:
        raise ApplicationError(NOT_ADMIN_FOR_OTHERS, field="user", code="permission_denied")
