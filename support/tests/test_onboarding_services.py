"""Rules and onboarding services without Discord: versioned rules, acceptance per version, the
gate, the default questions, the resumable questionnaire (answers keyed by question key, Back,
Cancel, Skip), every refusal writing nothing, and completion's signal and outbox rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from botworker.guilds import guild_configure
from botworker.models import BotAction
from config.actors import SYSTEM, Actor
from config.exceptions import ApplicationError
from support.models import (
    FlowStatus,
    OnboardingFlow,
    OnboardingMode,
    OnboardingOption,
    OnboardingQuestion,
    QuestionKind,
    RulesAcceptance,
    RulesVersion,
)
from support.services import onboarding as services
from support.tests.factories import GUILD, OTHER_GUILD, OTHER_MEMBER, REQUESTER

pytestmark = pytest.mark.django_db

MEMBER_ROLE = 765_000_000_000_000_001
LOGS = 766_000_000_000_000_001
ADMIN = Actor(user_id=764_000_000_000_000_009, is_admin=True)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def refusal(call, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    return caught.value


def setup_guild(mode=OnboardingMode.RULES_WITH_QUESTIONS, role=MEMBER_ROLE) -> RulesVersion:
    guild_configure(guild_id=GUILD, channels={"logs": LOGS})
    services.onboarding_settings_update(guild_id=GUILD, actor=SYSTEM, mode=mode, member_role_id=role)
    return services.rules_publish(guild_id=GUILD, actor=ADMIN, text="Be kind.")


def start(user_id=REQUESTER) -> OnboardingFlow:
    return services.rules_accept(guild_id=GUILD, user_id=user_id, now=NOW).flow


def question(key: str) -> OnboardingQuestion:
    return OnboardingQuestion.objects.get(guild_id=GUILD, key=key)


def answer(flow: OnboardingFlow, key: str, user_id=REQUESTER, **given) -> OnboardingFlow:
    return services.onboarding_answer(
        guild_id=GUILD, user_id=user_id, flow_id=flow.pk, question_id=question(key).pk, now=NOW, **given
    )


def test_rules_versions_count_up_per_guild_and_only_admins_publish():
    first = services.rules_publish(guild_id=GUILD, actor=ADMIN, text="One")
    second = services.rules_publish(guild_id=GUILD, actor=SYSTEM, text="Two", title="House rules")
    other = services.rules_publish(guild_id=OTHER_GUILD, actor=ADMIN, text="Elsewhere")
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert services.current_rules(GUILD) == second
    member = Actor(user_id=REQUESTER)
    assert refusal(services.rules_publish, guild_id=GUILD, actor=member, text="Mine").message == services.NOT_ADMIN
    assert (
        refusal(services.rules_publish, guild_id=GUILD, actor=ADMIN, text="  ").message == services.RULES_TEXT_REQUIRED
    )
    too_long = refusal(services.rules_publish, guild_id=GUILD, actor=ADMIN, text="x" * 4001)
    assert too_long.field == "text" and "4001" in too_long.message
    assert RulesVersion.objects.filter(guild_id=GUILD).count() == 2


def test_rules_post_needs_rules_and_a_channel_and_queues_one_message_per_post():
    assert refusal(services.rules_post, guild_id=GUILD, actor=ADMIN, channel_id=5).message == services.NO_RULES
    rules = services.rules_publish(guild_id=GUILD, actor=ADMIN, text="Be kind.")
    assert (
        refusal(services.rules_post, guild_id=GUILD, actor=ADMIN, channel_id=None).message == services.NO_RULES_CHANNEL
    )
    services.rules_post(guild_id=GUILD, actor=ADMIN, channel_id=767_000_000_000_000_001)
    services.rules_post(guild_id=GUILD, actor=ADMIN, channel_id=767_000_000_000_000_001)
    posts = BotAction.objects.filter(kind="send_message", dedupe_key__startswith=f"onboarding:rules:{rules.pk}:")
    assert posts.count() == 2
    components = posts.first().payload["components"][0]["components"]
    assert [c["custom_id"] for c in components] == ["start_onboarding"]


def test_acceptance_is_recorded_once_per_version_and_the_gate_asks_again_for_a_new_one():
    rules = setup_guild(mode=OnboardingMode.RULES_ONLY)
    assert services.rules_pending(guild_id=GUILD, user_id=REQUESTER) == rules
    first = services.rules_accept(guild_id=GUILD, user_id=REQUESTER, now=NOW)
    again = services.rules_accept(guild_id=GUILD, user_id=REQUESTER)
    assert first.created and not again.created and again.acceptance == first.acceptance
    assert (first.acceptance.rules_version, first.acceptance.accepted_at, first.flow) == (rules, NOW, None)
    assert services.rules_pending(guild_id=GUILD, user_id=REQUESTER) is None
    # rules only: the member role once, for the new acceptance
    [grant] = BotAction.objects.filter(kind="add_role")
    assert grant.payload == {
        "guild_id": str(GUILD),
        "user_id": str(REQUESTER),
        "role_id": str(MEMBER_ROLE),
        "reason": "accepted the server rules",
    }

    newer = services.rules_publish(guild_id=GUILD, actor=ADMIN, text="Be kinder.")
    assert services.rules_pending(guild_id=GUILD, user_id=REQUESTER) == newer
    services.rules_accept(guild_id=GUILD, user_id=REQUESTER)
    assert services.rules_pending(guild_id=GUILD, user_id=REQUESTER) is None
    assert list(RulesAcceptance.objects.values_list("rules_version__version", flat=True).order_by("id")) == [1, 2]

    services.onboarding_settings_update(guild_id=GUILD, actor=SYSTEM, require_current_rules=False)
    assert services.rules_pending(guild_id=GUILD, user_id=OTHER_MEMBER) is None


def test_accepting_without_rules_is_refused():
    assert refusal(services.rules_accept, guild_id=GUILD, user_id=REQUESTER).message == services.NO_RULES
    assert not RulesAcceptance.objects.exists() and not OnboardingFlow.objects.exists()


def test_the_default_questions_are_the_seeds_four_steps():
    setup_guild()
    questions = services.questions_for(GUILD)
    assert [(q.key, q.kind) for q in questions] == [
        ("heard_from", QuestionKind.SINGLE),
        ("interests", QuestionKind.MULTI),
        ("existing_member", QuestionKind.SINGLE),
        ("intro_call", QuestionKind.SINGLE),
    ]
    heard = questions[0].options.all()
    assert all(option.followup_label for option in heard) and len(heard) == 3
    yes = OnboardingOption.objects.get(question=questions[3], value="yes")
    assert (yes.followup_label, yes.followup_kind) == ("Your email address", "email")
    # a guild that has questions keeps them
    services.onboarding_default_questions(guild_id=GUILD)
    assert OnboardingQuestion.objects.filter(guild_id=GUILD).count() == 4


def test_a_whole_questionnaire_stores_answers_by_key_and_completes_once():
    setup_guild()
    flow = start()
    assert (flow.status, flow.current_key) == (FlowStatus.IN_PROGRESS, "heard_from")
    flow = answer(flow, "heard_from", choice="friend", followup="Alice")
    flow = answer(flow, "interests", choices=["pvp", "raids", "pvp"])
    flow = answer(flow, "existing_member", choice="no")
    assert not BotAction.objects.filter(kind="add_role").exists()
    flow = answer(flow, "intro_call", choice="yes", followup="new.member@example.org")
    stored = OnboardingFlow.objects.get()
    assert stored.status == FlowStatus.COMPLETED and stored.completed_at == NOW
    assert stored.answers == {
        "heard_from": {
            "choice": "friend",
            "label": "From a friend",
            "followup": "Alice",
            "followup_label": "Who told you about us?",
        },
        "interests": ["raids", "pvp"],
        "existing_member": {"choice": "no", "label": "No"},
        "intro_call": {
            "choice": "yes",
            "label": "Yes, please",
            "followup": "new.member@example.org",
            "followup_label": "Your email address",
        },
    }
    [role] = BotAction.objects.filter(kind="add_role")
    assert role.payload["role_id"] == str(MEMBER_ROLE) and role.payload["user_id"] == str(REQUESTER)
    [log] = BotAction.objects.filter(kind="send_message")
    assert log.payload["channel_id"] == str(LOGS)
    assert "From a friend (Who told you about us?: Alice)" in str(log.payload["embeds"])
    # completed: accepting again does not restart it, answering again is refused
    assert start().status == FlowStatus.COMPLETED
    assert refusal(answer, flow=flow, key="intro_call", choice="no").message == services.FLOW_COMPLETED


@pytest.mark.parametrize(
    ("key", "given", "message"),
    [
        ("heard_from", {}, "An answer to “How did you hear about us?” is required."),
        ("heard_from", {"choice": "carrier_pigeon"}, services.UNKNOWN_OPTION),
        (
            "heard_from",
            {"choice": "friend", "followup": "   "},
            "“Who told you about us?” is required for this answer.",
        ),
        (
            "heard_from",
            {"choice": "friend", "followup": "x" * 1001},
            "The answer is 1001 characters long; keep it to 1000.",
        ),
    ],
)
def test_refused_answers_write_nothing(key, given, message):
    setup_guild()
    flow = start()
    before = OnboardingFlow.objects.values().get()
    assert refusal(answer, flow=flow, key=key, **given).message == message
    assert OnboardingFlow.objects.values().get() == before


def test_an_invalid_email_is_refused_with_djangos_validator():
    setup_guild()
    flow = start()
    for key, given in (("heard_from", {"choice": "event", "followup": "Expo"}), ("interests", {"choices": ["pvp"]})):
        flow = answer(flow, key, **given)
    flow = answer(flow, "existing_member", choice="yes")
    error = refusal(answer, flow=flow, key="intro_call", choice="yes", followup="not-an-email@")
    assert error.message == "'not-an-email@' is not a valid email address." and error.field == "text"
    assert OnboardingFlow.objects.get().status == FlowStatus.IN_PROGRESS
    assert answer(flow, "intro_call", choice="no").status == FlowStatus.COMPLETED


def test_another_members_flow_a_stale_step_and_another_guild_are_refused():
    setup_guild()
    flow = start()
    error = refusal(answer, flow=flow, key="heard_from", user_id=OTHER_MEMBER, choice="event", followup="x")
    assert error.message == services.NOT_YOUR_FLOW
    stale = refusal(answer, flow=flow, key="interests", choices=["pvp"])
    assert (stale.message, stale.code) == (services.STALE_STEP, "stale_step")
    elsewhere = refusal(
        services.onboarding_answer,
        guild_id=OTHER_GUILD,
        user_id=REQUESTER,
        flow_id=flow.pk,
        question_id=question("heard_from").pk,
        choice="event",
        followup="x",
    )
    assert elsewhere.message == services.FLOW_NOT_FOUND
    assert OnboardingFlow.objects.get().answers == {}


def test_back_keeps_answers_and_cancel_discards_them_and_accepting_restarts():
    setup_guild()
    flow = answer(start(), "heard_from", choice="event", followup="Expo")
    first = refusal(
        services.onboarding_back,
        guild_id=GUILD,
        user_id=REQUESTER,
        flow_id=flow.pk,
        question_id=question("heard_from").pk,
    )
    assert first.message == services.STALE_STEP  # the flow is at "interests" now
    flow = services.onboarding_back(
        guild_id=GUILD, user_id=REQUESTER, flow_id=flow.pk, question_id=question("interests").pk
    )
    assert flow.current_key == "heard_from" and flow.answers["heard_from"]["followup"] == "Expo"
    at_first = refusal(
        services.onboarding_back,
        guild_id=GUILD,
        user_id=REQUESTER,
        flow_id=flow.pk,
        question_id=question("heard_from").pk,
    )
    assert at_first.message == services.NO_PREVIOUS
    flow = services.onboarding_cancel(guild_id=GUILD, user_id=REQUESTER, flow_id=flow.pk)
    assert (flow.status, flow.answers) == (FlowStatus.CANCELLED, {})
    assert refusal(answer, flow=flow, key="heard_from", choice="event").message == services.FLOW_CANCELLED
    restarted = start()
    assert restarted.pk == flow.pk and (restarted.status, restarted.current_key) == (
        FlowStatus.IN_PROGRESS,
        "heard_from",
    )


def test_an_optional_question_can_be_skipped_and_text_and_email_questions_are_checked():
    setup_guild()
    OnboardingQuestion.objects.filter(guild_id=GUILD).exclude(key="heard_from").delete()
    OnboardingQuestion.objects.create(
        guild_id=GUILD, key="about", prompt="Tell us about you", kind="text", required=False, position=50
    )
    OnboardingQuestion.objects.create(guild_id=GUILD, key="mail", prompt="Your email", kind="email", position=60)
    flow = answer(start(), "heard_from", choice="social_media", followup="Mastodon")
    flow = answer(flow, "about")  # skipped
    assert flow.current_key == "mail" and flow.answers["about"] is None
    assert refusal(answer, flow=flow, key="mail", text=" ").message == "An answer to “Your email” is required."
    assert refusal(answer, flow=flow, key="mail", text="a@b").message == "'a@b' is not a valid email address."
    flow = answer(flow, "mail", text="a@example.com")
    assert flow.status == FlowStatus.COMPLETED and flow.answers["mail"] == "a@example.com"
    header, rows = services.answers_table(GUILD, OnboardingFlow.objects.all())
    assert header == [
        "user_id",
        "status",
        "started_at",
        "completed_at",
        "heard_from",
        "heard_from_followup",
        "about",
        "mail",
    ]
    assert rows[0][4:] == ["social_media", "Mastodon", "", "a@example.com"]


def test_a_required_question_added_meanwhile_is_asked_before_completing():
    setup_guild()
    flow = start()
    for key, given in (
        ("heard_from", {"choice": "event", "followup": "Expo"}),
        ("interests", {"choices": ["pvp"]}),
        ("existing_member", {"choice": "yes"}),
    ):
        flow = answer(flow, key, **given)
    OnboardingQuestion.objects.create(guild_id=GUILD, key="nickname", prompt="Nickname?", kind="text", position=1)
    flow = answer(flow, "intro_call", choice="no")
    assert (flow.status, flow.current_key) == (FlowStatus.IN_PROGRESS, "nickname")
    assert answer(flow, "nickname", text="Ally").status == FlowStatus.COMPLETED


@pytest.mark.parametrize(
    ("kind", "options", "problems"),
    [
        ("single", [], ["A single choice question needs at least one option."]),
        ("multi", [("a", "Why?")], ["Only a single-choice question's options can ask a follow-up (a)."]),
        ("text", [("a", "")], ["A text question has no options: remove them."]),
        ("single", [("a", ""), ("a", "")], ["Two options have the value 'a'."]),
        ("single", [(f"o{i}", "") for i in range(21)], ["A single choice question has at most 20 options."]),
        ("single", [("a", "Why?"), ("b", "")], []),
    ],
)
def test_question_configuration_problems(kind, options, problems):
    assert services.question_problems(kind, options) == problems


def test_settings_are_admin_only_and_checked():
    member = Actor(user_id=REQUESTER)
    assert refusal(services.onboarding_settings_update, guild_id=GUILD, actor=member).message == services.NOT_ADMIN
    bad_role = refusal(services.onboarding_settings_update, guild_id=GUILD, actor=ADMIN, member_role_id="abc")
    assert bad_role.field == "member_role_id"
    bad_mode = refusal(services.onboarding_settings_update, guild_id=GUILD, actor=ADMIN, mode="everything")
    assert bad_mode.field == "mode"
    assert not OnboardingQuestion.objects.exists()


def test_the_gate_costs_three_queries_however_many_versions_and_members(django_assert_num_queries):
    setup_guild(mode=OnboardingMode.RULES_ONLY)
    for number in range(5):
        services.rules_publish(guild_id=GUILD, actor=ADMIN, text=f"Version {number}")
        for member in range(number * 10, number * 10 + 10):
            services.rules_accept(guild_id=GUILD, user_id=700_000_000_000_000_000 + member)
    with django_assert_num_queries(3):
        assert services.rules_pending(guild_id=GUILD, user_id=REQUESTER).version == 6
    services.rules_accept(guild_id=GUILD, user_id=REQUESTER)
    with django_assert_num_queries(3):
        assert services.rules_pending(guild_id=GUILD, user_id=REQUESTER) is None
