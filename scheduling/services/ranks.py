"""Guild ranks (with their scheduling weights) and raid roles."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from config.exceptions import ApplicationError
from scheduling.actors import Actor, require_officer
from scheduling.models import GuildRank, Role
from scheduling.reference_data import DEFAULT_RANKS

BAD_WEIGHT = "The scheduling weight must be a whole number from 0 to 100."
BAD_LEVEL = "The level must be a whole number from 1 to 10."
STAFF_ONLY_REFERENCE = "Raid roles are shared by every guild: only staff can change them."
RANK_TAKEN = "Another rank of this guild already has that name, level or Discord role."
EMPTY_NAME = "The name must not be empty."


@transaction.atomic
def ranks_ensure_defaults(*, guild_id: int) -> list[GuildRank]:
    """Give a guild the seed's five ranks (Initiate 0, Member 1, Veteran 3, Officer 5, Guild
    Leader 5) unless it has ranks already; return its ranks by level. Safe to call concurrently:
    the inserts skip levels that exist (the unique constraint decides)."""
    if not GuildRank.objects.filter(guild_id=guild_id).exists():
        GuildRank.objects.bulk_create(
            [
                GuildRank(guild_id=guild_id, level=level, name=name, description=description, scheduling_weight=weight)
                for level, name, description, weight in DEFAULT_RANKS
            ],
            ignore_conflicts=True,
        )
    return list(GuildRank.objects.filter(guild_id=guild_id).order_by("level"))


def _check_rank_values(*, name: str | None, level: object, scheduling_weight: object) -> None:
    if name is not None and not name.strip():
        raise ApplicationError(EMPTY_NAME, field="name")
    if level is not None and (isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 10):
        raise ApplicationError(BAD_LEVEL, field="level")
    if scheduling_weight is not None and (
        isinstance(scheduling_weight, bool)
        or not isinstance(scheduling_weight, int)
        or not 0 <= scheduling_weight <= 100
    ):
        raise ApplicationError(BAD_WEIGHT, field="scheduling_weight")


@transaction.atomic
def rank_create(
    *,
    actor: Actor,
    guild_id: int,
    name: str,
    level: int,
    description: str = "",
    scheduling_weight: int = 0,
    discord_role_id: int | None = None,
) -> GuildRank:
    """Add a rank to a guild (officers; names, levels and mapped Discord roles are unique per guild)."""
    require_officer(actor, guild_id=guild_id)
    _check_rank_values(name=name, level=level, scheduling_weight=scheduling_weight)
    try:
        with transaction.atomic():
            return GuildRank.objects.create(
                guild_id=guild_id,
                name=name.strip(),
                level=level,
                description=description,
                scheduling_weight=scheduling_weight,
                discord_role_id=discord_role_id,
            )
    except IntegrityError:
        raise ApplicationError(RANK_TAKEN, field="name") from None


@transaction.atomic
def rank_update(
    *,
    actor: Actor,
    rank: GuildRank,
    name: str | None = None,
    level: int | None = None,
    description: str | None = None,
    scheduling_weight: int | None = None,
    discord_role_id: int | None | bool = False,
) -> GuildRank:
    """Change a rank's fields (officers of its guild; `discord_role_id=None` clears the role,
    False leaves it)."""
    require_officer(actor, guild_id=rank.guild_id)
    _check_rank_values(name=name, level=level, scheduling_weight=scheduling_weight)
    rank = GuildRank.objects.select_for_update().get(pk=rank.pk)
    if name is not None:
        rank.name = name.strip()
    if level is not None:
        rank.level = level
    if description is not None:
        rank.description = description
    if scheduling_weight is not None:
        rank.scheduling_weight = scheduling_weight
    if discord_role_id is not False:
        rank.discord_role_id = discord_role_id
    try:
        with transaction.atomic():
            rank.save()
    except IntegrityError:
        raise ApplicationError(RANK_TAKEN, field="name") from None
    return rank


@transaction.atomic
def role_update(*, actor: Actor, role: Role, display_name: str) -> Role:
    """Rename a raid role for display (its `name` key stays). Roles are shared by every guild:
    only staff rename them."""
    if not actor.is_staff:
        raise ApplicationError(STAFF_ONLY_REFERENCE, code="permission_denied")
    if not display_name or not display_name.strip():
        raise ApplicationError(EMPTY_NAME, field="display_name")
    role.display_name = display_name.strip()[:50]
    role.save(update_fields=["display_name"])
    return role
