"""Summaries and the FAQ through Discord (in-process handlers, the outbox delivered to the Discord
emulator): the summary goes out with the transcript; three similar closed tickets post one FAQ
proposal in the log channel, whose Add to FAQ (admins: a pre-filled modal) and Dismiss (staff)
are re-checked on every click; /faq pages; the ticket modal offers matching FAQ entries first
(This answers it / Open the ticket anyway, for the draft's member only).

The deliverer works in another database connection, so these tests commit (transactional)."""

from __future__ import annotations

from itertools import count

import pytest
from django.utils import timezone

from botworker.guilds import guild_configure
from botworker.handlers import faq as handlers
from botworker.interactions import handle_interaction
from botworker.models import BotAction
from botworker.presenters import faq as presenter
from botworker.presenters import support as support_presenter
from botworker.presenters.support_duty import NO_UPCOMING_SHIFT
from botworker.receivers.faq import post_key
from botworker.tests.factories import ADMIN_ROLE, GUILD_ID, MOD_ROLE, command_payload, component_payload, modal_payload
from botworker.tests.outbox_helpers import deliver
from config.actors import Actor
from support import services
from support.models import FaqEntry, FaqProposal, ProposalStatus, SupportTicket, TicketDraft, TicketMessage
from support.services import faq as faq_services
from support.tasks import summarize_ticket
from support.tests.faq_world import OTHER, RESET
from support.tests.test_summaries import Stub

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTER = 870_000_000_000_000_001
OTHER_MEMBER = 870_000_000_000_000_002
MOD = 870_000_000_000_000_003
ADMIN = 870_000_000_000_000_004
WHO = {
    "member": (REQUESTER, ()),
    "other": (OTHER_MEMBER, ()),
    "mod": (MOD, (MOD_ROLE,)),
    "admin": (ADMIN, (ADMIN_ROLE,)),
}
_ids = count(871_000_000_000_000_001)


@pytest.fixture(autouse=True)
def local_summaries(settings):
    settings.SUMMARY_API_URL = settings.SUMMARY_API_KEY = ""


@pytest.fixture
def desk(emulator, settings):
    settings.DISCORD_APPLICATION_ID = emulator.application_id
    emulator.add_guild(guild_id=GUILD_ID, name="Desk")
    category = emulator.add_channel(GUILD_ID, "tickets", type=4)
    logs = emulator.add_channel(GUILD_ID, "staff-log")
    guild_configure(
        guild_id=GUILD_ID,
        moderator_role_ids=[MOD_ROLE],
        admin_role_ids=[ADMIN_ROLE],
        channels={"tickets_category": int(category["id"]), "logs": int(logs["id"])},
    )
    return {"category": int(category["id"]), "logs": logs["id"]}


def click(custom_id: str, who: str) -> dict:
    user_id, roles = WHO[who]
    return handle_interaction(component_payload(custom_id, user_id=user_id, roles=roles, guild_id=GUILD_ID))


def submit(custom_id: str, fields: dict, who: str) -> dict:
    user_id, roles = WHO[who]
    return handle_interaction(modal_payload(custom_id, fields, user_id=user_id, roles=roles, guild_id=GUILD_ID))


def command(name: str, who: str, options=None) -> dict:
    user_id, roles = WHO[who]
    return handle_interaction(command_payload(name, options, user_id=user_id, roles=roles, guild_id=GUILD_ID))


def ephemeral_text(response: dict) -> str:
    assert response["type"] in (4, 7) and response["data"].get("flags", 64) == 64, response
    return response["data"]["content"]


