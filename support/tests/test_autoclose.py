"""Auto-close with a fixed clock: a ticket waiting for its requester is warned after the warning
days and closed after the closing days, measured from the requester's last message; the warning
and the close happen once; a reply from the requester cancels it; the requester always gets the
days between warning and close; tickets not waiting are left alone. Plus the periodic task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from botworker.models import BotAction
from config.actors import Actor
from support import services
from support.models import SupportTicket, TicketStatus, TicketStatusChange, TicketTranscript
from support.services.autoclose import AUTO_CLOSE_REASON, ticket_auto_close_check, tickets_due_for_auto_close
from support.signals import ticket_auto_close_warned
from support.tasks import auto_close_idle_tickets
from support.tests.factories import GUILD, MOD, REQUESTER, SupportSettingsFactory, TicketFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHANNEL = 766_000_000_000_000_001
MODERATOR = Actor(user_id=MOD, is_moderator=True)


@pytest.fixture
def waiting() -> SupportTicket:
    SupportSettingsFactory()  # 5 and 14 days, the defaults
    ticket = TicketFactory(channel_id=CHANNEL, requester_last_message_at=T0)
    services.ticket_wait_for_user(guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, now=T0)
    return ticket


@pytest.fixture
def warnings() -> list[datetime]:
    sent = []

    def record(sender, ticket, close_at, **kwargs):
        sent.append(close_at)

    ticket_auto_close_warned.connect(record, dispatch_uid="test.warnings")
    yield sent
    ticket_auto_close_warned.disconnect(dispatch_uid="test.warnings")


def check(ticket: SupportTicket, days: float) -> str | None:
    return ticket_auto_close_check(ticket_id=ticket.pk, now=T0 + timedelta(days=days))


def requester_says(ticket: SupportTicket, days: float) -> None:
    services.ticket_record_message(
        guild_id=GUILD,
        channel_id=CHANNEL,
        message_id=771_000_000_000_000_000 + int(days * 1000),
        author=Actor(user_id=REQUESTER),
        content="still here",
        created_at=T0 + timedelta(days=days),
    )


def test_warned_after_5_days_once_then_closed_after_14_by_the_system(waiting, warnings) -> None:
    assert check(waiting, 4.99) is None
    assert check(waiting, 5) == "warned"
    assert warnings == [T0 + timedelta(days=14)]
    assert SupportTicket.objects.get().auto_close_warned_at == T0 + timedelta(days=5)
    assert check(waiting, 6) is None and check(waiting, 13.99) is None
    assert len(warnings) == 1

    assert check(waiting, 14) == "closed"
    ticket = SupportTicket.objects.get()
    assert (ticket.status, ticket.closed_by, ticket.closed_at) == (TicketStatus.CLOSED, None, T0 + timedelta(days=14))
    assert ticket.close_reason == AUTO_CLOSE_REASON.format(days=14)
    last = TicketStatusChange.objects.filter(ticket=ticket).last()
    assert (last.from_status, last.to_status, last.changed_by) == ("waiting_for_user", "closed", None)
    assert TicketTranscript.objects.filter(ticket=ticket).exists()
    assert check(waiting, 15) is None
    assert TicketStatusChange.objects.filter(ticket=ticket, to_status="closed").count() == 1


def test_a_reply_from_the_requester_cancels_it_and_the_clock_restarts(waiting, warnings) -> None:
    assert check(waiting, 5) == "warned"
    requester_says(waiting, 6)
    assert SupportTicket.objects.get().auto_close_warned_at is None
    assert check(waiting, 10.99) is None  # the warning that was sent no longer holds
    assert check(waiting, 11) == "warned"  # 5 days after the reply
    assert warnings[-1] == T0 + timedelta(days=20)
    assert check(waiting, 19.99) is None
    assert check(waiting, 20) == "closed"


def test_a_message_of_staff_does_not_restart_the_clock(waiting) -> None:
    services.ticket_record_message(
        guild_id=GUILD,
        channel_id=CHANNEL,
        message_id=772_000_000_000_000_001,
        author=MODERATOR,
        content="any news?",
        created_at=T0 + timedelta(days=4),
    )
    assert check(waiting, 5) == "warned"


def test_set_waiting_long_after_the_last_message_it_is_warned_first_and_given_the_days_between(warnings) -> None:
    SupportSettingsFactory()
    ticket = TicketFactory(channel_id=CHANNEL, requester_last_message_at=T0)
    services.ticket_wait_for_user(guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, now=T0 + timedelta(days=20))
    assert check(ticket, 20) == "warned"
    assert warnings == [T0 + timedelta(days=29)]
    assert check(ticket, 28.99) is None
    assert check(ticket, 29) == "closed"


def test_set_waiting_again_a_warning_of_the_earlier_wait_does_not_count(waiting) -> None:
    assert check(waiting, 5) == "warned"
    services.ticket_claim(guild_id=GUILD, actor=MODERATOR, ticket_id=waiting.pk, now=T0 + timedelta(days=6))
    assert check(waiting, 14) is None  # claimed: not waiting for the requester
    services.ticket_wait_for_user(guild_id=GUILD, actor=MODERATOR, ticket_id=waiting.pk, now=T0 + timedelta(days=15))
    assert check(waiting, 15) == "warned"
    assert SupportTicket.objects.get().status == TicketStatus.WAITING_FOR_USER


def test_the_guilds_own_days_apply(warnings) -> None:
    SupportSettingsFactory(auto_close_warn_days=2, auto_close_days=3)
    ticket = TicketFactory(channel_id=CHANNEL, requester_last_message_at=T0)
    services.ticket_wait_for_user(guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, now=T0)
    assert check(ticket, 1.99) is None
    assert check(ticket, 2) == "warned"
    assert check(ticket, 3) == "closed"


def test_open_claimed_and_closed_tickets_are_never_candidates() -> None:
    SupportSettingsFactory()
    for status in (TicketStatus.OPEN, TicketStatus.CLAIMED, TicketStatus.ESCALATED):
        TicketFactory(status=status, requester_last_message_at=T0)
    now = T0 + timedelta(days=30)
    assert tickets_due_for_auto_close(now=now) == []


def test_the_periodic_task_is_declared_and_warns_and_closes_each_ticket_once(warnings) -> None:
    assert settings.PERIODIC_TASKS["support auto-close"]["task"] == "support.auto_close_idle_tickets"
    SupportSettingsFactory()
    now = timezone.now()
    to_warn = TicketFactory(channel_id=CHANNEL, requester_last_message_at=now - timedelta(days=6))
    to_close = TicketFactory(channel_id=CHANNEL + 1, requester_last_message_at=now - timedelta(days=15))
    quiet = TicketFactory(channel_id=CHANNEL + 2, requester_last_message_at=now - timedelta(days=2))
    for ticket in (to_warn, to_close, quiet):
        services.ticket_wait_for_user(guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, now=now - timedelta(days=1))
    SupportTicket.objects.filter(pk=to_close.pk).update(auto_close_warned_at=now - timedelta(days=10))

    assert auto_close_idle_tickets() == {"warned": 1, "closed": 1}
    assert auto_close_idle_tickets() == {"warned": 0, "closed": 0}
    assert SupportTicket.objects.get(pk=to_close.pk).status == TicketStatus.CLOSED
    assert SupportTicket.objects.get(pk=quiet.pk).auto_close_warned_at is None
    # The warning went to the outbox once, in the ticket's channel, pinging its requester.
    [warning] = BotAction.objects.filter(dedupe_key__contains=f"{to_warn.pk}:auto-close-warning")
    assert warning.payload["channel_id"] == str(CHANNEL) and warning.payload["mention_users"] == [str(REQUESTER)]
    assert f"<@{REQUESTER}>, this ticket is waiting for your answer" in warning.payload["content"]
