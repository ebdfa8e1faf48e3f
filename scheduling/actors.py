"""Who acts on the roster, the raids and the attendance, and the one rule for "officer".

Discord handlers build an :class:`Actor` from the invocation (the member, their Discord roles and
their Guildhall level in the guild), the API from the login (staff, or the player linked to it),
the admin from the staff login. Services and selectors that need an officer call
:func:`require_officer`; a refusal is an ``ApplicationError`` with code ``permission_denied``
(the API answers it with 403, Discord with an ephemeral reply).
"""

from __future__ import annotations

from django.db.models import Q

from config.actors import SYSTEM, Actor  # noqa: F401 - re-exported: the roster's callers import them from here
from config.exceptions import ApplicationError
from scheduling.models import GuildRank, Player
from scheduling.reference_data import OFFICER_LEVEL

NOT_OFFICER = "Only officers (rank Officer or higher, or Guildhall moderators) can use this."


def is_officer(actor: Actor, *, guild_id: int | None) -> bool:
    """Officer of the guild `guild_id` (of any guild when None: the shared reference data):
    staff, a Guildhall moderator or admin, a player of rank level 4 or higher (found by Discord
    user or by linked login; for a Discord actor a rank mapped to a role counts only while they
    hold the role), or a member holding a Discord role mapped to such a rank."""
    if actor.is_staff or actor.is_admin or actor.is_moderator:
        return True
    who = Q(pk__in=[])
    if actor.user_id:
        who |= Q(discord_user_id=actor.user_id)
    if actor.login_id:
        who |= Q(user_id=actor.login_id)
    players = Player.objects.filter(who, rank__level__gte=OFFICER_LEVEL)
    if actor.user_id and actor.login_id is None:
        # A Discord member's roles are seen on this interaction: a rank mapped to a role counts
        # only while they hold it (a demoted officer is refused before the roster is synced).
        players = players.filter(Q(rank__discord_role_id__isnull=True) | Q(rank__discord_role_id__in=actor.role_ids))
    ranks = GuildRank.objects.filter(level__gte=OFFICER_LEVEL, discord_role_id__in=list(actor.role_ids))
    if guild_id is not None:
        players, ranks = players.filter(guild_id=guild_id), ranks.filter(guild_id=guild_id)
    return players.exists() or (bool(actor.role_ids) and ranks.exists())


def require_officer(actor: Actor, *, guild_id: int | None, message: str = NOT_OFFICER, field: str | None = None):
    """Refuse (code ``permission_denied``) unless `actor` is an officer of `guild_id`."""
    if not is_officer(actor, guild_id=guild_id):
        raise ApplicationError(message, field=field, code="permission_denied")
