"""The API's permission classes: one authorization model for every app (docs/authorization.md).

Who a login is in a guild is resolved by :func:`config.actors.actor_for_request`; these classes
only ask it. Services decide writes with the same actor.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from config.actors import actor_for_request

NOT_A_MEMBER = (
    "Your login is not a member of this guild: link it to your Discord account (/api_token) "
    "and use a Guildhall command there once."
)


class GuildMembers(BasePermission):
    """A view whose URL names a guild (`guild_id`): staff, or a login the bot has seen in that
    guild. Views without a guild in the URL pass."""

    message = NOT_A_MEMBER

    def has_permission(self, request, view) -> bool:
        guild_id = view.kwargs.get("guild_id")
        if guild_id is None:
            return True
        return actor_for_request(request, guild_id=guild_id).sees_guild
