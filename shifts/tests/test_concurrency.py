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
from shifts.tests.factories import CHANNEL, GUILD, ShiftFactory, ShiftPolicyFactory

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
    expected = f"Shift #{shift.pk} is already claimed by user {winner}."
    assert {message for _, message in refusals} == {expected}
    stored = Shift.objects.get(pk=shift.pk)
    assert stored.claimed_by == winner
    assert stored.version == 2  # one change, not twenty


def test_one_moderator_claiming_two_shifts_at_once_cannot_pass_the_cap():
    """2.5 of 3 hours used: of two 1-hour shifts claimed at the same moment, only one may go."""
    ShiftPolicyFactory(max_hours_7d=3.0, heavy_lock_window_minutes=60)
    now = timezone.now()
    moderator = CLAIMERS[0]
    history = ShiftFactory(start_time_utc=now - timedelta(days=1), duration_hours=2.5)
    Shift.objects.filter(pk=history.pk).update(claimed_by=moderator, claimed_at=now - timedelta(days=1))
    targets = [ShiftFactory(start_time_utc=now + timedelta(days=2, hours=n), duration_hours=1.0) for n in range(2)]
    barrier = threading.Barrier(2)
    outcomes, crashes = [], []

    def press(shift_id: int) -> None:
        try:
            barrier.wait()
            services.shift_claim(guild_id=GUILD, actor=Actor(user_id=moderator, is_moderator=True), shift_id=shift_id)
            outcomes.append("claimed")
        except ApplicationError as error:
            outcomes.append(error.code)
        except Exception as error:  # any other outcome is the failure this test looks for
            crashes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(shift.pk,)) for shift in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert crashes == []
    assert sorted(outcomes) == ["claimed", "fairness_cap"]
    assert Shift.objects.filter(claimed_by=moderator).count() == 2  # the history and one new claim


def test_two_drops_of_the_same_occurrence_at_once_give_one_shift():
    """The moderator drops their slot while an admin drops it for them, at the same moment."""
    ShiftPolicyFactory()
    moderator, admin = CLAIMERS[0], CLAIMERS[1]
    slot = services.schedule_add(
        guild_id=GUILD, actor=Actor(user_id=moderator, is_moderator=True), user_id=moderator, day=2, time="18:00"
    )
    actors = [Actor(user_id=moderator, is_moderator=True), Actor(user_id=admin, is_moderator=True, is_admin=True)]
    barrier = threading.Barrier(len(actors))
    dropped, refusals, crashes = [], [], []

    def press(actor: Actor) -> None:
        try:
            barrier.wait()
            shift = services.shift_drop_from_slot(
                guild_id=GUILD, actor=actor, slot_id=slot.pk, user_id=moderator, channel_id=CHANNEL
            )
            dropped.append(shift.pk)
        except ApplicationError as error:
            refusals.append((error.code, error.message))
        except Exception as error:  # any other outcome is the failure this test looks for
            crashes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert crashes == []
    assert len(dropped) == 1 and len(refusals) == 1
    code, message = refusals[0]
    assert code == "duplicate" and message.endswith(f"is already dropped (shift #{dropped[0]}).")
    assert list(Shift.objects.values_list("pk", flat=True)) == dropped
