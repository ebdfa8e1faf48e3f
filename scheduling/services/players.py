"""Players: the Discord counterpart of a login (`player_ensure`), the back office's roster edits
and a player's own settings."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from config import timeutils
from config.exceptions import ApplicationError
from scheduling.actors import Actor, require_officer
from scheduling.models import GuildRank, Player
from scheduling.services.ranks import ranks_ensure_defaults
from scheduling.services.zones import member_zone_ensure, member_zone_set

RANK_OF_OTHER_GUILD = "That rank belongs to another guild."
PLAYER_EXISTS = "This Discord user is already a player of this guild, or the login is linked to another player."
USER_TAKEN = "That login is already linked to another player of this guild."


def _rank_for_roles(ranks: list[GuildRank], role_ids: Iterable[int]) -> GuildRank | None:
    held = set(role_ids)
    matching = [rank for rank in ranks if rank.discord_role_id and rank.discord_role_id in held]
    return max(matching, key=lambda rank: rank.level) if matching else None


@transaction.atomic
def player_ensure(
    *,
    guild_id: int,
    discord_user_id: int,
    display_name: str = "",
    role_ids: Iterable[int] | None = None,
    timezone: str | zoneinfo.ZoneInfo | None = None,
) -> Player:
    """The guild's player for a Discord user, created on first use.

    The first player of a guild gives the guild its default ranks (`ranks_ensure_defaults`). A
    new player gets the highest rank whose `discord_role_id` they hold, else the lowest rank.
    `role_ids` are the member's Discord roles as seen on this interaction (None: not known, e.g.
    a click in a DM or an officer recording someone else; then the rank is left alone). When
    known, the rank follows them, up and down: holding a mapped role moves the player to the
    highest such rank; holding none while their rank is a mapped one (the role was taken away)
    moves them to the lowest rank. A rank an officer gave that is not mapped to a role stays.
    A player's zone is the member's zone (`MemberZone`, shared by every guild and feature): a
    member who has none yet takes `timezone` (the guild's zone, which the caller reads from the
    guild configuration), else reads as UTC; a stored zone is the member's own and is kept."""
    zone = timeutils.zone_or_error(timezone) if timezone is not None else None
    ranks = ranks_ensure_defaults(guild_id=guild_id)
    mapped = _rank_for_roles(ranks, role_ids or ())
    player = Player.objects.filter(guild_id=guild_id, discord_user_id=discord_user_id).first()
    if player is None:
        Player.objects.bulk_create(
            [
                Player(
                    guild_id=guild_id,
                    discord_user_id=discord_user_id,
                    display_name=display_name[:100],
                    rank=mapped or ranks[0],
                )
            ],
            ignore_conflicts=True,
        )
        member_zone_ensure(user_id=discord_user_id, zone=zone)
        return Player.objects.select_related("rank").get(guild_id=guild_id, discord_user_id=discord_user_id)
    changed = []
    if role_ids is not None:
        current = next((rank for rank in ranks if rank.pk == player.rank_id), None)
        lost_role = mapped is None and current is not None and current.discord_role_id is not None
        target = mapped or (ranks[0] if lost_role else None)
        if target is not None and player.rank_id != target.pk:
            player.rank = target
            changed.append("rank")
    if display_name and player.display_name != display_name[:100]:
        player.display_name = display_name[:100]
        changed.append("display_name")
    if changed:
        player.save(update_fields=[*changed, "updated_at"])
    return player


@transaction.atomic
def player_create(
    *,
    actor: Actor,
    guild_id: int,
    discord_user_id: int,
    display_name: str = "",
    rank: GuildRank | None = None,
    user=None,
    timezone: str | zoneinfo.ZoneInfo | None = None,
    auto_invite_events: bool = False,
    raid_team: bool = False,
) -> Player:
    """Add a player to a guild (officers; gives the guild its default ranks first if it has none).
    A `timezone` given sets the member's zone (for every feature); None keeps the member's own."""
    require_officer(actor, guild_id=guild_id)
    ranks = ranks_ensure_defaults(guild_id=guild_id)
    if rank is not None and rank.guild_id != guild_id:
        raise ApplicationError(RANK_OF_OTHER_GUILD, field="rank")
    zone = timeutils.zone_or_error(timezone) if timezone is not None else None
    try:
        with transaction.atomic():
            player = Player.objects.create(
                guild_id=guild_id,
                discord_user_id=discord_user_id,
                display_name=display_name,
                rank=rank or ranks[0],
                user=user,
                auto_invite_events=auto_invite_events,
                raid_team=raid_team,
            )
    except IntegrityError:
        raise ApplicationError(PLAYER_EXISTS, field="discord_user_id") from None
    if zone is not None:
        player.__dict__["member_timezone"] = member_zone_set(user_id=discord_user_id, zone=zone)
    return player


@transaction.atomic
def player_update(
    *,
    actor: Actor,
    player: Player,
    display_name: str | None = None,
    rank: GuildRank | None = None,
    timezone: str | zoneinfo.ZoneInfo | None = None,
    auto_invite_events: bool | None = None,
    raid_team: bool | None = None,
    user=False,
) -> Player:
    """Change a player's profile (officers of the player's guild); `user=None` unlinks the
    login, False leaves it. A `timezone` sets the member's zone, for every feature."""
    require_officer(actor, guild_id=player.guild_id)
    return _player_change(
        player=player,
        display_name=display_name,
        rank=rank,
        timezone=timezone,
        auto_invite_events=auto_invite_events,
        raid_team=raid_team,
        user=user,
    )


def _player_change(
    *,
    player: Player,
    display_name: str | None = None,
    rank: GuildRank | None = None,
    timezone: str | zoneinfo.ZoneInfo | None = None,
    auto_invite_events: bool | None = None,
    raid_team: bool | None = None,
    user=False,
) -> Player:
    player = Player.objects.select_for_update().get(pk=player.pk)
    if rank is not None:
        if rank.guild_id != player.guild_id:
            raise ApplicationError(RANK_OF_OTHER_GUILD, field="rank")
        player.rank = rank
    if timezone is not None:
        player.__dict__["member_timezone"] = member_zone_set(user_id=player.discord_user_id, zone=timezone)
    if display_name is not None:
        player.display_name = display_name[:100]
    if auto_invite_events is not None:
        player.auto_invite_events = bool(auto_invite_events)
    if raid_team is not None:
        player.raid_team = bool(raid_team)
    if user is not False:
        player.user = user
    try:
        with transaction.atomic():
            player.save()
    except IntegrityError:
        raise ApplicationError(USER_TAKEN, field="user") from None
    return player


@transaction.atomic
def player_set_timezone(*, player: Player, timezone: str | zoneinfo.ZoneInfo) -> Player:
    """Set the member's zone (`member_zone_set`): their availability windows are read in it, and
    time tracking and the shift defaults use the same zone."""
    player.__dict__["member_timezone"] = member_zone_set(user_id=player.discord_user_id, zone=timezone)
    return player


@transaction.atomic
def player_set_auto_invite(*, player: Player, enabled: bool) -> Player:
    """Opt in to (or out of) a DM invitation for every new raid event."""
    return _player_change(player=player, auto_invite_events=enabled)
