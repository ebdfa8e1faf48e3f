"""The support desk's services: opening (numbers, categories and their overflow, one open ticket
per member), the staff actions with their status history, refusals that write nothing, and the
requester's rating."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from config.actors import Actor
from config.exceptions import ApplicationError
from support import services
from support.models import SupportTicket, TicketStatus, TicketStatusChange
from support.services.messages import (
    ALREADY_CLAIMED,
    ALREADY_OPEN_PENDING,
    BAD_RATING,
    CATEGORIES_FULL,
    NO_CATEGORY,
    NO_ESCALATION_TARGET,
    NOT_REQUESTER,
    NOT_STAFF,
    REASON_REQUIRED,
    TICKET_CLOSED,
    TICKET_NOT_FOUND,
    TOPIC_REQUIRED,
)
from support.signals import ticket_changed, ticket_opened
from support.tests.factories import (
    CATEGORY,
    ESCALATION_ROLE,
    GUILD,
    MOD,
    OTHER_GUILD,
    OTHER_MEMBER,
    OVERFLOW,
    REQUESTER,
    STAFF_ROLE,
    SUPPORTER,
    SupportSettingsFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db

MEMBER = Actor(user_id=REQUESTER)
MODERATOR = Actor(user_id=MOD, is_moderator=True)
SUPPORT = Actor(user_id=SUPPORTER, role_ids=frozenset({STAFF_ROLE}))


@pytest.fixture(autouse=True)
def support_settings():
    return SupportSettingsFactory()


def open_ticket(actor: Actor = MEMBER, **kwargs) -> SupportTicket:
    args = {"guild_id": GUILD, "actor": actor, "topic": "Cannot log in", "category_id": CATEGORY} | kwargs
    return services.ticket_open(**args)


def refused(fn, template: str, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        fn(**kwargs)
    assert caught.value.template == template
    return caught.value


def test_open_numbers_tickets_per_guild_records_history_and_sends_the_event():
    events = []
    ticket_opened.connect(lambda sender, ticket, **kw: events.append(ticket.number), weak=False, dispatch_uid="t")
    try:
        first = open_ticket(topic="  Cannot log in  ", description="help")
        second = open_ticket(actor=Actor(user_id=OTHER_MEMBER))
        elsewhere = open_ticket(guild_id=OTHER_GUILD)
    finally:
        ticket_opened.disconnect(dispatch_uid="t")
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert first.topic == "Cannot log in" and first.status == TicketStatus.OPEN and first.category_id == CATEGORY
    assert events == [1, 2, 1]
    [change] = first.status_changes.all()
    assert (change.from_status, change.to_status, change.changed_by) == ("", "open", REQUESTER)


def test_one_open_ticket_per_member_unless_the_guild_allows_more():
    open_ticket()
    refused(open_ticket, ALREADY_OPEN_PENDING)
    assert SupportTicket.objects.count() == 1
    services.support_settings_update(guild_id=GUILD, actor=Actor(is_admin=True), one_open_per_member=False)
    assert open_ticket().number == 2


def test_a_closed_ticket_does_not_count_against_the_limit():
    ticket = open_ticket()
    services.ticket_close(guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, reason="done")
    assert open_ticket().number == 2


@pytest.mark.parametrize(
    ("kwargs", "template"),
    [
        ({"topic": "   "}, TOPIC_REQUIRED),
        ({"category_id": None}, NO_CATEGORY),
    ],
)
def test_open_refusals_write_nothing(kwargs, template):
    refused(open_ticket, template, **kwargs)
    assert not SupportTicket.objects.exists() and not TicketStatusChange.objects.exists()


def test_a_full_category_overflows_and_both_full_is_refused():
    for n in range(services.CATEGORY_CHANNEL_LIMIT):
        TicketFactory(number=100 + n, user_id=900 + n, category_id=CATEGORY)
    assert open_ticket(overflow_category_id=OVERFLOW).category_id == OVERFLOW
    # A deleted ticket's channel is gone: it frees its place.
    SupportTicket.objects.filter(number=100).update(status=TicketStatus.ARCHIVED, closed_at=timezone.now())
    assert open_ticket(actor=Actor(user_id=OTHER_MEMBER), overflow_category_id=OVERFLOW).category_id == CATEGORY
    for n in range(services.CATEGORY_CHANNEL_LIMIT - 1):
        TicketFactory(number=200 + n, user_id=1900 + n, category_id=OVERFLOW)
    error = refused(open_ticket, CATEGORIES_FULL, actor=Actor(user_id=5), overflow_category_id=OVERFLOW)
    assert error.message.startswith("Every ticket category is full (50 channels each)")


def test_claim_by_staff_or_a_support_role_and_refused_to_members_and_a_second_claimer():
    ticket = open_ticket()
    refused(services.ticket_claim, NOT_STAFF, guild_id=GUILD, actor=MEMBER, ticket_id=ticket.pk)
    claimed = services.ticket_claim(guild_id=GUILD, actor=SUPPORT, ticket_id=ticket.pk)
    assert (claimed.status, claimed.claimed_by) == (TicketStatus.CLAIMED, SUPPORTER)
    error = refused(services.ticket_claim, ALREADY_CLAIMED, guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk)
    assert error.message == f"Ticket #1 is already claimed by user {SUPPORTER}."
    assert SupportTicket.objects.get().claimed_by == SUPPORTER


def test_a_ticket_of_another_guild_is_not_found():
    ticket = open_ticket(guild_id=OTHER_GUILD)
    for fn, extra in [
        (services.ticket_claim, {}),
        (services.ticket_wait_for_user, {}),
        (services.ticket_escalate, {}),
        (services.ticket_close, {"reason": "x"}),
        (services.ticket_delete, {}),
    ]:
        refused(fn, TICKET_NOT_FOUND, guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, **extra)
    assert SupportTicket.objects.get().status == TicketStatus.OPEN


def test_wait_escalate_close_record_the_history_in_order():
    t0 = timezone.now()
    ticket = open_ticket(now=t0)
    services.ticket_claim(guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, now=t0 + timedelta(minutes=1))
    services.ticket_wait_for_user(guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, now=t0 + timedelta(minutes=2))
    escalated = services.ticket_escalate(
        guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, now=t0 + timedelta(minutes=3)
    )
    assert (escalated.escalated_to, escalated.escalated_to_role) == (None, ESCALATION_ROLE)
    to_member = services.ticket_escalate(
        guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, to_user_id=OTHER_MEMBER, now=t0 + timedelta(minutes=4)
    )
    assert (to_member.escalated_to, to_member.escalated_to_role) == (OTHER_MEMBER, None)
    closed = services.ticket_close(
        guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, reason=" solved ", now=t0 + timedelta(minutes=5)
    )
    assert (closed.status, closed.closed_by, closed.close_reason) == ("closed", MOD, "solved")
    history = list(closed.status_changes.values_list("from_status", "to_status"))
    assert history == [
        ("", "open"),
        ("open", "claimed"),
        ("claimed", "waiting_for_user"),
        ("waiting_for_user", "escalated"),
        ("escalated", "escalated"),
        ("escalated", "closed"),
    ]
    assert closed.version == 5
    refused(services.ticket_claim, TICKET_CLOSED, guild_id=GUILD, actor=SUPPORT, ticket_id=ticket.pk)


def test_close_needs_a_reason_and_escalation_a_target():
    ticket = open_ticket()
    refused(services.ticket_close, REASON_REQUIRED, guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, reason=" ")
    SupportSettingsFactory(guild_id=OTHER_GUILD, escalation_role_id=None)
    other = open_ticket(guild_id=OTHER_GUILD)
    refused(services.ticket_escalate, NO_ESCALATION_TARGET, guild_id=OTHER_GUILD, actor=MODERATOR, ticket_id=other.pk)
    assert TicketStatusChange.objects.count() == 2  # the two openings


def test_delete_archives_the_ticket_and_keeps_its_record():
    ticket = open_ticket()
    events = []
    ticket_changed.connect(lambda sender, change, **kw: events.append(change), weak=False, dispatch_uid="d")
    try:
        deleted = services.ticket_delete(guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk)
    finally:
        ticket_changed.disconnect(dispatch_uid="d")
    assert events == ["deleted"]
    assert (deleted.status, deleted.deleted_by, deleted.closed_by, deleted.close_reason) == (
        "archived",
        MOD,
        MOD,
        "deleted",
    )


def test_rating_by_the_requester_once_after_closing():
    ticket = open_ticket()
    rate = services.ticket_rate
    services.ticket_close(guild_id=GUILD, actor=MODERATOR, ticket_id=ticket.pk, reason="done")
    refused(rate, NOT_REQUESTER, ticket_id=ticket.pk, user_id=OTHER_MEMBER, rating=5)
    refused(rate, BAD_RATING, ticket_id=ticket.pk, user_id=REQUESTER, rating=6)
    rated = rate(ticket_id=ticket.pk, user_id=REQUESTER, rating=4, comment="quick, thanks")
    assert (rated.rating, rated.rating_comment) == (4, "quick, thanks")
    error = refused(rate, services.ALREADY_RATED, ticket_id=ticket.pk, user_id=REQUESTER, rating=1)
    assert "(4/5)" in error.message
    assert SupportTicket.objects.get().rating == 4


def test_settings_need_an_admin_and_sane_days():
    refused(services.support_settings_update, NOT_STAFF, guild_id=GUILD, actor=MODERATOR, auto_close_days=20)
    refused(
        services.support_settings_update,
        services.BAD_DAYS,
        guild_id=GUILD,
        actor=Actor(is_admin=True),
        auto_close_warn_days=14,
    )
    row = services.support_settings_update(
        guild_id=GUILD, actor=Actor(is_admin=True), staff_role_ids=["5", 5, 7], auto_close_days=21
    )
    assert (row.staff_role_ids, row.auto_close_warn_days, row.auto_close_days) == (["5", "7"], 5, 21)
