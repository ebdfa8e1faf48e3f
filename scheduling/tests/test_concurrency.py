"""Race-prone writes, with real threads and connections."""

import threading

import pytest
from django.db import connection

from scheduling import services
from scheduling.models import GuildRank, Player, PlayerAvailability

GUILD = 999_000_000_000_000_777


def in_threads(count: int, target) -> list:
    results, errors = [], []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results.append(target(index))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


@pytest.mark.django_db(transaction=True)
def test_first_players_of_a_guild_at_once_get_one_set_of_ranks_and_one_player_each():
    in_threads(6, lambda i: services.player_ensure(guild_id=GUILD, discord_user_id=1000 + i % 3).pk)
    assert GuildRank.objects.filter(guild_id=GUILD).count() == 5
    assert Player.objects.filter(guild_id=GUILD).count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_sets_of_one_day_leave_one_row():
    player = services.player_ensure(guild_id=GUILD, discord_user_id=1)
    in_threads(
        6,
        lambda i: (
            services.availability_set(
                player=player, day_of_week=3, earliest_start=f"{18 + i % 3}:00", available_hours=2 + i
            ).pk
        ),
    )
    assert PlayerAvailability.objects.filter(player=player, day_of_week=3).count() == 1
