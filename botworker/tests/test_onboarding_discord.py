"""Rules and onboarding through Discord (interactions answered by the router, the outbox delivered
to the Discord emulator): /rules_post, Accept, every kind of step with Back and Cancel, the
follow-up and email modals, every refusal as an ephemeral message, completion (summary, log
entry, member role), the rules-only mode and the rules gate on the ticket commands.

The deliverer works in another database connection, so these tests commit (transactional)."""

from __future__ import annotations

from collections import Counter

import pytest

from botworker.guilds import guild_configure
from botworker.interactions import handle_interaction
from botworker.models import BotAction
from botworker.presenters import onboarding as presenter
from botworker.presenters import support as support_presenter
from botworker.tests.factories import ADMIN_ROLE, GUILD_ID, MOD_ROLE, command_payload, component_payload, modal_payload
from botworker.tests.outbox_helpers import deliver
from config.actors import SYSTEM
from support.models import FlowStatus, OnboardingFlow, OnboardingMode, OnboardingQuestion, RulesAcceptance
from support.services import onboarding as services

pytestmark = pytest.mark.django_db(transaction=True)

NEWCOMER = 870_000_000_000_000_001
OTHER = 870_000_000_000_000_002
ADMIN = 870_000_000_000_000_003
WHO = {"newcomer": (NEWCOMER, ()), "other": (OTHER, ()), "admin": (ADMIN, (ADMIN_ROLE,))}


@pytest.fixture
def guild(emulator, settings):
    settings.DISCORD_APPLICATION_ID = emulator.application_id
    emulator.add_guild(guild_id=GUILD_ID, name="Guild")
    rules = emulator.add_channel(GUILD_ID, "rules")
    logs = emulator.add_channel(GUILD_ID, "logs")
    tickets = emulator.add_channel(GUILD_ID, "tickets", type=4)
    member_role = emulator.add_role(str(GUILD_ID), "Members")
    for user in (NEWCOMER, OTHER):
        emulator.add_member(GUILD_ID, user)
    guild_configure(
        guild_id=GUILD_ID,
        moderator_role_ids=[MOD_ROLE],
        admin_role_ids=[ADMIN_ROLE],
        channels={"rules": int(rules["id"]), "logs": int(logs["id"]), "tickets_category": int(tickets["id"])},
    )
    services.onboarding_settings_update(guild_id=GUILD_ID, actor=SYSTEM, member_role_id=int(member_role["id"]))
    services.rules_publish(guild_id=GUILD_ID, actor=SYSTEM, text="1. Be kind.\n2. No spam.", title="House rules")
    return {"rules": rules["id"], "logs": logs["id"], "role": member_role["id"]}


def click(custom_id: str, who: str = "newcomer", values=None) -> dict:
    user_id, roles = WHO[who]
    return handle_interaction(component_payload(custom_id, user_id=user_id, roles=roles, values=values))


def submit(custom_id: str, fields: dict, who: str = "newcomer") -> dict:
    user_id, roles = WHO[who]
    return handle_interaction(modal_payload(custom_id, fields, user_id=user_id, roles=roles))


def command(name: str, who: str = "admin") -> dict:
    user_id, roles = WHO[who]
    return handle_interaction(command_payload(name, user_id=user_id, roles=roles))


def ephemeral_text(response: dict) -> str:
    assert response["type"] == 4 and response["data"]["flags"] == 64, response
    return response["data"]["content"]


def custom_ids(response: dict) -> list[str]:
    return [c["custom_id"] for row in response["data"]["components"] for c in row["components"]]


def by_label(response: dict, label: str) -> str:
    return next(
        c["custom_id"] for row in response["data"]["components"] for c in row["components"] if c.get("label") == label
    )


def title(response: dict) -> str:
    return response["data"]["embeds"][0]["title"]


def test_rules_post_posts_the_rules_with_the_accept_button_for_admins_only(emulator, guild):
    assert ephemeral_text(command("rules_post", who="newcomer")) == "Only admins can use this."
    answer = command("rules_post")
    assert ephemeral_text(answer) == f"Rules version 1 posted in <#{guild['rules']}>."
    assert deliver() == Counter(done=1)
    [message] = emulator.messages(guild["rules"])
    assert message["embeds"][0]["title"] == "House rules" and "No spam." in message["embeds"][0]["description"]
    assert message["components"][0]["components"][0]["custom_id"] == "start_onboarding"

    guild_configure(guild_id=GUILD_ID, channels={"rules": None})
    assert ephemeral_text(command("rules_post")) == services.NO_RULES_CHANNEL
    assert BotAction.objects.count() == 1


