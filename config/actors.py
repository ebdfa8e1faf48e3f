"""Who acts: the one shape every service's authorization check takes.

An :class:`Actor` says who is acting and at what level, never how they reached us. The Discord
handlers build it from the member (their Discord user id, the roles they hold, and the Guildhall
level resolved from the guild configuration), the API and the admin from the login. Services
decide what that actor may do and refuse with ``ApplicationError(code="permission_denied")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
    # A login's actor in a guild: whether the bot has seen its linked Discord user there (a
    # Discord actor is in the guild it acts in; nothing reads this for them).
    is_member: bool = False

    @property
    def sees_guild(self) -> bool:
        """May read the guild's data: staff, or a member of it."""
        return self.is_staff or self.is_member

    @classmethod
    def for_login(cls, user) -> Actor:
        """The actor of a back-office login (the API, the admin); anonymous acts as nobody."""
        if user is None or not user.is_authenticated:
            return cls()
        return cls(login_id=user.pk, is_staff=bool(user.is_staff))


# The resolver of a login's actor in a guild, registered by the Discord layer when it loads
# (`botworker.members.login_actor`, `botworker.members.member_guild_ids`): domain apps ask here.
_login_actor: Callable[..., Actor] | None = None
_member_guild_ids: Callable[[object], Iterable[int]] | None = None


def register_login_resolver(*, actor: Callable[..., Actor], guild_ids: Callable[[object], Iterable[int]]) -> None:
    global _login_actor, _member_guild_ids
    _login_actor, _member_guild_ids = actor, guild_ids


def actor_for_login(user, *, guild_id: int | None = None) -> Actor:
    """The actor of a login in `guild_id`: anonymous is nobody, staff is staff, a login linked to
    a Discord user acts as that user with the level last seen in that guild (see
    docs/authorization.md). Without a registered resolver a login is only itself."""
    if _login_actor is None:
        return Actor.for_login(user)
    return _login_actor(user, guild_id=guild_id)


def actor_for_request(request, *, guild_id: int | None = None) -> Actor:
    """The actor of an API request's login in `guild_id` (resolved once per request and guild)."""
    cache = request.__dict__.setdefault("_guildhall_actors", {})
    key = None if guild_id is None else int(guild_id)
    if key not in cache:
        cache[key] = actor_for_login(getattr(request, "user", None), guild_id=key)
    return cache[key]


def member_guild_ids(user) -> Iterable[int]:
    """The guilds a login is a member of (its linked Discord user was seen there): a lazy
    queryset of ids, to filter a list within its one query."""
    if _member_guild_ids is None or user is None or not user.is_authenticated:
        return []
    return _member_guild_ids(user)


# Writes made by the system itself (data migrations, demo data, the shell).
SYSTEM = Actor(is_staff=True)
