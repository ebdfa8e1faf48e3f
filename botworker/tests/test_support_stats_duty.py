"""The duty ping through Discord: a new ticket's opening message pings the moderator on duty
(a claimed shift or their own assigned slot covering the opening), or the staff role when
nobody is, and allows exactly those mentions; the requester is told when the next shift starts
(or that there is none) when nobody is on duty. Later edits of the message keep its content."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from botworker.emulator.rest.router import RecordedRequest
from botworker.interactions import handle_interaction
from botworker.presenters import support as presenter
from botworker.presenters import support_duty
from botworker.presenters.text import when
from botworker.tests.factories import GUILD_ID, MOD_ROLE, component_payload, modal_payload
from botworker.tests.outbox_helpers import deliver
from botworker.tests.test_support_discord import MOD, REQUESTER, STAFF_ROLE, desk  # noqa: F401 - fixture
from shifts.models import ModSchedule, Shift
from support.models import SupportSettings, SupportTicket

pytestmark = pytest.mark.django_db(transaction=True)

ON_CALL = 882_000_000_000_000_001
SLOT_OWNER = 882_000_000_000_000_002
DROPPER = 882_000_000_000_000_009


def claimed_shift(start, hours: int = 1, by: int = ON_CALL) -> Shift:
    return Shift.objects.create(
        guild_id=GUILD_ID,
        created_by=DROPPER,
        start_time_utc=start,
        duration_minutes=hours * 60,
        claimed_by=by,
        claimed_at=start - timedelta(days=1),
    )


def open_ticket(emulator) -> tuple[str, SupportTicket, RecordedRequest]:
    """Open a ticket through the modal; the requester's answer, the ticket, and the request that
    posted its opening message."""
    answer = handle_interaction(modal_payload(presenter.SUBMIT_ACTION, {"topic": "Help"}, user_id=REQUESTER))
    assert answer["data"]["flags"] == 64
    deliver()
    ticket = SupportTicket.objects.get()
    [post] = [r for r in emulator_requests("POST", rf"/channels/{ticket.channel_id}/messages") if r.status == 200]
    return answer["data"]["content"], ticket, post


EMULATOR = {}


@pytest.fixture(autouse=True)
def remember(emulator):
    EMULATOR["emu"] = emulator


def emulator_requests(method, path):
    return EMULATOR["emu"].requests_to(method, path)


def test_a_claimed_shift_covering_the_opening_pings_its_claimer_only(emulator, desk):  # noqa: F811
    claimed_shift(timezone.now() - timedelta(minutes=10))
    answer, ticket, post = open_ticket(emulator)
    assert answer == presenter.OPENING.format(number=1)  # someone is on duty: nothing to add
    assert post.json["content"].endswith(f"\nOn duty now: <@{ON_CALL}>.")
    assert post.json["allowed_mentions"]["users"] == [str(REQUESTER), str(ON_CALL)]
    assert post.json["allowed_mentions"]["roles"] == [] and post.json["allowed_mentions"]["parse"] == []


def test_an_assigned_slot_covering_the_opening_pings_its_moderator(emulator, desk):  # noqa: F811
    start = timezone.now() - timedelta(hours=1)  # a three-hour slot around the opening
    ModSchedule.objects.create(
        guild_id=GUILD_ID,
        user_id=SLOT_OWNER,
        day_of_week=start.weekday(),
        hour=start.hour,
        timezone="UTC",
        duration_minutes=180,
    )
    answer, ticket, post = open_ticket(emulator)
    assert post.json["content"].endswith(f"\nOn duty now: <@{SLOT_OWNER}>.")
    assert post.json["allowed_mentions"]["users"] == [str(REQUESTER), str(SLOT_OWNER)]


def test_nobody_on_duty_pings_the_staff_role_and_says_when_the_next_shift_starts(emulator, desk):  # noqa: F811
    start = (timezone.now() + timedelta(hours=5)).replace(microsecond=0)
    claimed_shift(start)
    claimed_shift(timezone.now() - timedelta(hours=3), hours=1)  # ended two hours ago
    answer, ticket, post = open_ticket(emulator)
    assert (
        answer
        == f"{presenter.OPENING.format(number=1)} Nobody is on duty right now; the next shift starts {when(start)}."
    )
    assert post.json["content"].endswith(f"\nNobody is on duty right now: <@&{STAFF_ROLE}>, please pick it up.")
    assert post.json["allowed_mentions"]["users"] == [str(REQUESTER)]
    assert post.json["allowed_mentions"]["roles"] == [str(STAFF_ROLE)]


def test_no_upcoming_shift_and_no_staff_role_falls_back_to_the_moderator_roles(emulator, desk):  # noqa: F811
    SupportSettings.objects.filter(guild_id=GUILD_ID).update(staff_role_ids=[])
    answer, ticket, post = open_ticket(emulator)
    assert answer == f"{presenter.OPENING.format(number=1)} {support_duty.NO_UPCOMING_SHIFT}"
    assert post.json["content"].endswith(f"\nNobody is on duty right now: <@&{MOD_ROLE}>, please pick it up.")
    assert post.json["allowed_mentions"]["roles"] == [str(MOD_ROLE)]


def test_edits_of_the_opening_message_keep_its_ping_and_ping_nobody(desk, emulator):  # noqa: F811
    claimed_shift(timezone.now() - timedelta(minutes=10))
    _, ticket, post = open_ticket(emulator)
    claim = handle_interaction(component_payload(f"ticket_claim:{ticket.pk}", user_id=MOD, roles=(MOD_ROLE,)))
    assert claim["data"]["content"] == "You claimed ticket #1."
    deliver()
    [edit] = emulator.requests_to("PATCH", rf"/channels/{ticket.channel_id}/messages/\d+")
    assert "content" not in edit.json and edit.json["allowed_mentions"]["users"] == []
    message = emulator.get_message(str(ticket.channel_id), ticket.control_message_id)
    assert message["content"] == post.json["content"] and "Claimed by" in str(message["embeds"])


def test_a_requester_on_duty_is_named_once_in_the_allowed_mentions(emulator, desk):  # noqa: F811
    claimed_shift(timezone.now() - timedelta(minutes=10), by=REQUESTER)
    _, _, post = open_ticket(emulator)
    assert post.json["content"].endswith(f"\nOn duty now: <@{REQUESTER}>.")
    assert post.json["allowed_mentions"]["users"] == [str(REQUESTER)]
