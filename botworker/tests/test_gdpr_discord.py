"""GDPR through Discord, against the emulator: /gdpr accept and its button (the consent role given
through the outbox, a new version asking again, an old button refused), /gdpr status, /gdpr export
answering with the JSON file uploaded by the deferred follow-up, and /gdpr delete (the modal, the
word DELETE, the erasure and its DM).

The deliverer works in another database connection, so these tests commit (transactional)."""

from __future__ import annotations

import json
import urllib.request
from collections import Counter

import pytest
from django.utils import timezone

from botworker.guilds import guild_configure
from botworker.interactions import handle_interaction
from botworker.models import BotAction, InteractionRecord
from botworker.presenters import gdpr as presenter
from botworker.tasks import complete_deferred_interaction
from botworker.tests.factories import GUILD_ID, command_payload, component_payload, modal_payload
from botworker.tests.outbox_helpers import deliver
from config.actors import Actor
from scheduling.models import Player
from scheduling.tests.factories import PlayerFactory
from shifts.models import Shift
from shifts.tests.factories import ShiftFactory
from support import services
from support.models import ConsentAcceptance, GdprRequest

pytestmark = pytest.mark.django_db(transaction=True)

MEMBER = 886_000_000_000_000_001
OTHER = 886_000_000_000_000_002
ROLE = 887_000_000_000_000_001
ADMIN = Actor(is_admin=True)


@pytest.fixture
def guild(emulator, settings):
    settings.DISCORD_APPLICATION_ID = emulator.application_id
    emulator.add_guild(guild_id=GUILD_ID, name="Guild")
    emulator.add_role(GUILD_ID, "consented", role_id=ROLE)
    emulator.add_member(GUILD_ID, MEMBER)
    guild_configure(guild_id=GUILD_ID, name="Guild")


def gdpr(sub: str, user_id: int = MEMBER) -> dict:
    payload = command_payload("gdpr", [{"type": 1, "name": sub, "options": []}], user_id=user_id)
    return handle_interaction(payload)


def ephemeral_text(response: dict) -> str:
    assert response["type"] == 4 and response["data"]["flags"] == 64, response
    return response["data"]["content"]


def test_accepting_the_consent_gives_its_role_and_a_new_version_asks_again(emulator, guild):
    assert ephemeral_text(gdpr("accept")) == services.gdpr.NO_CONSENT
    assert ephemeral_text(gdpr("status")) == presenter.STATUS_NONE
    first = services.consent_version_publish(guild_id=GUILD_ID, actor=ADMIN, text="We keep shifts.", role_id=ROLE)

    shown = gdpr("accept")
    assert shown["data"]["flags"] == 64
    assert shown["data"]["embeds"][0]["title"] == "Data protection: version 1"
    assert shown["data"]["embeds"][0]["description"] == "We keep shifts."
    [[accept]] = [row["components"] for row in shown["data"]["components"]]
    assert accept["custom_id"] == f"gdpr_accept:{first.pk}"
    assert "You have not accepted it yet" in ephemeral_text(gdpr("status"))

    # The button carries the version, not the member: whoever clicks accepts for themself.
    done = handle_interaction(component_payload(accept["custom_id"], user_id=MEMBER))
    assert done["type"] == 7 and done["data"]["content"] == presenter.ACCEPTED.format(version=1)
    assert done["data"]["components"] == []
    assert deliver() == Counter(done=1)
    assert str(ROLE) in emulator.member_roles(GUILD_ID, MEMBER)
    assert "You accepted it on <t:" in ephemeral_text(gdpr("status"))
    assert "the current one" in ephemeral_text(gdpr("accept"))
    again = handle_interaction(component_payload(accept["custom_id"], user_id=MEMBER))
    assert "You already accepted version 1" in ephemeral_text(again)

    services.consent_version_publish(guild_id=GUILD_ID, actor=ADMIN, text="We also keep tickets.")
    assert gdpr("accept")["data"]["embeds"][0]["title"] == "Data protection: version 2"
    status = ephemeral_text(gdpr("status"))
    assert "You have not accepted it yet" in status and "Earlier versions you accepted: v1 on <t:" in status
    stale = handle_interaction(component_payload(accept["custom_id"], user_id=OTHER))
    assert ephemeral_text(stale) == services.gdpr.OUTDATED_VERSION.format(version=1, current=2)
    assert ConsentAcceptance.objects.count() == 1


