"""The seed's column defaults live in the database too: a row inserted by raw SQL gets them."""

import pytest
from django.db import connection

from scheduling.models import GuildRank, Player
from scheduling.tests.factories import GUILD_ID, rank

pytestmark = pytest.mark.django_db


def test_raw_inserts_get_the_seeds_defaults():
    member = rank(level=2)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {GuildRank._meta.db_table} (guild_id, name, level, description) "
            "VALUES (%s, 'Raw', 9, '') RETURNING id",
            [GUILD_ID],
        )
        rank_id = cursor.fetchone()[0]
        cursor.execute(
            f"INSERT INTO {Player._meta.db_table} (guild_id, discord_user_id, display_name, rank_id, created_at,"
            " updated_at) VALUES (%s, 42, '', %s, now(), now()) RETURNING id",
            [GUILD_ID, member.pk],
        )
        player_id = cursor.fetchone()[0]
    assert GuildRank.objects.get(pk=rank_id).scheduling_weight == 0
    player = Player.objects.get(pk=player_id)
    assert (player.timezone.key, player.auto_invite_events, player.raid_team) == ("UTC", False, False)
