"""Helpers for the summaries and FAQ tests: tickets with a conversation, closed by staff."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from django.utils import timezone

from config.actors import Actor
from support import services
from support.models import SupportTicket, TicketMessage
from support.tests.factories import CATEGORY, GUILD, MOD

MODERATOR = Actor(user_id=MOD, is_moderator=True)
ADMIN = Actor(user_id=MOD + 7, is_admin=True)
_ids = count(990_000_000_000_000_001)

# Three ways members asked the same thing, and two other topics.
RESET = [
    (
        "Cannot reset my password",
        ["I forgot my password and the reset email never arrives."],
        [
            "Check your spam folder, the reset email comes from noreply.",
            "Found it in spam, password reset works now.",
        ],
    ),
    (
        "Password reset email missing",
        ["The password reset email does not arrive."],
        [
            "Look in the spam folder for the reset email.",
            "Thanks, the reset email was in spam.",
        ],
    ),
    (
        "Reset password link",
        ["I asked for a password reset but got no email."],
        [
            "Reset emails land in spam sometimes, check it.",
            "Got the reset email from spam.",
        ],
    ),
    (
        "Password reset never arrives",
        ["No reset email for my password."],
        [
            "The reset email goes to spam, look there.",
            "It was in spam, thanks.",
        ],
    ),
]
OTHER = [
    (
        "Raid signup broken",
        ["The raid signup button does nothing on mobile."],
        ["Update the app, the raid signup needs the latest version."],
    ),
    ("Guild bank access", ["How do I get guild bank access?"], ["Officers grant bank access after two weeks."]),
]


def talk(ticket: SupportTicket, *texts: str, author_id: int | None = None, staff: bool = False) -> None:
    start = timezone.now()
    for n, text in enumerate(texts):
        TicketMessage.objects.create(
            ticket=ticket,
            message_id=next(_ids),
            author_id=author_id or ticket.user_id,
            author_is_staff=staff,
            content=text,
            created_at=start + timedelta(seconds=n),
        )


def ticket_with_conversation(topic: str, asked: list[str], answered: list[str], *, user_id: int) -> SupportTicket:
    ticket = services.ticket_open(
        guild_id=GUILD, actor=Actor(user_id=user_id), topic=topic, description=asked[0], category_id=CATEGORY
    )
    talk(ticket, *asked[1:])
    talk(ticket, *answered, author_id=MOD, staff=True)
    return ticket


def close(ticket: SupportTicket, reason: str = "solved") -> SupportTicket:
    return services.ticket_close(guild_id=ticket.guild_id, actor=MODERATOR, ticket_id=ticket.pk, reason=reason)


def closed_tickets(cases, *, first_user: int = 990_100_000_000_000_001) -> list[SupportTicket]:
    return [
        close(ticket_with_conversation(topic, asked, answered, user_id=first_user + n))
        for n, (topic, asked, answered) in enumerate(cases)
    ]
