"""The one officer rule (scheduling.actors), as the API and Discord both reach it."""

import pytest
from django.contrib.auth import get_user_model

from config.exceptions import ApplicationError
from scheduling import actors, services
from scheduling.actors import SYSTEM, Actor
from scheduling.models import GuildRank
from scheduling.tests.factories import GUILD_ID, PlayerFactory, rank

pytestmark = pytest.mark.django_db
OFFICER_ROLE = 4_444
OTHER_GUILD = 5


def login(*, staff: bool = False):
    return get_user_model().objects.create_user(username=f"login-{staff}-{GuildRank.objects.count()}", is_staff=staff)


def make_actor(kind: str) -> Actor:
    services.ranks_ensure_defaults(guild_id=GUILD_ID)
    GuildRank.objects.filter(guild_id=GUILD_ID, level=4).update(discord_role_id=OFFICER_ROLE)
    if kind == "staff login":
        return Actor.for_login(login(staff=True))
    if kind == "moderator":
        return Actor(user_id=1, is_moderator=True)
    if kind == "admin":
        return Actor(user_id=1, is_admin=True)
    if kind == "officer by rank":
        # Guild Leader: not mapped to a role (the Officer rank is, and counts only with its role).
        return Actor(user_id=PlayerFactory(rank=rank(level=5)).discord_user_id)
    if kind == "officer by linked login":
        user = login()
        services.player_update(actor=SYSTEM, player=PlayerFactory(rank=rank(level=5)), user=user)
        return Actor.for_login(user)
    if kind == "officer by Discord role":
        return Actor(user_id=2, role_ids=frozenset({OFFICER_ROLE}))
    if kind == "member":
        return Actor(user_id=PlayerFactory(rank=rank(level=3)).discord_user_id, role_ids=frozenset({9}))
    if kind == "member login":
        user = login()
        services.player_update(actor=SYSTEM, player=PlayerFactory(rank=rank(level=3)), user=user)
        return Actor.for_login(user)
    if kind == "officer of another guild":
        return Actor(user_id=PlayerFactory(guild_id=OTHER_GUILD, rank=rank(OTHER_GUILD, level=5)).discord_user_id)
    if kind == "anonymous":
        return Actor.for_login(None)
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "officer_here", "officer_anywhere"),
    [
        ("staff login", True, True),
        ("moderator", True, True),
        ("admin", True, True),
        ("officer by rank", True, True),
        ("officer by linked login", True, True),
        ("officer by Discord role", True, True),
        ("member", False, False),
        ("member login", False, False),
        ("officer of another guild", False, True),
        ("anonymous", False, False),
    ],
)
def test_officer_matrix(kind, officer_here, officer_anywhere):
    actor = make_actor(kind)
    assert actors.is_officer(actor, guild_id=GUILD_ID) is officer_here
    assert actors.is_officer(actor, guild_id=None) is officer_anywhere


def test_a_refused_roster_change_says_why_and_writes_nothing():
    member = make_actor("member")
    target = rank(level=2)
    with pytest.raises(ApplicationError) as error:
        services.rank_update(actor=member, rank=target, scheduling_weight=9)
    assert (error.value.message, error.value.code) == (actors.NOT_OFFICER, "permission_denied")
    assert GuildRank.objects.get(pk=target.pk).scheduling_weight == 1
    with pytest.raises(ApplicationError):
        services.rank_create(actor=member, guild_id=GUILD_ID, name="Raider", level=6)
    assert not GuildRank.objects.filter(name="Raider").exists()
