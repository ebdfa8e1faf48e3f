"""The onboarding back office: its pages render, saving rules publishes a new version, question
options are checked as a whole, and the answers export as CSV (one server at a time, formulas
defused)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User

from config.actors import SYSTEM
from support.models import OnboardingFlow, OnboardingQuestion, OnboardingSettings, RulesAcceptance, RulesVersion
from support.services import onboarding as services
from support.tests.factories import GUILD, OTHER_GUILD, OTHER_MEMBER, REQUESTER

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def boss(client):
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "pw"))
    return client


def complete(guild_id: int, user_id: int, heard_followup: str = "Alice") -> OnboardingFlow:
    flow = services.rules_accept(guild_id=guild_id, user_id=user_id, now=NOW).flow
    questions = {q.key: q.pk for q in services.questions_for(guild_id)}
    for key, given in (
        ("heard_from", {"choice": "friend", "followup": heard_followup}),
        ("interests", {"choices": ["raids", "pvp"]}),
        ("existing_member", {"choice": "no"}),
        ("intro_call", {"choice": "yes", "followup": "a@example.org"}),
    ):
        flow = services.onboarding_answer(
            guild_id=guild_id, user_id=user_id, flow_id=flow.pk, question_id=questions[key], now=NOW, **given
        )
    return flow


@pytest.fixture
def answered():
    for guild_id in (GUILD, OTHER_GUILD):
        services.onboarding_settings_update(guild_id=guild_id, actor=SYSTEM)
        services.rules_publish(guild_id=guild_id, actor=SYSTEM, text="Be kind.")
    return {
        "mine": complete(GUILD, REQUESTER),
        "formula": complete(GUILD, OTHER_MEMBER, heard_followup="=HYPERLINK(1)"),
        "elsewhere": complete(OTHER_GUILD, REQUESTER),
    }


def test_admin_pages_render(boss, answered):
    question = OnboardingQuestion.objects.filter(guild_id=GUILD).first()
    for url in (
        "/admin/support/onboardingsettings/",
        "/admin/support/onboardingsettings/add/",
        f"/admin/support/onboardingsettings/{OnboardingSettings.objects.first().pk}/change/",
        "/admin/support/rulesversion/",
        "/admin/support/rulesversion/add/",
        f"/admin/support/rulesversion/{RulesVersion.objects.first().pk}/change/",
        "/admin/support/rulesacceptance/",
        "/admin/support/onboardingquestion/",
        f"/admin/support/onboardingquestion/{question.pk}/change/",
        "/admin/support/onboardingflow/",
    ):
        assert boss.get(url).status_code == 200, url
    detail = boss.get(f"/admin/support/onboardingflow/{answered['mine'].pk}/change/").content.decode()
    assert "How did you hear about us?" in detail and "From a friend (Who told you about us?: Alice)" in detail


def test_saving_rules_publishes_a_new_version_and_keeps_the_old_one(boss, answered):
    first = RulesVersion.objects.get(guild_id=GUILD)
    response = boss.post(
        f"/admin/support/rulesversion/{first.pk}/change/", {"title": "House rules", "text": "Be kinder."}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.version, first.text) == (1, "Be kind.")
    newer = services.current_rules(GUILD)
    assert (newer.version, newer.title, newer.text) == (2, "House rules", "Be kinder.")
    assert services.rules_pending(guild_id=GUILD, user_id=REQUESTER) == newer
    added = boss.post("/admin/support/rulesversion/add/", {"guild_id": GUILD, "title": "Rules", "text": "Third."})
    assert added.status_code == 302 and services.current_rules(GUILD).version == 3
    too_long = boss.post("/admin/support/rulesversion/add/", {"guild_id": GUILD, "title": "R", "text": "x" * 4001})
    assert too_long.status_code == 200 and "keep them to 4000" in too_long.content.decode()
    assert RulesVersion.objects.filter(guild_id=GUILD).count() == 3
    assert RulesAcceptance.objects.filter(guild_id=GUILD).count() == 2


def question_form(kind: str, options: list[tuple[str, str, str]]) -> dict:
    data = {
        "guild_id": GUILD,
        "position": 100,
        "key": "favourite",
        "prompt": "Favourite?",
        "kind": kind,
        "required": "on",
        "options-TOTAL_FORMS": len(options),
        "options-INITIAL_FORMS": 0,
        "options-MIN_NUM_FORMS": 0,
        "options-MAX_NUM_FORMS": 1000,
    }
    for i, (value, label, followup) in enumerate(options):
        data |= {
            f"options-{i}-position": i,
            f"options-{i}-value": value,
            f"options-{i}-label": label,
            f"options-{i}-followup_label": followup,
            f"options-{i}-followup_kind": "text",
        }
    return data


def test_question_options_are_checked_before_saving(boss):
    refused = boss.post("/admin/support/onboardingquestion/add/", question_form("multi", [("a", "A", "Why?")]))
    assert refused.status_code == 200
    assert "Only a single-choice question&#x27;s options can ask a follow-up (a)." in refused.content.decode()
    assert not OnboardingQuestion.objects.exists()
    saved = boss.post("/admin/support/onboardingquestion/add/", question_form("single", [("a", "A", "Why?")]))
    assert saved.status_code == 302
    assert OnboardingQuestion.objects.get(key="favourite").options.get().followup_label == "Why?"


def test_answers_export_as_csv_for_one_server(boss, answered):
    ids = [answered["mine"].pk, answered["formula"].pk]
    response = boss.post("/admin/support/onboardingflow/", {"action": "export_answers_csv", "_selected_action": ids})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="onboarding-{GUILD}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "user_id",
        "status",
        "started_at",
        "completed_at",
        "heard_from",
        "heard_from_followup",
        "interests",
        "existing_member",
        "intro_call",
        "intro_call_followup",
    ]
    assert rows[1] == [
        str(REQUESTER),
        "completed",
        NOW.isoformat(),
        NOW.isoformat(),
        "friend",
        "Alice",
        "raids;pvp",
        "no",
        "yes",
        "a@example.org",
    ]
    assert rows[2][5] == "'=HYPERLINK(1)" and len(rows) == 3

    mixed = boss.post(
        "/admin/support/onboardingflow/",
        {"action": "export_answers_csv", "_selected_action": [answered["mine"].pk, answered["elsewhere"].pk]},
        follow=True,
    )
    assert "Export the questionnaires of one server at a time" in mixed.content.decode()
