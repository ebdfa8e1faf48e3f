"""The API's side of authorization for the roster and the raids.

Who may do what is decided once, in :mod:`scheduling.actors`, and checked by the services (writes)
and the selectors that need it. The API builds the :class:`~scheduling.actors.Actor` from the
login and answers a ``permission_denied`` refusal with 403, as DRF answers its own permission
checks. Reading a guild's roster and raid lists is for its officers: :class:`OfficerReads` asks the
same rule for safe methods and leaves writes to the services.
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from config.exceptions import ApplicationError
from scheduling.actors import NOT_OFFICER, Actor, is_officer


def actor_for_request(request) -> Actor:
    return Actor.for_login(request.user)


class OfficerReads(BasePermission):
    """Safe methods: an officer of the URL's guild (of any guild for the shared reference data).
    Other methods pass to the view, whose service checks the actor."""

    message = NOT_OFFICER

    def has_permission(self, request, view) -> bool:
        if request.method not in SAFE_METHODS:
            return True
        return is_officer(actor_for_request(request), guild_id=view.kwargs.get("guild_id"))


class ActorViewMixin:
    # For API views whose services check an actor: `self.actor()` is the login's actor, and a
    # refusal with code ``permission_denied`` is a 403 (other refusals stay 400). A comment, not a
    # docstring: the schema would show a mixin's docstring as every view's description.

    def actor(self) -> Actor:
        return actor_for_request(self.request)

    def handle_exception(self, exc):
        if isinstance(exc, ApplicationError) and exc.code == "permission_denied":
            exc = exceptions.PermissionDenied(detail=exc.message, code="permission_denied")
        return super().handle_exception(exc)
