"""The FAQ's back office: entries are added and edited through the services (their similarity
key follows the text), proposals that were never posted are listed and can be added or
dismissed there, and the pages render."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from support.models import FaqEntry, FaqProposal, ProposalStatus, TicketSummary
from support.tests.factories import GUILD, SupportSettingsFactory
from support.tests.faq_world import RESET, closed_tickets

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(client, settings):
    settings.SUMMARY_API_URL = settings.SUMMARY_API_KEY = ""
    SupportSettingsFactory()
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "pw"))
    return client


def test_an_entry_added_and_edited_in_the_admin_gets_its_similarity_key(boss):
    url = reverse("admin:support_faqentry_add")
    answer = boss.post(url, {"guild_id": GUILD, "question": "Bank access?", "answer": "Officers grant it."})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    entry = FaqEntry.objects.get()
    assert (entry.guild_id, entry.question, entry.created_by) == (GUILD, "Bank access?", None)
    assert entry.similarity_key.startswith("bank access")
    change = reverse("admin:support_faqentry_change", args=[entry.pk])
    assert boss.post(change, {"question": "Raid signup?", "answer": "Use the button."}).status_code == 302
    entry.refresh_from_db()
    assert (entry.question, entry.guild_id) == ("Raid signup?", GUILD)
    assert entry.similarity_key.startswith("raid signup")
    listing = boss.get(reverse("admin:support_faqentry_changelist"), {"q": "signup"})
    assert "Raid signup?" in listing.content.decode()


def test_unposted_proposals_are_listed_and_acted_on_in_the_admin(boss):
    closed_tickets(RESET[:3])
    proposal = FaqProposal.objects.get()
    listing = boss.get(reverse("admin:support_faqproposal_changelist"), {"posted": "no"})
    assert listing.status_code == 200 and proposal.question in listing.content.decode()
    assert boss.get(reverse("admin:support_faqproposal_change", args=[proposal.pk])).status_code == 200
    done = boss.post(
        reverse("admin:support_faqproposal_changelist"),
        {"action": "add_to_faq", "_selected_action": [proposal.pk]},
    )
    assert done.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ADDED
    assert (proposal.entry.question, proposal.entry.answer) == (proposal.question, proposal.answer)


def test_the_summary_pages_render(boss):
    closed_tickets(RESET[:1])
    summary = TicketSummary.objects.get()
    assert boss.get(reverse("admin:support_ticketsummary_changelist")).status_code == 200
    assert boss.get(reverse("admin:support_ticketsummary_change", args=[summary.pk])).status_code == 200
