"""Twenty staff members press Claim on one ticket at the same moment (real threads, real PostgreSQL)."""

import threading

import pytest
from django.db import connection

from config.actors import Actor
from config.exceptions import ApplicationError
from support import services
from support.models import SupportTicket, TicketStatusChange
from support.tests.factories import CATEGORY, GUILD, REQUESTER, SupportSettingsFactory

pytestmark = pytest.mark.django_db(transaction=True)

CLAIMERS = [765_000_000_000_000_000 + n for n in range(20)]


def test_twenty_concurrent_claims_have_exactly_one_winner():
    SupportSettingsFactory()
    ticket = services.ticket_open(guild_id=GUILD, actor=Actor(user_id=REQUESTER), topic="Help", category_id=CATEGORY)
    barrier = threading.Barrier(len(CLAIMERS))
    winners, refusals, crashes = [], [], []

    def press(user_id: int) -> None:
        try:
            barrier.wait()
            services.ticket_claim(guild_id=GUILD, actor=Actor(user_id=user_id, is_moderator=True), ticket_id=ticket.pk)
            winners.append(user_id)
        except ApplicationError as error:
            refusals.append(error.message)
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
    assert refusals == [f"Ticket #1 is already claimed by user {winners[0]}."] * 19
    stored = SupportTicket.objects.get(pk=ticket.pk)
    assert (stored.claimed_by, stored.version) == (winners[0], 1)
    assert TicketStatusChange.objects.filter(ticket=stored, to_status="claimed").count() == 1
