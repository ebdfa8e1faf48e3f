"""Every write to the roster: ranks, roles, players and their availability.

Messages are module constants so tests and handlers share them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from config import timeutils
from config.exceptions import ApplicationError
from scheduling.models import GuildRank, Player, PlayerAvailability, Role, Specialization, WowCharacter, WowClass
from scheduling.reference_data import DEFAULT_RANKS

BAD_HOURS = "The hours must be more than 0 and at most 16, with at most one decimal (for example 2.5)."
DUPLICATE_DAY = "Day {day} is given twice; give each day at most once."
BAD_WEIGHT = "The scheduling weight must be a whole number from 0 to 100."
BAD_LEVEL = "The level must be a whole number from 1 to 10."
RANK_TAKEN = "Another rank of this guild already has that name, level or Discord role."
EMPTY_NAME = "The name must not be empty."
RANK_OF_OTHER_GUILD = "That rank belongs to another guild."
PLAYER_EXISTS = "This Discord user is already a player of this guild, or the login is linked to another player."
SPEC_OF_OTHER_CLASS = "That specialization belongs to another class."
CHARACTER_EXISTS = "This player already has a character with that name on that realm."
EMPTY_CHARACTER = "A character needs a name and a realm."
USER_TAKEN = "That login is already linked to another player of this guild."


# --- parsing (shared by every entry point, so the API and Discord refuse the same inputs) -----


def parse_day(value: object) -> int:
    """A weekday (0 = Monday) from a number or a day name; the time layer's rule and message."""
    if isinstance(value, bool):
        value = str(value)
    return timeutils.parse_day(value, field="day_of_week")


def parse_time_of_day(value: object) -> dt.time:
    """A wall time from a `datetime.time` or an "HH:MM" string (00:00 to 23:59)."""
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    return timeutils.parse_clock(value, field="earliest_start")


def parse_hours(value: object) -> Decimal:
    if isinstance(value, bool):
        raise ApplicationError(BAD_HOURS, field="available_hours")
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(BAD_HOURS, field="available_hours") from None
    if not hours.is_finite() or hours <= 0 or hours > 16 or hours != hours.quantize(Decimal("0.1")):
        raise ApplicationError(BAD_HOURS, field="available_hours")
    return hours.quantize(Decimal("0.1"))


# --- ranks and roles ---------------------------------------------------------------------------


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
    guild_id: int,
    name: str,
    level: int,
    description: str = "",
    scheduling_weight: int = 0,
    discord_role_id: int | None = None,
) -> GuildRank:
    """Add a rank to a guild (names, levels and mapped Discord roles are unique per guild)."""
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
    rank: GuildRank,
    name: str | None = None,
    level: int | None = None,
    description: str | None = None,
    scheduling_weight: int | None = None,
    discord_role_id: int | None | bool = False,
) -> GuildRank:
    """Change a rank's fields (`discord_role_id=None` clears the role; False leaves it)."""
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
def role_update(*, role: Role, display_name: str) -> Role:
    """Rename a raid role for display (its `name` key stays)."""
    if not display_name or not display_name.strip():
        raise ApplicationError(EMPTY_NAME, field="display_name")
    role.display_name = display_name.strip()[:50]
    role.save(update_fields=["display_name"])
    return role


# --- players -----------------------------------------------------------------------------------


def _rank_for_roles(ranks: list[GuildRank], role_ids: Iterable[int]) -> GuildRank | None:
    held = set(role_ids)
    matching = [rank for rank in ranks if rank.discord_role_id and rank.discord_role_id in held]
    return max(matching, key=lambda rank: rank.level) if matching else None


@transaction.atomic
def player_ensure(
    *, guild_id: int, discord_user_id: int, display_name: str = "", role_ids: Iterable[int] = ()
) -> Player:
    """The guild's player for a Discord user, created on first use.

    The first player of a guild gives the guild its default ranks (`ranks_ensure_defaults`). A
    new player gets the highest rank whose `discord_role_id` they hold, else the lowest rank; an
    existing player whose Discord roles map to a rank is moved to it (roles are the source of
    truth once an officer has mapped them), otherwise their rank is left alone."""
    ranks = ranks_ensure_defaults(guild_id=guild_id)
    mapped = _rank_for_roles(ranks, role_ids)
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
        return Player.objects.select_related("rank").get(guild_id=guild_id, discord_user_id=discord_user_id)
    changed = []
    if mapped is not None and player.rank_id != mapped.pk:
        player.rank = mapped
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
    guild_id: int,
    discord_user_id: int,
    display_name: str = "",
    rank: GuildRank | None = None,
    user=None,
    timezone: str | zoneinfo.ZoneInfo = Player.DEFAULT_TIMEZONE,
    auto_invite_events: bool = False,
) -> Player:
    """Add a player to a guild (giving the guild its default ranks first if it has none)."""
    ranks = ranks_ensure_defaults(guild_id=guild_id)
    if rank is not None and rank.guild_id != guild_id:
        raise ApplicationError(RANK_OF_OTHER_GUILD, field="rank")
    zone = timeutils.zone_or_error(timezone)
    try:
        with transaction.atomic():
            return Player.objects.create(
                guild_id=guild_id,
                discord_user_id=discord_user_id,
                display_name=display_name,
                rank=rank or ranks[0],
                user=user,
                timezone=zone,
                auto_invite_events=auto_invite_events,
            )
    except IntegrityError:
        raise ApplicationError(PLAYER_EXISTS, field="discord_user_id") from None


