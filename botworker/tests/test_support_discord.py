"""The support desk through Discord: the panel and /ticket open a ticket through the modal; the
outbox creates its private channel (overwrites, category, name) and posts the staff buttons in it
through the Discord emulator; members pressing staff buttons are refused; claim, escalate, close
(rename, lock, rating DM), the rating modal and delete; refusals for another guild's ticket.

The deliverer works in another database connection, so these tests commit (transactional)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from botworker.guilds import guild_configure
from botworker.interactions import handle_interaction
from botworker.models import BotAction
from botworker.presenters import support as presenter
from botworker.tests.factories import (
    ADMIN_ROLE,
    GUILD_ID,
    MOD_ROLE,
    command_payload,
    component_payload,
    modal_payload,
)
from botworker.tests.outbox_helpers import deliver
from config.actors import Actor
from support import services
from support.models import SupportSettings, SupportTicket, TicketStatus

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTER = 880_000_000_000_000_001
MOD = 880_000_000_000_000_002
SUPPORTER = 880_000_000_000_000_003
OTHER_GUILD = 889_999_999_999_999_999
STAFF_ROLE = 881_000_000_000_000_001
ESCALATION_ROLE = 881_000_000_000_000_002
WHO = {"member": (REQUESTER, ()), "mod": (MOD, (MOD_ROLE,)), "support": (SUPPORTER, (STAFF_ROLE,))}


@pytest.fixture
def desk(emulator, settings):
    settings.DISCORD_APPLICATION_ID = emulator.application_id
    emulator.add_guild(guild_id=GUILD_ID, name="Desk")
    category = emulator.add_channel(GUILD_ID, "tickets", type=4)
    overflow = emulator.add_channel(GUILD_ID, "tickets-2", type=4)
    general = emulator.add_channel(GUILD_ID, "general")
    emulator.add_member(GUILD_ID, REQUESTER)
    guild_configure(
        guild_id=GUILD_ID,
        moderator_role_ids=[MOD_ROLE],
        admin_role_ids=[ADMIN_ROLE],
        channels={"tickets_category": int(category["id"]), "tickets_overflow": int(overflow["id"])},
    )
    SupportSettings.objects.create(
        guild_id=GUILD_ID, staff_role_ids=[str(STAFF_ROLE)], escalation_role_id=ESCALATION_ROLE
    )
    return {"category": category["id"], "general": general["id"]}


def interact(payload: dict, channel_id: str | int | None = None) -> dict:
    if channel_id is not None:
        payload["channel_id"] = str(channel_id)
    return handle_interaction(payload)


def click(custom_id: str, who: str = "mod", guild_id: int = GUILD_ID, channel_id=None) -> dict:
    user_id, roles = WHO[who]
    return interact(component_payload(custom_id, user_id=user_id, roles=roles, guild_id=guild_id), channel_id)


def command(name: str, who: str = "mod", channel_id=None, options=None, **kwargs) -> dict:
    user_id, roles = WHO[who]
    return interact(command_payload(name, options, user_id=user_id, roles=roles, **kwargs), channel_id)


def submit(custom_id: str, fields: dict, who: str = "member", guild_id=GUILD_ID) -> dict:
    user_id, roles = WHO[who]
    return interact(modal_payload(custom_id, fields, user_id=user_id, roles=roles, guild_id=guild_id))


def ephemeral_text(response: dict) -> str:
    assert response["type"] == 4 and response["data"]["flags"] == 64, response
    return response["data"]["content"]


def open_from_panel(emulator) -> SupportTicket:
    panel = command("ticket_panel_post", who="mod", permissions=8)
    assert panel["type"] == 4 and not panel["data"].get("flags")
    [[open_button]] = [[c for c in row["components"]] for row in panel["data"]["components"]]
    assert open_button["custom_id"] == presenter.OPEN_ACTION
    modal = click(open_button["custom_id"], who="member")
    assert modal["type"] == 9 and modal["data"]["custom_id"] == presenter.SUBMIT_ACTION
    answer = submit(presenter.SUBMIT_ACTION, {"topic": "Cannot log in", "description": "Wrong password"})
    assert ephemeral_text(answer).startswith(presenter.OPENING.format(number=1))
    assert deliver() == Counter(done=2)  # the channel, then (from its hook) the message in it
    return SupportTicket.objects.get()


def test_open_from_the_panel_creates_a_private_channel_with_the_staff_buttons(emulator, desk):
    ticket = open_from_panel(emulator)
    channel = next(c for c in emulator.channels(GUILD_ID) if c["name"] == "ticket-1")
    assert ticket.channel_id == int(channel["id"]) and channel["parent_id"] == desk["category"]
    overwrites = {(o["type"], o["id"]): (int(o["allow"]), int(o["deny"])) for o in channel["permission_overwrites"]}
    view = presenter.VIEW_CHANNEL
    assert overwrites[(0, str(GUILD_ID))][1] & view  # @everyone may not see it
    assert overwrites[(1, str(REQUESTER))][0] & view and overwrites[(1, str(REQUESTER))][0] & presenter.SEND_MESSAGES
    for role in (MOD_ROLE, ADMIN_ROLE, STAFF_ROLE):
        assert overwrites[(0, str(role))][0] & view
    [message] = emulator.messages(channel["id"])
    assert f"<@{REQUESTER}>" in message["content"]
    labels = [(b["label"], b["custom_id"]) for b in message["components"][0]["components"]]
    assert labels == [
        ("Claim", f"ticket_claim:{ticket.pk}"),
        ("Close", f"ticket_close:{ticket.pk}"),
        ("Wait for user", f"ticket_wait:{ticket.pk}"),
        ("Escalate", f"ticket_escalate:{ticket.pk}"),
        ("Delete", f"ticket_delete:{ticket.pk}"),
    ]
    assert SupportTicket.objects.get().control_message_id == int(message["id"])


def test_slash_ticket_opens_the_same_modal_and_a_second_ticket_is_refused(emulator, desk):
    modal = command("ticket", who="member")
    assert modal["type"] == 9
    assert [row["components"][0]["custom_id"] for row in modal["data"]["components"]] == ["topic", "description"]
    submit(presenter.SUBMIT_ACTION, {"topic": "Billing"})
    again = submit(presenter.SUBMIT_ACTION, {"topic": "Billing again"})
    assert ephemeral_text(again) == "You already have an open ticket: #1; its channel is being created."
    empty = submit(presenter.SUBMIT_ACTION, {"topic": "   "}, who="support")
    assert ephemeral_text(empty) == services.TOPIC_REQUIRED
    assert SupportTicket.objects.count() == 1


def test_members_pressing_staff_buttons_are_refused_and_nothing_changes(emulator, desk):
    ticket = open_from_panel(emulator)
    before = BotAction.objects.count()
    for action in ("ticket_claim", "ticket_close", "ticket_wait", "ticket_escalate", "ticket_delete"):
        assert ephemeral_text(click(f"{action}:{ticket.pk}", who="member")) == services.NOT_STAFF
    assert ephemeral_text(click(f"ticket_delete_confirm:{ticket.pk}", who="member")) == services.NOT_STAFF
    assert ephemeral_text(command("ticket_list", who="member")) == services.NOT_STAFF
    assert SupportTicket.objects.get().status == TicketStatus.OPEN and BotAction.objects.count() == before


def test_a_ticket_id_of_another_guild_is_refused(emulator, desk):
    guild_configure(guild_id=OTHER_GUILD, moderator_role_ids=[MOD_ROLE])
    ticket = open_from_panel(emulator)
    for action in ("ticket_claim", "ticket_close", "ticket_wait", "ticket_escalate", "ticket_delete"):
        answer = click(f"{action}:{ticket.pk}", who="mod", guild_id=OTHER_GUILD)
        assert ephemeral_text(answer) == services.TICKET_NOT_FOUND
    assert SupportTicket.objects.get().status == TicketStatus.OPEN


def test_claim_escalate_close_and_rate_through_discord(emulator, desk):
    ticket = open_from_panel(emulator)
    channel_id = str(ticket.channel_id)
    assert ephemeral_text(click(f"ticket_claim:{ticket.pk}", who="support")) == "You claimed ticket #1."
    taken = ephemeral_text(command("ticket_claim", who="mod", channel_id=channel_id))
    assert taken == f"Ticket #1 is already claimed by <@{SUPPORTER}>."
    escalated = command(
        "ticket_status", who="mod", channel_id=channel_id, options=[{"name": "status", "type": 3, "value": "escalated"}]
    )
    assert ephemeral_text(escalated) == f"Ticket #1 escalated to <@&{ESCALATION_ROLE}>."
    outside = command("ticket_close", who="mod", options=[{"name": "reason", "type": 3, "value": "x"}])
    assert ephemeral_text(outside) == services.NOT_A_TICKET_CHANNEL
    closed = command(
        "ticket_close", who="mod", channel_id=channel_id, options=[{"name": "reason", "type": 3, "value": "Reset it"}]
    )
    assert ephemeral_text(closed) == f"Ticket #1 closed. <@{REQUESTER}> is asked for a rating."
    delivered = deliver()
    assert delivered == Counter(done=sum(delivered.values())) and delivered["done"] >= 6

    channel = emulator.state.channels[channel_id]
    assert channel["name"] == "closed-1"
    requester = next(o for o in channel["permission_overwrites"] if o["id"] == str(REQUESTER))
    assert int(requester["deny"]) & presenter.SEND_MESSAGES and int(requester["allow"]) & presenter.VIEW_CHANNEL
    assert any(o["id"] == str(ESCALATION_ROLE) for o in channel["permission_overwrites"])
    messages = emulator.messages(channel_id)
    assert any(f"escalated to <@&{ESCALATION_ROLE}>" in m["content"] for m in messages)
    control = emulator.get_message(channel_id, SupportTicket.objects.get().control_message_id)
    assert all(b["disabled"] for b in control["components"][0]["components"][:4])
    assert "Closed by" in json.dumps(control["embeds"])

    dm = emulator.dm_channel_for(REQUESTER)
    [prompt] = emulator.messages(dm["id"])
    assert "was closed by" in prompt["content"] and "Reset it" in prompt["content"]
    five = prompt["components"][0]["components"][4]["custom_id"]
    assert five == f"ticket_rate:{ticket.pk}-5"
    assert ephemeral_text(click(five, who="mod", guild_id=None)) == "Only the member who opened ticket #1 can rate it."
    modal = click(five, who="member", guild_id=None)
    assert modal["type"] == 9 and modal["data"]["custom_id"] == f"ticket_rating:{ticket.pk}-5"
    thanks = submit(f"ticket_rating:{ticket.pk}-5", {"comment": "Fast!"}, guild_id=None)
    assert ephemeral_text(thanks) == "Thank you for rating ticket #1 (5/5)!"
    stored = SupportTicket.objects.get()
    assert (stored.rating, stored.rating_comment, stored.status) == (5, "Fast!", TicketStatus.CLOSED)


def test_close_button_asks_for_a_reason_and_delete_asks_for_confirmation(emulator, desk):
    ticket = open_from_panel(emulator)
    modal = click(f"ticket_close:{ticket.pk}", who="support")
    assert modal["type"] == 9 and modal["data"]["custom_id"] == f"ticket_close_reason:{ticket.pk}"
    blank = submit(f"ticket_close_reason:{ticket.pk}", {"reason": "  "}, who="support")
    assert ephemeral_text(blank) == services.REASON_REQUIRED
    confirm = click(f"ticket_delete:{ticket.pk}", who="support")
    assert ephemeral_text(confirm) == presenter.DELETE_CONFIRM.format(number=1)
    assert confirm["data"]["components"][0]["components"][0]["custom_id"] == f"ticket_delete_confirm:{ticket.pk}"
    assert SupportTicket.objects.get().status == TicketStatus.OPEN  # nothing until confirmed
    done = click(f"ticket_delete_confirm:{ticket.pk}", who="support")
    assert ephemeral_text(done) == "Ticket #1's channel is being deleted; its record is kept."
    deliver()
    assert str(ticket.channel_id) not in emulator.state.channels
    assert SupportTicket.objects.get().status == TicketStatus.ARCHIVED


def test_ticket_list_pages_for_staff(emulator, desk):
    services.support_settings_update(guild_id=GUILD_ID, actor=Actor(is_admin=True), one_open_per_member=False)
    for n in range(17):
        submit(presenter.SUBMIT_ACTION, {"topic": f"Question {n}"})
    first = command("ticket_list", who="support")
    text = ephemeral_text(first)
    assert text.startswith("**Tickets**") and "**#17**" in text and "**#3**" in text and "**#2**" not in text
    page_button = first["data"]["components"][-1]["components"][-1]
    second = click(page_button["custom_id"], who="support")
    assert "**#2**" in second["data"]["content"] and "**#1**" in second["data"]["content"]
    waiting = command("ticket_list", who="support", options=[{"name": "status", "type": 3, "value": "closed"}])
    assert ephemeral_text(waiting) == "No tickets (closed)."
