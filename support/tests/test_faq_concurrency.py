"""Closing similar tickets at the same moment makes one FAQ proposal, not one per close (real
threads, real PostgreSQL): the repeated-topic check holds the guild's lock."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from support import services
from support.models import FaqProposal, FaqProposalTicket
from support.tests.factories import GUILD, SupportSettingsFactory
from support.tests.faq_world import MODERATOR, RESET, ticket_with_conversation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("rounds", range(3))
def test_concurrent_closes_of_similar_tickets_make_exactly_one_proposal(settings, rounds):
    settings.SUMMARY_API_URL = settings.SUMMARY_API_KEY = ""
    SupportSettingsFactory()
    tickets = [
        ticket_with_conversation(topic, asked, answered, user_id=990_500_000_000_000_001 + n)
        for n, (topic, asked, answered) in enumerate(RESET)
    ]
    barrier = threading.Barrier(len(tickets))
    crashes = []

    def close(ticket_id: int) -> None:
        try:
            barrier.wait()
            services.ticket_close(guild_id=GUILD, actor=MODERATOR, ticket_id=ticket_id, reason="spam folder")
        except Exception as error:  # any failure of a close is what this test looks for
            crashes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=(ticket.pk,)) for ticket in tickets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert crashes == []
    proposal = FaqProposal.objects.get()
    # Whichever closes decided last: at least three of the four, each in the one proposal.
    assert FaqProposalTicket.objects.filter(proposal=proposal).count() >= 3
    assert FaqProposalTicket.objects.count() == FaqProposalTicket.objects.filter(proposal=proposal).count()