@transaction.atomic
def player_update(
    *,
    player: Player,
    display_name: str | None = None,
    rank: GuildRank | None = None,
    timezone: str | zoneinfo.ZoneInfo | None = None,
    auto_invite_events: bool | None = None,
    user=False,
) -> Player:
    """Change a player's profile; `user=None` unlinks the login, False leaves it."""
    player = Player.objects.select_for_update().get(pk=player.pk)
    if rank is not None:
        if rank.guild_id != player.guild_id:
            raise ApplicationError(RANK_OF_OTHER_GUILD, field="rank")
        player.rank = rank
    if timezone is not None:
        player.timezone = timeutils.zone_or_error(timezone)
    if display_name is not None:
        player.display_name = display_name[:100]
    if auto_invite_events is not None:
        player.auto_invite_events = bool(auto_invite_events)
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
    """Set the zone the player's availability windows are read in."""
    return player_update(player=player, timezone=timezone)


@transaction.atomic
def player_set_auto_invite(*, player: Player, enabled: bool) -> Player:
    """Opt in to (or out of) a DM invitation for every new raid event."""
    return player_update(player=player, auto_invite_events=enabled)


# --- availability ------------------------------------------------------------------------------


@transaction.atomic
def availability_set(
    *, player: Player, day_of_week: object, earliest_start: object, available_hours: object
) -> PlayerAvailability:
    """Set (insert or replace) the player's window for one weekday. Validates before writing;
    a concurrent set of the same day ends with one row (the upsert is one statement)."""
    day = parse_day(day_of_week)
    start = parse_time_of_day(earliest_start)
    hours = parse_hours(available_hours)
    row, _ = PlayerAvailability.objects.update_or_create(
        player=player, day_of_week=day, defaults={"earliest_start": start, "available_hours": hours}
    )
    return row


@transaction.atomic
def availability_set_week(
    *, player: Player, days: list[dict], timezone: str | zoneinfo.ZoneInfo | None = None
) -> list[PlayerAvailability]:
    """Replace the player's whole week (and optionally their zone) in one transaction: the days
    given are set, days not given are cleared. Every entry is validated first; one bad entry
    refuses the whole request and writes nothing. Errors name the entry, e.g. `days[2].day_of_week`."""
    parsed = []
    seen = set()
    for index, entry in enumerate(days):
        try:
            day = parse_day(entry.get("day_of_week"))
            start = parse_time_of_day(entry.get("earliest_start"))
            hours = parse_hours(entry.get("available_hours"))
        except ApplicationError as error:
            raise ApplicationError(
                error.template, params=error.params, field=f"days[{index}].{error.field}", code=error.code
            ) from None
        if day in seen:
            raise ApplicationError(DUPLICATE_DAY.format(day=day), field=f"days[{index}].day_of_week")
        seen.add(day)
        parsed.append((day, start, hours))
    zone = timeutils.zone_or_error(timezone) if timezone is not None else None
    player = Player.objects.select_for_update().get(pk=player.pk)
    if zone is not None and zone != player.timezone:
        player.timezone = zone
        player.save(update_fields=["timezone", "updated_at"])
    PlayerAvailability.objects.filter(player=player).exclude(day_of_week__in=seen).delete()
    rows = [availability_set(player=player, day_of_week=d, earliest_start=s, available_hours=h) for d, s, h in parsed]
    return sorted(rows, key=lambda row: row.day_of_week)


@transaction.atomic
def availability_clear(*, player: Player, day_of_week: object = None) -> int:
    """Remove the player's window for one day, or every day when `day_of_week` is None; returns
    how many windows were removed."""
    rows = PlayerAvailability.objects.filter(player=player)
    if day_of_week is not None:
        rows = rows.filter(day_of_week=parse_day(day_of_week))
    deleted, _ = rows.delete()
    return deleted


# --- characters --------------------------------------------------------------------------------


@transaction.atomic
def character_save(
    *,
    player: Player,
    name: str,
    realm: str,
    wow_class: WowClass | None = None,
    specialization: Specialization | None = None,
    is_main: bool = False,
    character: WowCharacter | None = None,
) -> WowCharacter:
    """Add a character to a player (or change `character`). Making it the main demotes the
    player's previous main in the same transaction (one main per player is also a constraint)."""
    name, realm = (name or "").strip(), (realm or "").strip()
    if not name or not realm:
        raise ApplicationError(EMPTY_CHARACTER, field="name")
    if specialization is not None:
        if wow_class is None:
            wow_class = specialization.wow_class
        elif specialization.wow_class_id != wow_class.pk:
            raise ApplicationError(SPEC_OF_OTHER_CLASS, field="specialization")
    Player.objects.select_for_update().filter(pk=player.pk).first()  # serializes main changes per player
    if is_main:
        others = WowCharacter.objects.filter(player=player, is_main=True)
        if character is not None and character.pk:
            others = others.exclude(pk=character.pk)
        others.update(is_main=False)
    character = character or WowCharacter(player=player)
    character.name, character.realm = name[:50], realm[:50]
    character.wow_class, character.specialization, character.is_main = wow_class, specialization, is_main
    try:
        with transaction.atomic():
            character.save()
    except IntegrityError:
        raise ApplicationError(CHARACTER_EXISTS, field="name") from None
    return character


@transaction.atomic
def character_remove(*, character: WowCharacter) -> None:
    """Delete a character (attendance rows that named it keep their record, without it)."""
    WowCharacter.objects.filter(pk=character.pk).delete()
