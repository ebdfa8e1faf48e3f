"""The FAQ's rules: repeated topics make one proposal (3 similar closed tickets: one; 2: none; an
FAQ entry covering them: none; never twice for the same tickets; only within the window), adding
a proposal to the FAQ (admins) and dismissing it (staff), the search, and holding a ticket back
while its member reads the entries that match it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from config.actors import Actor
from config.exceptions import ApplicationError
from support import services
from support.models import FaqEntry, FaqProposal, ProposalStatus, SupportTicket, TicketDraft, TicketSummary
from support.services import faq, messages
from support.signals import faq_proposal_changed, faq_proposed
from support.similarity import py_similarity
from support.tests.factories import CATEGORY, GUILD, OTHER_GUILD, REQUESTER, STAFF_ROLE, SupportSettingsFactory
from support.tests.faq_world import ADMIN, MODERATOR, OTHER, RESET, close, closed_tickets, ticket_with_conversation

pytestmark = pytest.mark.django_db

MEMBER = Actor(user_id=REQUESTER)
OTHER_MEMBER = Actor(user_id=REQUESTER + 1)
SUPPORT = Actor(user_id=REQUESTER + 2, role_ids=frozenset({STAFF_ROLE}))


@pytest.fixture(autouse=True)
def local_summaries(settings):
    settings.SUMMARY_API_URL = settings.SUMMARY_API_KEY = ""
    return SupportSettingsFactory()


@pytest.fixture
def proposed():
    sent = []

    def record(sender, proposal, **kwargs):
        sent.append(proposal.pk)

    faq_proposed.connect(record, dispatch_uid="test-proposed")
    yield sent
    faq_proposed.disconnect(dispatch_uid="test-proposed")


# ---------------------------------------------------------------------------- repeated topics


def test_three_similar_closed_tickets_make_one_proposal(proposed):
    tickets = closed_tickets(OTHER + RESET[:3])
    proposal = FaqProposal.objects.get()
    assert proposed == [proposal.pk]
    assert set(proposal.tickets.all()) == set(tickets[2:])  # the three about the reset email, not the others
    assert proposal.status == ProposalStatus.PROPOSED and proposal.guild_id == GUILD
    # Three different topics: the newest ticket's, as a question.
    assert proposal.question == "Reset password link?"
    assert "spam" in proposal.answer
    assert proposal.log_message_id is None  # nothing posted yet (that is the Discord layer's)


def test_two_similar_closed_tickets_make_none(proposed):
    closed_tickets(OTHER + RESET[:2])
    assert not FaqProposal.objects.exists() and proposed == []
    assert TicketSummary.objects.count() == 4


def test_no_proposal_when_an_faq_entry_covers_the_topic():
    services.faq_entry_create(
        guild_id=GUILD,
        actor=ADMIN,
        question="The password reset email does not arrive",
        answer="Look in your spam folder: the reset email often lands there.",
    )
    closed_tickets(RESET[:3])
    assert not FaqProposal.objects.exists()


def test_an_entry_of_another_guild_does_not_cover_it():
    services.faq_entry_create(
        guild_id=OTHER_GUILD,
        actor=ADMIN,
        question="The password reset email does not arrive",
        answer="Look in your spam folder: the reset email often lands there.",
    )
    closed_tickets(RESET[:3])
    assert FaqProposal.objects.count() == 1


def test_a_fourth_similar_ticket_makes_no_second_proposal():
    closed_tickets(RESET)
    proposal = FaqProposal.objects.get()
    assert proposal.tickets.count() == 3
    assert not SupportTicket.objects.filter(number=4).get().faq_proposals.exists()


def test_dismissed_tickets_are_not_proposed_again_but_three_new_ones_are():
    closed_tickets(RESET[:3])
    first = FaqProposal.objects.get()
    services.faq_proposal_dismiss(guild_id=GUILD, actor=SUPPORT, proposal_id=first.pk)
    closed_tickets(RESET[3:], first_user=990_200_000_000_000_001)
    assert FaqProposal.objects.count() == 1
    closed_tickets(RESET[:2], first_user=990_300_000_000_000_001)
    second = FaqProposal.objects.exclude(pk=first.pk).get()
    assert second.tickets.count() == 3


def test_only_tickets_of_the_window_count(local_summaries):
    closed_tickets(RESET[:2])
    TicketSummary.objects.update(created_at=timezone.now() - timedelta(days=31))
    closed_tickets(RESET[2:3], first_user=990_200_000_000_000_001)
    assert not FaqProposal.objects.exists()
    local_summaries.faq_window_days = 60
    local_summaries.save()
    closed_tickets(RESET[3:], first_user=990_300_000_000_000_001)
    assert FaqProposal.objects.get().tickets.count() == 4


def test_the_guild_settings_decide_how_many_make_a_proposal(local_summaries):
    local_summaries.faq_min_similar = 2
    local_summaries.save()
    closed_tickets(RESET[:2])
    assert FaqProposal.objects.get().tickets.count() == 2


# ---------------------------------------------------------------------------- acting on a proposal


@pytest.fixture
def proposal() -> FaqProposal:
    closed_tickets(RESET[:3])
    return FaqProposal.objects.get()


def test_an_admin_adds_the_proposal_to_the_faq(proposal):
    changed = []
    faq_proposal_changed.connect(lambda sender, proposal, **kw: changed.append(proposal.version), weak=False)
    added = services.faq_proposal_add(
        guild_id=GUILD, actor=ADMIN, proposal_id=proposal.pk, question="Reset email missing?", answer="Check spam."
    )
    entry = FaqEntry.objects.get()
    assert (entry.question, entry.answer, entry.created_by, entry.guild_id) == (
        "Reset email missing?",
        "Check spam.",
        ADMIN.user_id,
        GUILD,
    )
    assert entry.summary == proposal.answer and "spam" in entry.similarity_key
    assert (added.status, added.entry, added.acted_by, added.version) == ("added", entry, ADMIN.user_id, 1)
    assert changed == [1]
    with pytest.raises(ApplicationError) as refused:
        services.faq_proposal_add(guild_id=GUILD, actor=ADMIN, proposal_id=proposal.pk, question="Q", answer="A")
    assert refused.value.message == faq.PROPOSAL_DONE.format(status="added to the FAQ")
    assert FaqEntry.objects.count() == 1


@pytest.mark.parametrize("actor", [MODERATOR, SUPPORT, MEMBER], ids=["moderator", "support staff", "member"])
def test_only_admins_add_to_the_faq(proposal, actor):
    with pytest.raises(ApplicationError) as refused:
        services.faq_proposal_add(guild_id=GUILD, actor=actor, proposal_id=proposal.pk, question="Q", answer="A")
    assert refused.value.message == faq.NOT_ADMIN
    assert not FaqEntry.objects.exists()
    assert FaqProposal.objects.get().status == ProposalStatus.PROPOSED


def test_an_empty_question_or_answer_is_refused_and_writes_nothing(proposal):
    with pytest.raises(ApplicationError) as refused:
        services.faq_proposal_add(guild_id=GUILD, actor=ADMIN, proposal_id=proposal.pk, question=" ", answer="A")
    assert refused.value.message == faq.QUESTION_REQUIRED
    with pytest.raises(ApplicationError) as refused:
        services.faq_proposal_add(guild_id=GUILD, actor=ADMIN, proposal_id=proposal.pk, question="Q", answer="")
    assert refused.value.message == faq.ANSWER_REQUIRED
    assert not FaqEntry.objects.exists() and FaqProposal.objects.get().status == ProposalStatus.PROPOSED


def test_staff_dismiss_a_proposal_members_cannot(proposal):
    with pytest.raises(ApplicationError) as refused:
        services.faq_proposal_dismiss(guild_id=GUILD, actor=MEMBER, proposal_id=proposal.pk)
    assert refused.value.message == faq.NOT_STAFF
    dismissed = services.faq_proposal_dismiss(guild_id=GUILD, actor=SUPPORT, proposal_id=proposal.pk)
    assert (dismissed.status, dismissed.acted_by) == ("dismissed", SUPPORT.user_id)
    assert not FaqEntry.objects.exists()


def test_a_proposal_of_another_guild_is_not_found(proposal):
    with pytest.raises(ApplicationError) as refused:
        services.faq_proposal_dismiss(guild_id=OTHER_GUILD, actor=ADMIN, proposal_id=proposal.pk)
    assert refused.value.message == faq.PROPOSAL_NOT_FOUND
    assert FaqProposal.objects.get().status == ProposalStatus.PROPOSED


# ---------------------------------------------------------------------------- search


@pytest.fixture
def entries() -> list[FaqEntry]:
    return [
        services.faq_entry_create(
            guild_id=GUILD,
            actor=ADMIN,
            question="The password reset email does not arrive",
            answer="Look in your spam folder: the reset email often lands there.",
        ),
        services.faq_entry_create(
            guild_id=GUILD,
            actor=ADMIN,
            question="How do I get guild bank access?",
            answer="Officers grant bank access after two weeks in the guild.",
        ),
        services.faq_entry_create(
            guild_id=OTHER_GUILD, actor=ADMIN, question="Password reset", answer="Elsewhere: ask an officer."
        ),
    ]


def test_the_search_finds_the_guilds_matching_entries_best_first(entries):
    assert [entry for entry, _ in services.faq_search(guild_id=GUILD, query="password reset")] == [entries[0]]
    assert [entry for entry, _ in services.faq_search(guild_id=GUILD, query="bank")] == [entries[1]]
    assert services.faq_search(guild_id=GUILD, query="dragon mount colours") == []


def test_an_empty_search_is_refused():
    with pytest.raises(ApplicationError) as refused:
        services.faq_search(guild_id=GUILD, query="  ")
    assert refused.value.message == faq.QUERY_EMPTY


# ---------------------------------------------------------------------------- before opening


def request(actor: Actor = MEMBER, topic: str = "Reset email never arrives", description: str = "No password email"):
    return services.ticket_request(
        guild_id=GUILD, actor=actor, topic=topic, description=description, category_id=CATEGORY
    )


def test_a_ticket_like_an_entry_is_held_as_a_draft(entries):
    held = request()
    assert held.ticket is None and held.entries == [entries[0]]
    draft = held.draft
    assert (draft.user_id, draft.topic, draft.entry_ids, draft.outcome) == (
        REQUESTER,
        "Reset email never arrives",
        [entries[0].pk],
        "",
    )
    assert not SupportTicket.objects.exists()


def test_a_ticket_like_no_entry_opens_directly(entries):
    opened = request(topic="My raid signup fails", description="The button does nothing")
    assert opened.draft is None and opened.ticket.topic == "My raid signup fails"
    assert not TicketDraft.objects.exists()


def test_a_bad_topic_is_refused_before_anything(entries):
    with pytest.raises(ApplicationError) as refused:
        request(topic="   ")
    assert refused.value.message == messages.TOPIC_REQUIRED
    assert not TicketDraft.objects.exists() and not SupportTicket.objects.exists()


def test_this_answers_it_opens_nothing_and_counts_on_the_best_entry(entries):
    draft = request().draft
    services.ticket_draft_answered(guild_id=GUILD, actor=MEMBER, draft_id=draft.pk)
    assert FaqEntry.objects.get(pk=entries[0].pk).deflections == 1
    assert TicketDraft.objects.get().outcome == "answered" and not SupportTicket.objects.exists()
    with pytest.raises(ApplicationError) as refused:
        services.ticket_draft_open(guild_id=GUILD, actor=MEMBER, draft_id=draft.pk, category_id=CATEGORY)
    assert refused.value.message == faq.DRAFT_USED.format(outcome="answered by the FAQ")
    assert not SupportTicket.objects.exists()


def test_open_anyway_opens_the_submitted_ticket(entries):
    draft = request().draft
    ticket = services.ticket_draft_open(guild_id=GUILD, actor=MEMBER, draft_id=draft.pk, category_id=CATEGORY)
    assert (ticket.topic, ticket.description, ticket.user_id) == (
        "Reset email never arrives",
        "No password email",
        REQUESTER,
    )
    assert TicketDraft.objects.get().ticket == ticket
    assert FaqEntry.objects.get(pk=entries[0].pk).deflections == 0


@pytest.mark.parametrize("press", ["answered", "open"])
def test_another_member_cannot_press_the_drafts_buttons(entries, press):
    draft = request().draft
    with pytest.raises(ApplicationError) as refused:
        if press == "answered":
            services.ticket_draft_answered(guild_id=GUILD, actor=OTHER_MEMBER, draft_id=draft.pk)
        else:
            services.ticket_draft_open(guild_id=GUILD, actor=OTHER_MEMBER, draft_id=draft.pk, category_id=CATEGORY)
    assert refused.value.message == faq.DRAFT_NOT_YOURS
    assert not SupportTicket.objects.exists() and TicketDraft.objects.get().outcome == ""
    assert FaqEntry.objects.get(pk=entries[0].pk).deflections == 0


def test_an_expired_draft_is_refused(entries):
    draft = request().draft
    later = timezone.now() + faq.DRAFT_LIFETIME + timedelta(seconds=1)
    with pytest.raises(ApplicationError) as refused:
        services.ticket_draft_open(guild_id=GUILD, actor=MEMBER, draft_id=draft.pk, category_id=CATEGORY, now=later)
    assert refused.value.message == faq.DRAFT_EXPIRED
    assert not SupportTicket.objects.exists()


def test_a_draft_of_another_guild_is_not_found(entries):
    draft = request().draft
    with pytest.raises(ApplicationError) as refused:
        services.ticket_draft_answered(guild_id=OTHER_GUILD, actor=MEMBER, draft_id=draft.pk)
    assert refused.value.message == faq.DRAFT_NOT_FOUND


def test_a_closed_ticket_like_an_entry_still_closes(entries):
    ticket = ticket_with_conversation(*RESET[0], user_id=REQUESTER)
    assert close(ticket).status == "closed"


def test_a_member_with_an_open_ticket_is_refused_at_once_not_offered_the_faq(entries):
    request(topic="My raid signup fails", description="The button does nothing")
    with pytest.raises(ApplicationError) as refused:
        request()
    assert refused.value.message.startswith("You already have an open ticket: #1")
    assert not TicketDraft.objects.exists()


def test_expired_drafts_are_deleted_when_another_is_made(entries):
    old = request().draft
    TicketDraft.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    new = request(actor=OTHER_MEMBER).draft
    assert list(TicketDraft.objects.values_list("pk", flat=True)) == [new.pk]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("cannot reset password email spam", "password reset email missing spam"),
        ("raid signup broken", "guild bank access"),
        ("Reset-Password!", "reset password"),
        ("a", "abc"),
    ],
)
def test_the_python_trigram_similarity_of_sqlite_matches_pg_trgm(first, second):
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [first, second])
        [expected] = cursor.fetchone()
    assert py_similarity(first, second) == pytest.approx(expected, abs=1e-6)
