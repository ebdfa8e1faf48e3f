"""Twenty moderators press Claim on one shift at the same moment (real threads, real PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from config.exceptions import ApplicationError
from shifts import services
from shifts.models import Shift
from shifts.services import Actor
from shifts.tests.factories import GUILD, ShiftFactory, ShiftPolicyFactory

pytestmark = pytest.mark.django_db(transaction=True)

CLAIMERS = [730_000_000_000_000_000 + n for n in range(20)]


def test_twenty_concurrent_claims_have_exactly_one_winner():
    ShiftPolicyFactory()
    shift = ShiftFactory(start_time_utc=timezone.now() + timedelta(minutes=30))
    barrier = threading.Barrier(len(CLAIMERS))
    winners, refusals, crashes = [], [], []

    def press(user_id: int) -> None:
        try:
            barrier.wait()
            services.shift_claim(guild_id=GUILD, actor=Actor(user_id=user_id, is_moderator=True), shift_id=shift.pk)
            winners.append(user_id)
        except ApplicationError as error:
            refusals.append((user_id, error.message))
        except Exception as error:  # any other outcome is the failure this test looks for
            crashes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(user_id,)) for user_id in CLAIMERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert crashes == []
    assert len(winners) == 1
    assert len(refusals) == 19
    winner = winners[0]
    expected = services.SHIFT_CLAIMED_BY.format(shift_id=shift.pk, user_id=winner)
    assert {message for _, message in refusals} == {expected}
    stored = Shift.objects.get(pk=shift.pk)
    assert stored.claimed_by == winner
    assert stored.version == 2  # one change, not twenty
