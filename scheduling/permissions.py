"""Officer+ for the API: staff, or a login linked to a player of rank level >= 4 in the guild of
the URL (`guild_id`), or in any guild for the shared reference data."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from scheduling.selectors import user_is_officer


class IsGuildOfficer(BasePermission):
    message = "Only officers (rank level 4 or higher) of this guild, or staff, may do this."

    def has_permission(self, request, view) -> bool:
        return user_is_officer(user=request.user, guild_id=view.kwargs.get("guild_id"))


class IsOfficerOrReadOnly(IsGuildOfficer):
    """Anyone logged in may read; writing needs an officer."""

    def has_permission(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)
