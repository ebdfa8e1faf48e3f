"""Every write to the roster: ranks, roles, players, availability and characters.

Messages are module constants so tests and handlers share them. Services that manage the roster
(ranks, roles, other players) take an :class:`~scheduling.actors.Actor` and check it themselves.
"""

from scheduling.services.availability import (
    BAD_HOURS,
    DUPLICATE_DAY,
    availability_clear,
    availability_set,
    availability_set_week,
    parse_day,
    parse_hours,
    parse_time_of_day,
)
from scheduling.services.characters import (
    CHARACTER_EXISTS,
    EMPTY_CHARACTER,
    SPEC_OF_OTHER_CLASS,
    character_remove,
    character_save,
)
from scheduling.services.players import (
    PLAYER_EXISTS,
    RANK_OF_OTHER_GUILD,
    USER_TAKEN,
    player_create,
    player_ensure,
    player_set_auto_invite,
    player_set_timezone,
    player_update,
)
from scheduling.services.ranks import (
    BAD_LEVEL,
    BAD_WEIGHT,
    EMPTY_NAME,
    RANK_TAKEN,
    rank_create,
    rank_update,
    ranks_ensure_defaults,
    role_update,
)
from scheduling.services.zones import member_zone_ensure, member_zone_set

__all__ = [
    "BAD_HOURS",
    "BAD_LEVEL",
    "BAD_WEIGHT",
    "CHARACTER_EXISTS",
    "DUPLICATE_DAY",
    "EMPTY_CHARACTER",
    "EMPTY_NAME",
    "PLAYER_EXISTS",
    "RANK_OF_OTHER_GUILD",
    "RANK_TAKEN",
    "SPEC_OF_OTHER_CLASS",
    "USER_TAKEN",
    "availability_clear",
    "availability_set",
    "availability_set_week",
    "character_remove",
    "character_save",
    "member_zone_ensure",
    "member_zone_set",
    "parse_day",
    "parse_hours",
    "parse_time_of_day",
    "player_create",
    "player_ensure",
    "player_set_auto_invite",
    "player_set_timezone",
    "player_update",
    "rank_create",
    "rank_update",
    "ranks_ensure_defaults",
    "role_update",
]
