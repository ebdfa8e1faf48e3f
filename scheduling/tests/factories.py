"""Factories for the roster. Ranks come from `ranks_ensure_defaults`, as in production."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import factory

from scheduling.models import GuildRank, Player, PlayerAvailability
from scheduling.services import member_zone_set, ranks_ensure_defaults

GUILD_ID = 111_111_111_111_111_111
_users = itertools.count(700_000_000_000_000_001)


def rank(guild_id: int = GUILD_ID, *, level: int) -> GuildRank:
    ranks_ensure_defaults(guild_id=guild_id)
    return GuildRank.objects.get(guild_id=guild_id, level=level)


class PlayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Player

    guild_id = GUILD_ID
    discord_user_id = factory.LazyFunction(lambda: next(_users))
    display_name = factory.Sequence(lambda n: f"Player {n:03d}")
    rank = factory.LazyAttribute(lambda o: rank(o.guild_id, level=2))
    timezone = "America/Chicago"

    @classmethod
    def _create(cls, model_class, *args, timezone=None, **kwargs):
        # The zone is the member's (MemberZone), not a column of the player.
        player = super()._create(model_class, *args, **kwargs)
        if timezone is not None:
            member_zone_set(user_id=player.discord_user_id, zone=timezone)
            player.__dict__.pop("member_timezone", None)
        return player


class AvailabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlayerAvailability

    player = factory.SubFactory(PlayerFactory)
    day_of_week = 0
    earliest_start = dt.time(19, 0)
    available_hours = Decimal("3.0")
