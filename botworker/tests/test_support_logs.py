"""The support desk's log channel and auto-close through the outbox and the Discord emulator:
opened, claimed, closed and deleted tickets each get one line (nobody pinged), a closed ticket's
transcript arrives as files, and the auto-close warns in the ticket's channel (pinging its
requester) and then closes it, logged as an auto-close.

The deliverer works in another database connection, so these tests commit (transactional)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from botworker.guilds import guild_configure
from botworker.presenters import support as presenter
from botworker.tests.factories import GUILD_ID
from botworker.tests.outbox_helpers import deliver
from botworker.tests.test_support_discord import (  # noqa: F401 - the desk fixture
    MOD,
    REQUESTER,
    SUPPORTER,
    click,
    command,
    desk,
    submit,
)
from config.actors import Actor
from support import services
from support.models import SupportTicket, TicketStatus
from support.services.autoclose import ticket_auto_close_check

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def logs(emulator, desk) -> str:  # noqa: F811 - the fixture
    channel = emulator.add_channel(GUILD_ID, "logs")
    guild_configure(guild_id=GUILD_ID, channels={"logs": int(channel["id"])})
    return channel["id"]


def open_ticket() -> SupportTicket:
    submit(presenter.SUBMIT_ACTION, {"topic": "Cannot log in"})
    assert deliver() == Counter(done=3)  # the log line, the channel, then the message in it
    return SupportTicket.objects.get()


def log_lines(emulator, logs: str) -> list[str]:
    return [m["content"] for m in emulator.messages(logs)]


def test_open_claim_close_and_delete_are_logged_once_each_with_the_transcript(emulator, logs) -> None:
    ticket = open_ticket()
    assert log_lines(emulator, logs) == [f"🎫 Ticket #1 opened by <@{REQUESTER}>: Cannot log in"]

    click(f"ticket_claim:{ticket.pk}", who="support")
    command(
        "ticket_close",
        who="mod",
        channel_id=ticket.channel_id,
        options=[{"name": "reason", "type": 3, "value": "Reset it"}],
    )
    click(f"ticket_delete_confirm:{ticket.pk}", who="support")
    delivered = deliver()
    assert delivered == Counter(done=sum(delivered.values()))

    messages = emulator.messages(logs)
    assert [m["content"] for m in messages if not m["attachments"]] == [
        f"🎫 Ticket #1 opened by <@{REQUESTER}>: Cannot log in",
        f"🙋 Ticket #1 claimed by <@{SUPPORTER}>.",
        f"🔒 Ticket #1 closed by <@{MOD}>: Reset it",
        f"🗑️ Ticket #1 deleted by <@{SUPPORTER}>.",
    ]
    assert all(m["mentions"] == [] for m in messages)
    [transcript] = [m for m in messages if m["attachments"]]
    assert [a["filename"] for a in transcript["attachments"]] == [
        "ticket-1-transcript.txt",
        "ticket-1-transcript.html",
    ]
    text = emulator.state.attachments[transcript["attachments"][0]["id"]][0].decode()
    assert text.startswith("Ticket: #1: Cannot log in\n") and "Reason: Reset it" in text
    assert deliver() == Counter()  # nothing posted twice


def test_auto_close_warns_in_the_channel_then_closes_and_logs_it(emulator, logs) -> None:
    ticket = open_ticket()
    services.ticket_wait_for_user(guild_id=GUILD_ID, actor=Actor(user_id=MOD, is_moderator=True), ticket_id=ticket.pk)
    now = timezone.now()
    SupportTicket.objects.filter(pk=ticket.pk).update(requester_last_message_at=now - timedelta(days=5))
    assert ticket_auto_close_check(ticket_id=ticket.pk, now=now) == "warned"
    deliver()
    [warning] = [m for m in emulator.messages(ticket.channel_id) if "waiting for your answer" in m["content"]]
    assert [u["id"] for u in warning["mentions"]] == [str(REQUESTER)]
    close_at = int((now + timedelta(days=9)).timestamp())
    assert f"<t:{close_at}:F>" in warning["content"]

    assert ticket_auto_close_check(ticket_id=ticket.pk, now=now + timedelta(days=9)) == "closed"
    deliver()
    assert SupportTicket.objects.get().status == TicketStatus.CLOSED
    assert emulator.state.channels[str(ticket.channel_id)]["name"] == "closed-1"
    lines = log_lines(emulator, logs)
    assert "🔒 Ticket #1 auto-closed: No answer from the requester for 14 days (auto-close)." in lines
    assert any(line.startswith("📄 Transcript of ticket #1") and "Guildhall (auto-close)" in line for line in lines)
