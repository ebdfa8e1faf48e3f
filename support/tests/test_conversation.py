"""The conversation of a ticket's channel: messages recorded once, the first staff response and the
requester's last message exact whatever the order of arrival, edits, and the transcript (text and
escaped HTML) kept when the ticket is closed or deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config.actors import Actor
from support import services
from support.models import SupportTicket, TicketMessage, TicketTranscript
from support.tests.factories import (
    GUILD,
    MOD,
    OTHER_GUILD,
    OTHER_MEMBER,
    REQUESTER,
    STAFF_ROLE,
    SUPPORTER,
    SupportSettingsFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db

CHANNEL = 765_000_000_000_000_001
OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MODERATOR = Actor(user_id=MOD, is_moderator=True)
BOT = 769_000_000_000_000_001


@pytest.fixture
def ticket() -> SupportTicket:
    SupportSettingsFactory()
    return TicketFactory(channel_id=CHANNEL, username="requester", requester_last_message_at=OPENED)


def say(author: Actor, minutes: int, content: str = "hello", *, message_id=None, bot=False, **kwargs):
    return services.ticket_record_message(
        guild_id=kwargs.pop("guild_id", GUILD),
        channel_id=kwargs.pop("channel_id", CHANNEL),
        message_id=message_id or 770_000_000_000_000_000 + minutes,
        author=author,
        author_name=kwargs.pop("name", f"user{author.user_id % 1000}"),
        author_is_bot=bot,
        content=content,
        created_at=OPENED + timedelta(minutes=minutes),
        **kwargs,
    )


def test_the_requesters_messages_move_their_last_message_and_staff_sets_the_first_response(ticket) -> None:
    say(Actor(user_id=REQUESTER), 5, "it still fails")
    say(Actor(user_id=BOT), 6, "bot notice", bot=True)
    say(Actor(user_id=OTHER_MEMBER), 7, "me too")  # a member let in, not staff
    assert SupportTicket.objects.get().first_response_at is None
    say(Actor(user_id=SUPPORTER, role_ids=frozenset({STAFF_ROLE})), 20, "on it")
    say(MODERATOR, 10, "looking")  # arrives later, written earlier: the first response is the earliest
    say(Actor(user_id=REQUESTER), 3, "first words")  # an older message does not move the clock back

    ticket.refresh_from_db()
    assert ticket.first_response_at == OPENED + timedelta(minutes=10)
    assert ticket.requester_last_message_at == OPENED + timedelta(minutes=5)
    staff = dict(TicketMessage.objects.values_list("content", "author_is_staff"))
    assert staff == {
        "it still fails": False,
        "bot notice": False,
        "me too": False,
        "on it": True,
        "looking": True,
        "first words": False,
    }


def test_a_message_is_recorded_once_and_other_channels_and_guilds_are_not_recorded(ticket) -> None:
    assert say(Actor(user_id=REQUESTER), 5, message_id=1234) is not None
    assert say(Actor(user_id=REQUESTER), 5, "replayed", message_id=1234) is None
    assert say(Actor(user_id=REQUESTER), 6, channel_id=CHANNEL + 1) is None
    assert say(Actor(user_id=REQUESTER), 7, guild_id=OTHER_GUILD) is None
    assert list(TicketMessage.objects.values_list("message_id", "content")) == [(1234, "hello")]


def test_an_edit_replaces_the_content_and_attachments_and_records_when(ticket) -> None:
    say(Actor(user_id=REQUESTER), 5, "typo", message_id=99, attachments=[{"filename": "a.png", "url": "https://x/a"}])
    edited = OPENED + timedelta(minutes=8)
    services.ticket_record_message_edit(
        channel_id=CHANNEL, message_id=99, content="fixed", attachments=None, edited_at=edited
    )
    message = TicketMessage.objects.get()
    assert (message.content, message.edited_at) == ("fixed", edited)
    assert message.attachments == [{"filename": "a.png", "url": "https://x/a"}]
    assert (
        services.ticket_record_message_edit(
            channel_id=CHANNEL, message_id=100, content="x", attachments=None, edited_at=edited
        )
        is None
    )


def test_closing_keeps_a_transcript_in_text_and_escaped_html(ticket) -> None:
    say(Actor(user_id=REQUESTER), 5, "<script>alert(1)</script> & co")
    say(
        MODERATOR,
        9,
        "see the log",
        name="Mod",
        attachments=[{"filename": "log.txt", "url": "https://cdn/log.txt"}, {"filename": "x", "url": "javascript:x"}],
    )
    services.ticket_close(guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, reason="solved", now=OPENED)

    transcript = TicketTranscript.objects.get(ticket=ticket)
    assert transcript.message_count == 2
    lines = transcript.text.splitlines()
    assert lines[0] == f"Ticket: #{ticket.number}: Cannot log in"
    assert "Reason: solved" in lines
    assert f"[2026-03-02 09:05:00 UTC] user1 ({REQUESTER}):" in lines
    assert f"[2026-03-02 09:09:00 UTC] Mod ({MOD}) [staff]:" in lines
    assert "    <script>alert(1)</script> & co" in lines
    assert "    attachment: log.txt <https://cdn/log.txt>" in lines
    assert "<script>" not in transcript.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in transcript.html
    assert '<a href="https://cdn/log.txt">log.txt</a>' in transcript.html
    assert 'href="javascript' not in transcript.html
    assert transcript.text_filename == f"ticket-{ticket.number}-transcript.txt"


def test_deleting_an_open_ticket_keeps_a_transcript_and_a_closed_one_keeps_its_first(ticket) -> None:
    say(Actor(user_id=REQUESTER), 5, "before the close")
    services.ticket_close(guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, reason="solved", now=OPENED)
    say(Actor(user_id=REQUESTER), 6, "after the close")
    services.ticket_delete(guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, now=OPENED)
    assert TicketTranscript.objects.get(ticket=ticket).message_count == 1

    other = TicketFactory(channel_id=CHANNEL + 1, requester_last_message_at=OPENED)
    say(Actor(user_id=REQUESTER), 7, "hello?", channel_id=CHANNEL + 1)
    services.ticket_delete(guild_id=GUILD, actor=MODERATOR, ticket_id=other.pk, now=OPENED)
    transcript = TicketTranscript.objects.get(ticket=other)
    assert transcript.message_count == 1 and "Reason: deleted" in transcript.text


def test_the_ticket_admin_shows_its_conversation_and_transcript(ticket, admin_client) -> None:
    say(Actor(user_id=REQUESTER), 5, "words of the requester")
    services.ticket_close(guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, reason="solved", now=OPENED)
    response = admin_client.get(f"/admin/support/supportticket/{ticket.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("words of the requester") == 2  # the message, and the transcript's text
