"""The API's side of authorization for the roster and the raids.

Who may do what is decided once, in :mod:`scheduling.actors`, and checked by the services (writes)
and the selectors that need it. The API builds the :class:`~scheduling.actors.Actor` from the
login (config.actors.actor_for_request); a ``permission_denied`` refusal is a 403. Reading a guild's roster and raid lists is for its officers: :class:`OfficerReads` asks the
same rule for safe methods and leaves writes to the services.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from config import actors
from scheduling.actors import NOT_OFFICER, Actor, is_officer


def actor_for_request(request, *, guild_id: int | None = None) -> Actor:
    """The login's actor in `guild_id`: staff, or its linked Discord user at the level and with
    the roles last seen there (see docs/authorization.md)."""
    return actors.actor_for_request(request, guild_id=guild_id)


class OfficerReads(BasePermission):
    """Safe methods: an officer of the URL's guild (of any guild for the shared reference data).
    Other methods pass to the view, whose service checks the actor."""

    message = NOT_OFFICER

    def has_permission(self, request, view) -> bool:
        if request.method not in SAFE_METHODS:
            return True
        guild_id = view.kwargs.get("guild_id")
        return is_officer(actor_for_request(request, guild_id=guild_id), guild_id=guild_id)


class ActorViewMixin:
    # For API views whose services check an actor: `self.actor()` is the login's actor in the
    # URL's guild (a ``permission_denied`` refusal is a 403 for every app, config.exceptions). A
    # comment, not a docstring: the schema would show a mixin's docstring as every view's description.

    def actor(self) -> Actor:
        return actor_for_request(self.request, guild_id=self.kwargs.get("guild_id"))


class ModeratorReads(BasePermission):
    """Safe methods: a moderator or admin of the URL's guild, or staff (the dispatcher's records).
    Other methods pass to the view, whose service checks the actor."""

    message = "Only moderators can see this."

    def has_permission(self, request, view) -> bool:
        if request.method not in SAFE_METHODS:
            return True
        actor = actor_for_request(request, guild_id=view.kwargs.get("guild_id"))
        return actor.is_staff or actor.is_moderator or actor.is_admin
