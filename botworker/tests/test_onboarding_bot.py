"""The questionnaire with the real bot process (`manage.py runbot`, discord.py) against the Discord
emulator, killed in the middle: the member's progress is in the database, so the next bot process
answers the old message's buttons and Accept continues at the current step."""

from __future__ import annotations

import pytest
from django.db import transaction

from botworker.guilds import guild_configure
from botworker.tests.factories import component_payload, modal_payload, next_id
from botworker.tests.test_bot import (  # noqa: F401 - fixtures
    GUILD,
    MEMBER,
    bot,
    bot_env,
    gateway_answer,
    kill_and_wait_for_the_connection_to_end,
    start_ready,
)
from config.actors import SYSTEM
from conftest import wait_for
from support.models import FlowStatus, OnboardingFlow
from support.services import onboarding as services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def click(channel_id: str, custom_id: str, values=None, *, on: dict) -> dict:
    """A click on a component of `on`: a message the bot posted, or the ephemeral step (the
    interaction answer) it was shown in."""
    payload = component_payload(custom_id, guild_id=GUILD, user_id=MEMBER, values=values)
    payload["channel_id"] = channel_id
    payload["message"] = on
    return payload


def ephemeral(emulator, channel_id: str, body: dict) -> dict:
    """The ephemeral message an interaction answer shows, as Discord sends it back with a click."""
    return {
        "id": next_id(),
        "channel_id": channel_id,
        "author": emulator.bot_user,
        "flags": 64,
        "content": body["data"].get("content", ""),
        "embeds": body["data"].get("embeds", []),
        "components": body["data"].get("components", []),
    }


def submit(channel_id: str, custom_id: str, fields: dict) -> dict:
    payload = modal_payload(custom_id, fields, guild_id=GUILD, user_id=MEMBER)
    payload["channel_id"] = channel_id
    return payload


def components(body: dict) -> list[dict]:
    return [c for row in body["data"]["components"] for c in row["components"]]


def by_label(body: dict, label: str) -> str:
    return next(c["custom_id"] for c in components(body) if c.get("label") == label)


def test_the_questionnaire_survives_a_bot_restart_in_the_middle(emulator, bot):  # noqa: F811 - the fixture
    emulator.add_guild(guild_id=str(GUILD), name="Raiders")
    rules = emulator.add_channel(guild_id=str(GUILD), name="rules")["id"]
    logs = emulator.add_channel(guild_id=str(GUILD), name="logs")["id"]
    role = emulator.add_role(str(GUILD), "Members")["id"]
    emulator.add_member(str(GUILD), str(MEMBER))
    guild_configure(guild_id=GUILD, channels={"rules": int(rules), "logs": int(logs)})
    services.onboarding_settings_update(guild_id=GUILD, actor=SYSTEM, member_role_id=int(role))
    services.rules_publish(guild_id=GUILD, actor=SYSTEM, text="Be kind.")

    with transaction.atomic():
        services.rules_post(guild_id=GUILD, actor=SYSTEM, channel_id=int(rules))
    start_ready(bot, emulator)
    [posted] = wait_for(lambda: emulator.messages(rules), timeout=30, message="the rules message")
    first = gateway_answer(emulator, click(rules, "start_onboarding", on=posted))
    assert first["type"] == 4 and first["data"]["embeds"][0]["title"] == "Question 1 of 4"
    modal = gateway_answer(emulator, click(rules, by_label(first, "At an event"), on=ephemeral(emulator, rules, first)))
    assert modal["type"] == 9
    second = gateway_answer(emulator, submit(rules, modal["data"]["custom_id"], {"followup": "Gamescom"}))
    assert second["type"] == 7 and second["data"]["embeds"][0]["title"] == "Question 2 of 4"

    kill_and_wait_for_the_connection_to_end(bot, emulator)  # SIGKILL: nothing in memory survives
    assert OnboardingFlow.objects.get().current_key == "interests"
    start_ready(bot, emulator)

    # A closed client: Accept again shows the step the member is at.
    resumed = gateway_answer(emulator, click(rules, "start_onboarding", on=posted))
    assert resumed["data"]["embeds"][0]["title"] == "Question 2 of 4"
    # The message shown by the killed bot still works.
    [select] = [c for c in components(second) if c["type"] == 3]
    step2 = ephemeral(emulator, rules, second)
    third = gateway_answer(emulator, click(rules, select["custom_id"], values=["raids", "crafting"], on=step2))
    assert third["type"] == 7 and third["data"]["embeds"][0]["title"] == "Question 3 of 4"
    fourth = gateway_answer(emulator, click(rules, by_label(third, "Yes"), on=ephemeral(emulator, rules, third)))
    done = gateway_answer(emulator, click(rules, by_label(fourth, "No, thanks"), on=ephemeral(emulator, rules, fourth)))
    assert done["type"] == 7 and done["data"]["embeds"][0]["title"] == "Welcome aboard! Here is what you told us"

    flow = OnboardingFlow.objects.get()
    assert flow.status == FlowStatus.COMPLETED
    assert flow.answers == {
        "heard_from": {
            "choice": "event",
            "label": "At an event",
            "followup": "Gamescom",
            "followup_label": "Which event?",
        },
        "interests": ["raids", "crafting"],
        "existing_member": {"choice": "yes", "label": "Yes"},
        "intro_call": {"choice": "no", "label": "No, thanks"},
    }
    wait_for(lambda: role in emulator.member_roles(str(GUILD), str(MEMBER)), timeout=30, message="the member role")
    [entry] = wait_for(lambda: emulator.messages(logs), timeout=30, message="the log entry")
    assert entry["embeds"][0]["title"] == "Onboarding completed"
