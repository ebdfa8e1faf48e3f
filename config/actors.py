"""Who acts: the one shape every service's authorization check takes.

An :class:`Actor` says who is acting and at what level, never how they reached us. The Discord
handlers build it from the member (their Discord user id, the roles they hold, and the Guildhall
level resolved from the guild configuration), the API and the admin from the login. Services
decide what that actor may do and refuse with ``ApplicationError(code="permission_denied")``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """`user_id` is the acting Discord user (None for a login not linked to one), `role_ids` the
    Discord roles they hold in the guild they act in, `is_moderator`/`is_admin` their Guildhall
    level there, `login_id`/`is_staff` the back-office login acting, if any."""

    user_id: int | None = None
    role_ids: frozenset[int] = frozenset()
    is_moderator: bool = False
    is_admin: bool = False
    login_id: int | None = None
    is_staff: bool = False

    @classmethod
    def for_login(cls, user) -> Actor:
        """The actor of a back-office login (the API, the admin); anonymous acts as nobody."""
        if user is None or not user.is_authenticated:
            return cls()
        return cls(login_id=user.pk, is_staff=bool(user.is_staff))


# Writes made by the system itself (data migrations, demo data, the shell).
SYSTEM = Actor(is_staff=True)