def closed_through_discord(desk, cases) -> list[SupportTicket]:
    """Each case opened by its own member, its conversation recorded, and closed by a moderator
    with the close modal."""
    tickets = []
    for n, (topic, asked, answered) in enumerate(cases):
        ticket = services.ticket_open(
            guild_id=GUILD_ID,
            actor=Actor(user_id=872_000_000_000_000_001 + n),
            topic=topic,
            description=asked[0],
            category_id=desk["category"],
        )
        for text in answered:
            TicketMessage.objects.create(
                ticket=ticket,
                message_id=next(_ids),
                author_id=MOD,
                author_is_staff=True,
                content=text,
                created_at=timezone.now(),
            )
        closed = submit(f"{support_presenter.CLOSE_REASON_ACTION}:{ticket.pk}", {"reason": "answered"}, who="mod")
        assert ephemeral_text(closed).startswith(f"Ticket #{ticket.number} closed.")
        tickets.append(ticket)
    return tickets


def log_posts(emulator, desk) -> list[dict]:
    return emulator.messages(desk["logs"])


def test_the_summary_goes_out_with_the_transcript(emulator, desk):
    [ticket] = closed_through_discord(desk, RESET[:1])
    deliver()
    [post] = [m for m in log_posts(emulator, desk) if m["attachments"]]
    assert post["content"].startswith("📄 Transcript of ticket #1")
    summary = SupportTicket.objects.get(pk=ticket.pk).summary
    assert f"📝 **Summary** (local summariser): {summary.summary}" in post["content"]
    assert "spam" in summary.summary


def test_a_remote_summary_is_posted_right_after_the_transcript(emulator, desk, settings, monkeypatch):
    with Stub() as stub:
        settings.SUMMARY_API_URL, settings.SUMMARY_API_KEY = stub.url, "sk-test"
        settings.SUMMARY_MODEL, settings.SUMMARY_API_TIMEOUT = "tiny-model", 5
        queued = []
        monkeypatch.setattr(summarize_ticket, "delay", queued.append)
        [ticket] = closed_through_discord(desk, RESET[:1])
        assert queued == [ticket.pk]
        deliver()
        [transcript] = [m for m in log_posts(emulator, desk) if m["attachments"]]
        assert "Summary" not in transcript["content"]
        assert summarize_ticket(ticket.pk) == "remote"  # what the worker runs
    deliver()
    late = log_posts(emulator, desk)[-1]
    assert (
        late["content"] == "📝 Summary of ticket #1 (Cannot reset my password), by tiny-model: Reset email was in spam."
    )


def test_three_similar_tickets_post_one_proposal_that_an_admin_adds_to_the_faq(emulator, desk):
    closed_through_discord(desk, OTHER + RESET[:3])
    deliver()
    proposal = FaqProposal.objects.get()
    [post] = [m for m in log_posts(emulator, desk) if m["embeds"] and "Repeated topic" in m["embeds"][0]["title"]]
    assert post["embeds"][0]["fields"][0]["value"] == "3 similar tickets: #3, #4, #5"
    buttons = post["components"][0]["components"]
    assert [(b["label"], b["custom_id"]) for b in buttons] == [
        ("Add to FAQ", f"faq_add:{proposal.pk}"),
        ("Dismiss", f"faq_dismiss:{proposal.pk}"),
    ]
    proposal.refresh_from_db()
    assert proposal.log_message_id == int(post["id"])  # handed back by the post's completion hook

    # A moderator is staff but not an admin: refused on click, no modal.
    assert ephemeral_text(click(f"faq_add:{proposal.pk}", who="mod")) == faq_services.NOT_ADMIN
    assert ephemeral_text(click(f"faq_add:{proposal.pk}", who="member")) == faq_services.NOT_ADMIN

    modal = click(f"faq_add:{proposal.pk}", who="admin")
    assert modal["type"] == 9 and modal["data"]["custom_id"] == f"faq_add_submit:{proposal.pk}"
    inputs = {row["components"][0]["custom_id"]: row["components"][0] for row in modal["data"]["components"]}
    assert inputs["question"]["value"] == proposal.question and inputs["answer"]["value"] == proposal.answer

    # The admin lost the role between opening the modal and submitting it: re-checked.
    refused = submit(f"faq_add_submit:{proposal.pk}", {"question": "Q?", "answer": "A."}, who="mod")
    assert ephemeral_text(refused) == faq_services.NOT_ADMIN and not FaqEntry.objects.exists()

    added = submit(
        f"faq_add_submit:{proposal.pk}",
        {"question": "The reset email does not arrive?", "answer": "Look in your spam folder."},
        who="admin",
    )
    assert ephemeral_text(added) == "Added to the FAQ: **The reset email does not arrive?**."
    entry = FaqEntry.objects.get()
    assert (entry.guild_id, entry.created_by, entry.answer) == (GUILD_ID, ADMIN, "Look in your spam folder.")
    deliver()
    edited = emulator.get_message(desk["logs"], post["id"])
    assert all(b["disabled"] for b in edited["components"][0]["components"])
    assert f"Added to the FAQ by <@{ADMIN}>" in edited["embeds"][0]["fields"][1]["value"]
    again = click(f"faq_dismiss:{proposal.pk}", who="mod")
    assert ephemeral_text(again) == "This FAQ proposal was already added to the FAQ."


