"""A guild's tickets with known times, made through the services, for the statistics tests: the
figures of each scope are computed by hand in the tests from the table below.

NOW = 2026-06-30 12:00 UTC. Times relative to each ticket's opening unless said otherwise.

====  =================  ========  ==============  =====================  ===================  ======
 #    opened             topic     first response  claimed                closed               rating
====  =================  ========  ==============  =====================  ===================  ======
 T0   NOW - 60 d         Crash     -               - (waiting, by MOD)    auto-close, +14 d    -
 T1   NOW - 40 d         Login     +30 min         MOD, +1 h              MOD, +1 d            5
 T2   NOW - 30 d exactly Billing   +10 min         SUPPORTER, +20 min     SUPPORTER, +1 d      3
 T3   NOW - 7 d exactly  "login "  +20 min         MOD, +1 h              MOD, +1 d            4
 T4   NOW - 7 d - 1 s    Billing   +40 min         -                      SUPPORTER, NOW - 2 d -
 T5   NOW - 2 d          Crash     +60 min         MOD, NOW - 1 d         (claimed)            -
 T6   NOW - 1 h          login     -               -                      (open)               -
====  =================  ========  ==============  =====================  ===================  ======
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from config.actors import Actor
from support import services
from support.models import SupportTicket
from support.services.autoclose import ticket_auto_close_check
from support.tests.factories import CATEGORY, GUILD, MOD, STAFF_ROLE, SUPPORTER, SupportSettingsFactory

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
MODERATOR = Actor(user_id=MOD, is_moderator=True)
SUPPORT = Actor(user_id=SUPPORTER, role_ids=frozenset({STAFF_ROLE}))
REQUESTERS = count(768_000_000_000_000_001)
IDS = count(769_000_000_000_000_001)
H, MIN, DAY = timedelta(hours=1), timedelta(minutes=1), timedelta(days=1)


def make_ticket(
    topic: str,
    opened: datetime,
    *,
    guild_id: int = GUILD,
    response: timedelta | None = None,
    claim: tuple[Actor, datetime] | None = None,
    close: tuple[Actor, datetime] | None = None,
    rating: int | None = None,
) -> SupportTicket:
    """A ticket opened at `opened` by a new member, with its channel; a staff message after
    `response`, a claim and a close at the given instants, a rating."""
    requester = next(REQUESTERS)
    ticket = services.ticket_open(
        guild_id=guild_id, actor=Actor(user_id=requester), topic=topic, category_id=CATEGORY, now=opened
    )
    channel = next(IDS)
    services.ticket_record_channel(ticket_id=ticket.pk, channel_id=channel)
    if response is not None:
        services.ticket_record_message(
            guild_id=guild_id,
            channel_id=channel,
            message_id=next(IDS),
            author=MODERATOR,
            content="On it.",
            created_at=opened + response,
        )
    if claim is not None:
        services.ticket_claim(guild_id=guild_id, actor=claim[0], ticket_id=ticket.pk, now=claim[1])
    if close is not None:
        services.ticket_close(guild_id=guild_id, actor=close[0], ticket_id=ticket.pk, reason="done", now=close[1])
    if rating is not None:
        services.ticket_rate(ticket_id=ticket.pk, user_id=requester, rating=rating, now=close[1] + H)
    return SupportTicket.objects.get(pk=ticket.pk)


def build_world() -> dict[str, SupportTicket]:
    SupportSettingsFactory()
    t0_opened = NOW - 60 * DAY
    t0 = make_ticket("Crash", t0_opened)
    services.ticket_wait_for_user(guild_id=GUILD, actor=MODERATOR, ticket_id=t0.pk, now=t0_opened + H)
    assert ticket_auto_close_check(ticket_id=t0.pk, now=t0_opened + 5 * DAY) == "warned"
    assert ticket_auto_close_check(ticket_id=t0.pk, now=t0_opened + 14 * DAY) == "closed"
    o1, o2, o3 = NOW - 40 * DAY, NOW - 30 * DAY, NOW - 7 * DAY
    o4 = NOW - 7 * DAY - timedelta(seconds=1)
    return {
        "T0": SupportTicket.objects.get(pk=t0.pk),
        "T1": make_ticket(
            "Login", o1, response=30 * MIN, claim=(MODERATOR, o1 + H), close=(MODERATOR, o1 + DAY), rating=5
        ),
        "T2": make_ticket(
            "Billing", o2, response=10 * MIN, claim=(SUPPORT, o2 + 20 * MIN), close=(SUPPORT, o2 + DAY), rating=3
        ),
        "T3": make_ticket(
            "login ", o3, response=20 * MIN, claim=(MODERATOR, o3 + H), close=(MODERATOR, o3 + DAY), rating=4
        ),
        "T4": make_ticket("Billing", o4, response=40 * MIN, close=(SUPPORT, NOW - 2 * DAY)),
        "T5": make_ticket("Crash", NOW - 2 * DAY, response=60 * MIN, claim=(MODERATOR, NOW - DAY)),
        "T6": make_ticket("login", NOW - H),
    }