def test_the_whole_questionnaire_with_back_modals_and_refusals(emulator, guild):
    first = click("start_onboarding")
    assert first["type"] == 4 and first["data"]["flags"] == 64
    assert first["data"]["content"] == presenter.WELCOME and title(first) == "Question 1 of 4"
    assert first["data"]["embeds"][0]["description"] == "How did you hear about us?"
    flow = OnboardingFlow.objects.get()
    assert RulesAcceptance.objects.filter(user_id=NEWCOMER, rules_version__version=1).exists()
    assert "Back" not in str(first["data"]["components"])

    friend = by_label(first, "From a friend")
    assert ephemeral_text(click(friend, who="other")) == services.NOT_YOUR_FLOW
    modal = click(friend)
    assert modal["type"] == 9 and modal["data"]["custom_id"].startswith(f"onb_followup:{flow.pk}-")
    [[field]] = [row["components"] for row in modal["data"]["components"]]
    assert field["label"] == "Who told you about us?"
    blank = submit(modal["data"]["custom_id"], {"followup": "  "})
    assert ephemeral_text(blank) == "“Who told you about us?” is required for this answer."

    second = submit(modal["data"]["custom_id"], {"followup": "Alice"})
    assert second["type"] == 7 and title(second) == "Question 2 of 4"
    [select] = [c for row in second["data"]["components"] for c in row["components"] if c["type"] == 3]
    assert (select["min_values"], select["max_values"]) == (1, 5)
    third = click(select["custom_id"], values=["pvp", "raids"])
    assert third["type"] == 7 and title(third) == "Question 3 of 4"

    back = click(by_label(third, "Back"))
    assert title(back) == "Question 2 of 4"
    # the old message's button of question 3 is stale now: the current step is shown instead
    stale = click(by_label(third, "No"))
    assert stale["type"] == 7 and stale["data"]["content"] == services.STALE_STEP and title(stale) == "Question 2 of 4"
    [select] = [c for row in back["data"]["components"] for c in row["components"] if c["type"] == 3]
    assert {o["value"] for o in select["options"] if o["default"]} == {"pvp", "raids"}
    third = click(select["custom_id"], values=["events"])
    fourth = click(by_label(third, "No"))
    assert title(fourth) == "Question 4 of 4"

    email_modal = click(by_label(fourth, "Yes, please"))
    assert email_modal["type"] == 9
    bad = submit(email_modal["data"]["custom_id"], {"followup": "alice@"})
    assert ephemeral_text(bad) == "'alice@' is not a valid email address."
    assert OnboardingFlow.objects.get().status == FlowStatus.IN_PROGRESS

    done = submit(email_modal["data"]["custom_id"], {"followup": "alice@example.org"})
    assert done["type"] == 7 and title(done) == presenter.SUMMARY_TITLE and done["data"]["components"] == []
    fields = {f["name"]: f["value"] for f in done["data"]["embeds"][0]["fields"]}
    assert fields == {
        "How did you hear about us?": "From a friend (Who told you about us?: Alice)",
        "What are you interested in? Pick all that apply.": "Community events",
        "Are you already a member of our community?": "No",
        "Would you like an introduction call with one of our team?": "Yes, please (Your email address: alice@example.org)",
    }
    assert OnboardingFlow.objects.get().answers["interests"] == ["events"]

    assert deliver() == Counter(done=2)
    assert guild["role"] in emulator.member_roles(GUILD_ID, NEWCOMER)
    [log] = emulator.messages(guild["logs"])
    assert log["embeds"][0]["title"] == presenter.LOG_TITLE and f"<@{NEWCOMER}>" in log["embeds"][0]["description"]

    again = click("start_onboarding")
    assert ephemeral_text(again) == presenter.ACCEPTED.format(version=1) + presenter.ALREADY_COMPLETED
    assert ephemeral_text(click(by_label(fourth, "No, thanks"))) == services.FLOW_COMPLETED


def test_cancel_discards_and_accept_starts_again(emulator, guild):
    first = click("start_onboarding")
    second = submit(click(by_label(first, "At an event"))["data"]["custom_id"], {"followup": "Expo"})
    assert ephemeral_text(click(by_label(second, "Cancel"), who="other")) == services.NOT_YOUR_FLOW
    cancelled = click(by_label(second, "Cancel"))
    assert cancelled["type"] == 7 and cancelled["data"]["content"] == presenter.CANCELLED
    assert OnboardingFlow.objects.get().answers == {}
    assert ephemeral_text(click(by_label(first, "At an event"))) == services.FLOW_CANCELLED
    restarted = click("start_onboarding")
    assert title(restarted) == "Question 1 of 4"