def test_two_similar_tickets_post_no_proposal(emulator, desk):
    closed_through_discord(desk, RESET[:2])
    deliver()
    assert not FaqProposal.objects.exists()
    assert not [m for m in log_posts(emulator, desk) if m["embeds"]]


def test_staff_dismiss_a_proposal_and_members_are_refused(emulator, desk):
    closed_through_discord(desk, RESET[:3])
    deliver()
    proposal = FaqProposal.objects.get()
    assert ephemeral_text(click(f"faq_dismiss:{proposal.pk}", who="member")) == faq_services.NOT_STAFF
    assert FaqProposal.objects.get().status == ProposalStatus.PROPOSED
    assert ephemeral_text(click(f"faq_dismiss:{proposal.pk}", who="mod")) == handlers.DISMISSED
    deliver()
    edited = emulator.get_message(desk["logs"], FaqProposal.objects.get().log_message_id)
    assert f"Dismissed by <@{MOD}>" in edited["embeds"][0]["fields"][1]["value"]
    assert FaqProposal.objects.get().status == ProposalStatus.DISMISSED


def test_without_a_log_channel_the_proposal_is_kept_unposted(emulator, desk):
    guild_configure(guild_id=GUILD_ID, channels={"logs": None})
    closed_through_discord(desk, RESET[:3])
    deliver()
    proposal = FaqProposal.objects.get()
    assert proposal.log_message_id is None and proposal.status == ProposalStatus.PROPOSED
    assert not BotAction.objects.filter(dedupe_key=post_key(proposal)).exists()
    # Acting on it elsewhere (the back office) edits nothing that was never posted.
    services.faq_proposal_dismiss(guild_id=GUILD_ID, actor=Actor(is_staff=True), proposal_id=proposal.pk)
    assert not BotAction.objects.filter(dedupe_key__startswith=post_key(proposal)).exists()


# ---------------------------------------------------------------------------- /faq


def faq_entries(n: int) -> None:
    for k in range(n):
        services.faq_entry_create(
            guild_id=GUILD_ID,
            actor=Actor(is_staff=True),
            question=f"Password reset question {k}",
            answer=f"Answer {k}: the reset email is in your spam folder.",
        )


def test_faq_search_pages_its_matches(emulator, desk):
    faq_entries(7)
    services.faq_entry_create(
        guild_id=GUILD_ID, actor=Actor(is_staff=True), question="Guild bank access", answer="Ask an officer."
    )
    first = command("faq", who="member", options=[{"name": "query", "type": 3, "value": "Password RESET!"}])
    text = ephemeral_text(first)
    assert text.startswith("**FAQ: password reset**") and "Page 1 of 2" in text
    assert text.count("**Password reset question") == 5 and "Guild bank" not in text
    previous, following = first["data"]["components"][0]["components"]
    assert following["custom_id"] == "page:faq.password-reset.1" and previous["disabled"]
    second = click(following["custom_id"], who="other")
    assert second["type"] == 7 and "Page 2 of 2" in second["data"]["content"]
    assert second["data"]["content"].count("**Password reset question") == 2


