"""The support desk with the real bot process (`manage.py runbot`, discord.py) against the Discord
emulator: the messages of a ticket's channel are recorded from the gateway (first response and
the requester's last message exact, attachments, edits), and closing the ticket posts its
transcript, as text and HTML files, in the log channel."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from botworker.emulator.snowflakes import iso
from botworker.interactions import handle_interaction
from botworker.presenters import support as presenter
from botworker.tests.factories import modal_payload, next_id
from botworker.tests.support_desk import MODERATOR, desk  # noqa: F401 - the fixture
from botworker.tests.test_bot import GUILD, MEMBER, bot, bot_env, start_ready  # noqa: F401 - fixtures
from conftest import wait_for
from support.models import SupportTicket, TicketMessage, TicketStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def stamp(payload: dict) -> datetime:
    return datetime.fromisoformat(payload["timestamp"]).astimezone(UTC)


def test_the_conversation_is_recorded_from_the_gateway_and_the_transcript_reaches_the_log_channel(
    emulator,
    desk,  # noqa: F811 - the fixture
    bot,  # noqa: F811 - the fixture
) -> None:
    start_ready(bot, emulator)
    answer = handle_interaction(
        modal_payload(presenter.SUBMIT_ACTION, {"topic": "Lost <items>"}, guild_id=GUILD, user_id=MEMBER)
    )
    assert answer["data"]["content"].startswith(presenter.OPENING.format(number=1))
    ticket = wait_for(
        lambda: SupportTicket.objects.filter(control_message_id__isnull=False).first(),
        timeout=20,
        message="the ticket's channel and its message, made by the bot",
    )
    channel = str(ticket.channel_id)

    asked = emulator.send_message_create(channel, "my sword vanished", author_id=str(MEMBER), guild_id=str(GUILD))
    answered = emulator.send_message_create(
        channel, "checking <b>now</b>", author_id=str(MODERATOR), guild_id=str(GUILD)
    )
    emulator.send_message_create(desk["logs"], "not a ticket's channel", author_id=str(MEMBER), guild_id=str(GUILD))
    screenshot = copy.deepcopy(asked)
    screenshot.update(
        id=str(next_id()),
        content="here is a screenshot",
        attachments=[
            {
                "id": str(next_id()),
                "filename": "shot.png",
                "url": "https://cdn.example/shot.png",
                "proxy_url": "https://media.example/shot.png",
                "size": 3,
            }
        ],
    )
    emulator.dispatch("MESSAGE_CREATE", screenshot)
    edited = {
        **copy.deepcopy(asked),
        "content": "my sword vanished yesterday",
        "edited_timestamp": iso(stamp(answered)),
    }
    emulator.dispatch("MESSAGE_UPDATE", edited)

    # (The emulator does not echo the bot's own messages on the gateway as Discord does.)
    wait_for(
        lambda: (
            TicketMessage.objects.filter(ticket=ticket).count() == 3
            and TicketMessage.objects.filter(edited_at__isnull=False).exists()
        ),
        timeout=20,
        message="the channel's messages and the edit recorded by the bot",
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at == stamp(answered)
    assert ticket.requester_last_message_at == stamp(screenshot)
    recorded = {m.content: (m.author_id, m.author_is_staff, m.author_is_bot) for m in ticket.messages.all()}
    assert recorded["my sword vanished yesterday"] == (MEMBER, False, False)
    assert recorded["checking <b>now</b>"] == (MODERATOR, True, False)
    assert TicketMessage.objects.get(content="here is a screenshot").attachments == [
        {"filename": "shot.png", "url": "https://cdn.example/shot.png"}
    ]

    closed = handle_interaction(
        modal_payload(
            f"{presenter.CLOSE_REASON_ACTION}:{ticket.pk}",
            {"reason": "found it"},
            guild_id=GUILD,
            user_id=MODERATOR,
            roles=[desk["moderators"]],
        )
    )
    assert closed["type"] in (4, 7), closed
    assert SupportTicket.objects.get().status == TicketStatus.CLOSED

    def transcript_post() -> dict | None:
        return next((m for m in emulator.messages(desk["logs"]) if m["attachments"]), None)

    post = wait_for(transcript_post, timeout=20, message="the transcript in the log channel")
    assert post["content"].startswith("📄 Transcript of ticket #1 (Lost <items>)")
    files = {a["filename"]: emulator.state.attachments[a["id"]][0].decode() for a in post["attachments"]}
    assert set(files) == {"ticket-1-transcript.txt", "ticket-1-transcript.html"}
    text, html = files["ticket-1-transcript.txt"], files["ticket-1-transcript.html"]
    assert "Reason: found it" in text
    assert "    my sword vanished yesterday" in text and "    checking <b>now</b>" in text
    assert "    attachment: shot.png <https://cdn.example/shot.png>" in text
    assert "checking &lt;b&gt;now&lt;/b&gt;" in html and "<b>now</b>" not in html
    assert "not a ticket" not in text
    assert ticket.transcript.text == text