def test_export_answers_with_the_json_file(emulator, guild):
    PlayerFactory(guild_id=GUILD_ID, discord_user_id=MEMBER, display_name="Aria")
    ShiftFactory(
        guild_id=GUILD_ID, created_by=MEMBER, description="Cover me", claimed_by=OTHER, claimed_at=timezone.now()
    )
    payload = command_payload("gdpr", [{"type": 1, "name": "export", "options": []}], user_id=MEMBER)
    payload["application_id"] = emulator.application_id
    answer = handle_interaction(payload)
    assert answer == {"type": 5, "data": {"flags": 64}}
    emulator.answer_over_http(payload["id"], payload["token"], answer)
    complete_deferred_interaction.apply(args=[payload]).get()

    original = emulator.original_response(emulator.application_id, payload["token"])
    assert original["content"].startswith("Here is everything Guildhall stores about you")
    [attachment] = original["attachments"]
    assert attachment["filename"] == f"guildhall-data-{MEMBER}.json"
    with urllib.request.urlopen(attachment["url"]) as response:
        exported = json.loads(response.read())
    assert exported["user_id"] == str(MEMBER)
    assert exported["data"]["scheduling.Player"][0]["display_name"] == "Aria"
    assert exported["data"]["shifts.Shift"][0]["claimed_by"] == "another member"
    assert str(OTHER) not in json.dumps(exported)
    [request] = GdprRequest.objects.all()
    assert (request.kind, request.source, request.guild_id, request.requested_by_user_id) == (
        "export",
        "discord",
        GUILD_ID,
        MEMBER,
    )
    # A copy goes to the member's DMs through the outbox, the same bytes attached.
    assert deliver() == Counter(done=1)
    dm = emulator.dm_channel_for(MEMBER)
    [message] = emulator.messages(dm["id"])
    assert message["content"].startswith("Your Guildhall data export")
    [copy] = message["attachments"]
    assert copy["filename"] == f"guildhall-data-{MEMBER}.json"
    with urllib.request.urlopen(copy["url"]) as response:
        assert json.loads(response.read()) == exported


def test_delete_asks_for_the_word_then_erases_and_sends_a_dm(emulator, guild):
    PlayerFactory(guild_id=GUILD_ID, discord_user_id=MEMBER)
    claimed = ShiftFactory(
        guild_id=GUILD_ID, created_by=MEMBER, description="Cover me", claimed_by=OTHER, claimed_at=timezone.now()
    )
    modal = gdpr("delete")
    assert modal["type"] == 9 and modal["data"]["custom_id"] == presenter.DELETE_ACTION
    [[field]] = [row["components"] for row in modal["data"]["components"]]
    assert field["custom_id"] == presenter.CONFIRMATION_FIELD

    wrong = handle_interaction(modal_payload(presenter.DELETE_ACTION, {"confirmation": "delete"}, user_id=MEMBER))
    assert ephemeral_text(wrong) == services.gdpr.NOT_CONFIRMED
    assert Player.objects.filter(discord_user_id=MEMBER).exists() and not GdprRequest.objects.exists()

    done = handle_interaction(modal_payload(presenter.DELETE_ACTION, {"confirmation": "DELETE"}, user_id=MEMBER))
    assert ephemeral_text(done) == presenter.ERASED_REPLY
    assert not Player.objects.filter(discord_user_id=MEMBER).exists()
    shift = Shift.objects.get(pk=claimed.pk)
    assert shift.claimed_by == OTHER and shift.created_by != MEMBER and shift.description == ""
    # The erasure's own interaction is recorded (once per id), no longer naming the member.
    assert not InteractionRecord.objects.filter(user_id=MEMBER).exists()
    assert GdprRequest.objects.get().kind == "erase"

    assert deliver() == Counter(done=1)
    dm = emulator.dm_channel_for(MEMBER)
    [message] = emulator.messages(dm["id"])
    assert message["content"].startswith("**Your data was erased** from Guildhall on <t:")
    assert BotAction.objects.get().status == "done"