def test_faq_search_without_a_match_says_so(emulator, desk):
    faq_entries(1)
    answer = command("faq", who="member", options=[{"name": "query", "type": 3, "value": "dragon mounts"}])
    assert ephemeral_text(answer) == handlers.NO_MATCH.format(query="dragon mounts")
    blank = command("faq", who="member", options=[{"name": "query", "type": 3, "value": "?!"}])
    assert ephemeral_text(blank) == faq_services.QUERY_EMPTY


# ---------------------------------------------------------------------------- before opening


@pytest.fixture
def reset_entry(desk) -> FaqEntry:
    return services.faq_entry_create(
        guild_id=GUILD_ID,
        actor=Actor(is_staff=True),
        question="The password reset email does not arrive",
        answer="Look in your spam folder: the reset email often lands there.",
    )


def offered(who: str = "member") -> dict:
    answer = submit(
        support_presenter.SUBMIT_ACTION,
        {"topic": "Reset email never arrives", "description": "No password reset email"},
        who=who,
    )
    assert answer["data"]["flags"] == 64
    return answer


def test_matching_faq_entries_are_offered_before_opening_and_this_answers_it(emulator, desk, reset_entry):
    answer = offered()
    assert answer["data"]["embeds"][0]["title"] == reset_entry.question
    draft = TicketDraft.objects.get()
    buttons = answer["data"]["components"][0]["components"]
    assert [(b["label"], b["custom_id"]) for b in buttons] == [
        ("This answers it", f"faq_answered:{draft.pk}"),
        ("Open the ticket anyway", f"faq_open_anyway:{draft.pk}"),
    ]
    assert not SupportTicket.objects.exists()

    done = click(f"faq_answered:{draft.pk}", who="member")
    assert done["type"] == 7 and done["data"]["content"] == presenter.ANSWERED and done["data"]["components"] == []
    assert FaqEntry.objects.get().deflections == 1 and not SupportTicket.objects.exists()


def test_open_the_ticket_anyway_opens_it_with_what_was_submitted(emulator, desk, reset_entry):
    offered()
    draft = TicketDraft.objects.get()
    opened = click(f"faq_open_anyway:{draft.pk}", who="member")
    assert opened["type"] == 7 and opened["data"]["content"].startswith(support_presenter.OPENING.format(number=1))
    # Opened from the draft, the answer says when the next shift starts, as from the modal.
    assert opened["data"]["content"].endswith(NO_UPCOMING_SHIFT)
    ticket = SupportTicket.objects.get()
    assert (ticket.topic, ticket.description, ticket.user_id) == (
        "Reset email never arrives",
        "No password reset email",
        REQUESTER,
    )
    deliver()
    assert any(c["name"] == "ticket-1" for c in emulator.channels(GUILD_ID))
    assert FaqEntry.objects.get().deflections == 0


def test_another_member_pressing_the_drafts_buttons_is_refused(emulator, desk, reset_entry):
    offered()
    draft = TicketDraft.objects.get()
    for action in ("faq_answered", "faq_open_anyway"):
        assert ephemeral_text(click(f"{action}:{draft.pk}", who="other")) == faq_services.DRAFT_NOT_YOURS
    assert not SupportTicket.objects.exists() and FaqEntry.objects.get().deflections == 0
    assert TicketDraft.objects.get().outcome == ""


def test_without_a_matching_entry_the_modal_opens_the_ticket_as_before(emulator, desk, reset_entry):
    answer = submit(support_presenter.SUBMIT_ACTION, {"topic": "Raid signup broken"}, who="member")
    assert ephemeral_text(answer).startswith(support_presenter.OPENING.format(number=1))
    assert not TicketDraft.objects.exists()