def test_rules_only_mode_grants_the_member_role_on_acceptance(emulator, guild):
    services.onboarding_settings_update(guild_id=GUILD_ID, actor=SYSTEM, mode=OnboardingMode.RULES_ONLY)
    answer = click("start_onboarding")
    assert ephemeral_text(answer) == presenter.ACCEPTED.format(version=1) + presenter.ROLE_ON_ITS_WAY
    assert deliver() == Counter(done=1)
    assert guild["role"] in emulator.member_roles(GUILD_ID, NEWCOMER)
    assert not OnboardingFlow.objects.exists()
    assert ephemeral_text(click("start_onboarding")) == presenter.ACCEPTED.format(version=1)


def test_the_gate_asks_for_the_new_rules_version_before_opening_a_ticket(emulator, guild):
    services.onboarding_settings_update(guild_id=GUILD_ID, actor=SYSTEM, mode=OnboardingMode.RULES_ONLY)
    click("start_onboarding")
    assert command("ticket", who="newcomer")["type"] == 9  # accepted the current rules: the modal
    services.rules_publish(guild_id=GUILD_ID, actor=SYSTEM, text="1. Be kind.\n2. No spam.\n3. No spoilers.")
    for answer in (
        command("ticket", who="newcomer"),
        click(support_presenter.OPEN_ACTION),
        submit(support_presenter.SUBMIT_ACTION, {"topic": "Help"}),
    ):
        assert ephemeral_text(answer) == presenter.GATE.format(version=2)
        assert "No spoilers." in answer["data"]["embeds"][0]["description"]
        assert custom_ids(answer) == ["start_onboarding"]
    assert command("ticket", who="admin")["type"] == 9  # admins pass
    assert ephemeral_text(click("start_onboarding")) == presenter.ACCEPTED.format(version=2) + presenter.ROLE_ON_ITS_WAY
    assert command("ticket", who="newcomer")["type"] == 9

    services.onboarding_settings_update(guild_id=GUILD_ID, actor=SYSTEM, require_current_rules=False)
    assert command("ticket", who="other")["type"] == 9  # never accepted, but the guild does not gate


def test_text_and_email_questions_open_a_modal_and_optional_ones_can_be_skipped(emulator, guild):
    OnboardingQuestion.objects.filter(guild_id=GUILD_ID).delete()
    OnboardingQuestion.objects.create(guild_id=GUILD_ID, key="about", prompt="About you", kind="text", required=False)
    OnboardingQuestion.objects.create(guild_id=GUILD_ID, key="mail", prompt="Your email", kind="email", position=1)
    first = click("start_onboarding")
    assert [c.get("label") for row in first["data"]["components"] for c in row["components"]] == [
        "Answer",
        "Skip",
        "Cancel",
    ]
    second = click(by_label(first, "Skip"))
    assert title(second) == "Question 2 of 2" and "Skip" not in str(second["data"]["components"])
    modal = click(by_label(second, "Answer"))
    assert modal["type"] == 9 and modal["data"]["components"][0]["components"][0]["label"] == "Your email address"
    bad = submit(modal["data"]["custom_id"], {"answer": "me@localhost@"})
    assert ephemeral_text(bad) == "'me@localhost@' is not a valid email address."
    stale = click(by_label(first, "Answer"))  # question 1's old button: the current step instead
    assert stale["type"] == 7 and stale["data"]["content"] == services.STALE_STEP
    done = submit(modal["data"]["custom_id"], {"answer": "me@example.com"})
    assert title(done) == presenter.SUMMARY_TITLE
    assert OnboardingFlow.objects.get().answers == {"about": None, "mail": "me@example.com"}


def test_the_gate_asks_for_the_current_consent_version_once_the_rules_are_accepted(emulator, guild):
    from botworker.presenters import gdpr as gdpr_presenter
    from support.services import gdpr as gdpr_services

    services.onboarding_settings_update(guild_id=GUILD_ID, actor=SYSTEM, mode=OnboardingMode.RULES_ONLY)
    click("start_onboarding")
    assert command("ticket", who="newcomer")["type"] == 9  # no consent text published: no consent gate
    first = gdpr_services.consent_version_publish(guild_id=GUILD_ID, actor=SYSTEM, text="We keep your tickets.")
    answer = command("ticket", who="newcomer")
    assert ephemeral_text(answer) == gdpr_presenter.CONSENT_GATE.format(version=1)
    assert custom_ids(answer) == [f"{gdpr_presenter.ACCEPT_ACTION}:{first.pk}"]
    assert command("ticket", who="admin")["type"] == 9  # admins pass
    click(f"{gdpr_presenter.ACCEPT_ACTION}:{first.pk}")
    assert command("ticket", who="newcomer")["type"] == 9
    # A new version asks again.
    second = gdpr_services.consent_version_publish(guild_id=GUILD_ID, actor=SYSTEM, text="We keep less.")
    answer = command("ticket", who="newcomer")
    assert custom_ids(answer) == [f"{gdpr_presenter.ACCEPT_ACTION}:{second.pk}"]
