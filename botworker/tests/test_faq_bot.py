"""Repeated topics with the real bot process (`manage.py runbot`, discord.py) against the Discord
emulator: tickets opened with the ticket modal, their conversations recorded from the gateway,
closed by a moderator; after two similar tickets no FAQ proposal is posted, after the third one
is, in the staff log channel, with Add to FAQ and Dismiss."""

from __future__ import annotations

import pytest

from botworker.interactions import handle_interaction
from botworker.models import BotAction
from botworker.presenters import support as presenter
from botworker.tests.factories import modal_payload
from botworker.tests.support_desk import MODERATOR, desk  # noqa: F401 - the fixture
from botworker.tests.test_bot import GUILD, MEMBER, bot, bot_env, start_ready  # noqa: F401 - fixtures
from conftest import wait_for
from support.models import FaqProposal, SupportTicket, TicketMessage, TicketStatus
from support.tests.faq_world import RESET

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def ticket_through_discord(
    emulator, room: dict, number: int, topic: str, asked: list[str], answered: list[str]
) -> None:
    """Open a ticket with the modal, talk in its channel over the gateway, and close it."""
    opened = handle_interaction(
        modal_payload(
            presenter.SUBMIT_ACTION, {"topic": topic, "description": asked[0]}, guild_id=GUILD, user_id=MEMBER
        )
    )
    assert opened["data"]["content"].startswith(presenter.OPENING.format(number=number)), opened
    ticket = wait_for(
        lambda: SupportTicket.objects.filter(number=number, control_message_id__isnull=False).first(),
        timeout=30,
        message=f"ticket #{number}'s channel and its message, made by the bot",
    )
    channel = str(ticket.channel_id)
    for text in asked[1:]:
        emulator.send_message_create(channel, text, author_id=str(MEMBER), guild_id=str(GUILD))
    for text in answered:
        emulator.send_message_create(channel, text, author_id=str(MODERATOR), guild_id=str(GUILD))
    expected = len(asked) - 1 + len(answered)
    wait_for(
        lambda: TicketMessage.objects.filter(ticket=ticket).count() == expected,
        timeout=30,
        message=f"ticket #{number}'s conversation recorded by the bot",
    )
    closed = handle_interaction(
        modal_payload(
            f"{presenter.CLOSE_REASON_ACTION}:{ticket.pk}",
            {"reason": "answered"},
            guild_id=GUILD,
            user_id=MODERATOR,
            roles=[room["moderators"]],
        )
    )
    assert closed["type"] in (4, 7), closed
    assert SupportTicket.objects.get(pk=ticket.pk).status == TicketStatus.CLOSED


def delivered_everything() -> bool:
    return not BotAction.objects.exclude(status=BotAction.Status.DONE).exists()


def proposals_posted(emulator, room: dict) -> list[dict]:
    return [m for m in emulator.messages(room["logs"]) if m["embeds"] and "Repeated topic" in m["embeds"][0]["title"]]


def test_no_proposal_after_two_similar_tickets_and_one_after_the_third(
    emulator,
    desk,  # noqa: F811 - the fixture
    bot,  # noqa: F811 - the fixture
) -> None:
    start_ready(bot, emulator)
    for number, case in enumerate(RESET[:2], start=1):
        ticket_through_discord(emulator, desk, number, *case)
    wait_for(
        lambda: sum(1 for m in emulator.messages(desk["logs"]) if m["attachments"]) == 2 and delivered_everything(),
        timeout=30,
        message="both transcripts in the log channel and the outbox empty",
    )
    assert proposals_posted(emulator, desk) == [] and not FaqProposal.objects.exists()
    transcripts = [m for m in emulator.messages(desk["logs"]) if m["attachments"]]
    assert all("📝 **Summary** (local summariser): " in m["content"] for m in transcripts)

    ticket_through_discord(emulator, desk, 3, *RESET[2])
    [post] = wait_for(lambda: proposals_posted(emulator, desk), timeout=30, message="the FAQ proposal in the log")
    proposal = FaqProposal.objects.get()
    assert post["embeds"][0]["fields"][0]["value"] == "3 similar tickets: #1, #2, #3"
    assert [b["label"] for b in post["components"][0]["components"]] == ["Add to FAQ", "Dismiss"]
    assert "spam" in post["embeds"][0]["description"]
    wait_for(
        lambda: FaqProposal.objects.filter(pk=proposal.pk, log_message_id=int(post["id"])).exists(),
        timeout=30,
        message="the post's id handed back to the proposal",
    )
