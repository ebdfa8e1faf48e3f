"""Rules and onboarding: a guild's versioned rules, their acceptance, the gate that asks members
to accept a new version, and the resumable questionnaire.

The questionnaire's state is one :class:`OnboardingFlow` row per (guild, member): the current
question's key and the answers so far, keyed by question key. Every step locks that row, checks
that the member owns it, that it is in progress and that the question answered is the current
one (a click on an old message of the flow is refused as stale, never applied twice), validates
the answer and moves on. Completing it sends ``onboarding_completed``; the Discord layer grants
the member role through the outbox and writes the log entry.

The rules channel and the log channel are the guild configuration's: the caller passes them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from config.actors import Actor
from config.exceptions import ApplicationError
from config.snowflakes import as_snowflake
from support.models import (
    FlowStatus,
    FollowupKind,
    OnboardingFlow,
    OnboardingMode,
    OnboardingOption,
    OnboardingQuestion,
    OnboardingSettings,
    QuestionKind,
    RulesAcceptance,
    RulesVersion,
)
from support.signals import onboarding_completed, rules_accepted, rules_posted

TEXT_LIMIT = 1000
RULES_TEXT_LIMIT = 4000  # one embed description
SINGLE_OPTION_LIMIT = 20  # buttons: four rows of five, one row left for Back/Cancel
MULTI_OPTION_LIMIT = 25  # one select menu

# ---------------------------------------------------------------------------- messages

NOT_ADMIN = "Only the server's admins can do that."
NO_RULES = "This server has no rules yet: an admin writes them in the back office (Support → Rules versions)."
RULES_TEXT_REQUIRED = "The rules text is empty."
RULES_TEXT_TOO_LONG = "The rules are {length} characters long; keep them to {limit}."
NO_RULES_CHANNEL = "The rules channel is not set: an admin sets it in the guild configuration (feature rules)."
BAD_ROLE = "{value!r} is not a Discord role id."
BAD_MODE = "{value!r} is not an onboarding mode."
FLOW_NOT_FOUND = "This questionnaire no longer exists. Press Accept in the rules channel to start again."
NOT_YOUR_FLOW = "This questionnaire belongs to another member. Press Accept in the rules channel to start your own."
FLOW_COMPLETED = "You have already completed the questionnaire. Thank you!"
FLOW_CANCELLED = "You cancelled this questionnaire. Press Accept in the rules channel to start again."
STALE_STEP = "That question was already answered. Here is where you are now."
NO_PREVIOUS = "This is the first question: there is nothing to go back to."
NOT_IN_RULES_MODE = "This server does not ask onboarding questions."
UNKNOWN_OPTION = "That is not one of the options of this question."
ANSWER_REQUIRED = "An answer to “{prompt}” is required."
FOLLOWUP_REQUIRED = "“{label}” is required for this answer."
INVALID_EMAIL = "{value!r} is not a valid email address."
TEXT_TOO_LONG = "The answer is {length} characters long; keep it to {limit}."
NO_QUESTIONS = "This server has no onboarding questions."
# Configuration problems (the back office shows them next to the question).
OPTIONS_NEEDED = "A {kind} question needs at least one option."
TOO_MANY_OPTIONS = "A {kind} question has at most {limit} options."
NO_OPTIONS_ALLOWED = "A {kind} question has no options: remove them."
FOLLOWUP_SINGLE_ONLY = "Only a single-choice question's options can ask a follow-up ({value})."
DUPLICATE_VALUE = "Two options have the value {value!r}."

EMAIL = EmailValidator()

# The seed's four steps: how the member heard of us (each with a follow-up), interests, existing
# membership, an introduction call (yes asks for an email address).
DEFAULT_QUESTIONS: tuple[dict, ...] = (
    {
        "key": "heard_from",
        "prompt": "How did you hear about us?",
        "kind": QuestionKind.SINGLE,
        "options": (
            ("friend", "From a friend", "Who told you about us?", FollowupKind.TEXT),
            ("social_media", "On social media", "Which platform?", FollowupKind.TEXT),
            ("event", "At an event", "Which event?", FollowupKind.TEXT),
        ),
    },
    {
        "key": "interests",
        "prompt": "What are you interested in? Pick all that apply.",
        "kind": QuestionKind.MULTI,
        "options": (
            ("raids", "Raids", "", FollowupKind.TEXT),
            ("pvp", "PvP", "", FollowupKind.TEXT),
            ("crafting", "Crafting and trading", "", FollowupKind.TEXT),
            ("events", "Community events", "", FollowupKind.TEXT),
            ("social", "Just hanging out", "", FollowupKind.TEXT),
        ),
    },
    {
        "key": "existing_member",
        "prompt": "Are you already a member of our community?",
        "kind": QuestionKind.SINGLE,
        "options": (("yes", "Yes", "", FollowupKind.TEXT), ("no", "No", "", FollowupKind.TEXT)),
    },
    {
        "key": "intro_call",
        "prompt": "Would you like an introduction call with one of our team?",
        "kind": QuestionKind.SINGLE,
        "options": (
            ("yes", "Yes, please", "Your email address", FollowupKind.EMAIL),
            ("no", "No, thanks", "", FollowupKind.TEXT),
        ),
    },
)


# ---------------------------------------------------------------------------- reads


def onboarding_settings_for(guild_id: int) -> OnboardingSettings:
    """The guild's onboarding settings; an unsaved row with the defaults when it has none."""
    return OnboardingSettings.objects.filter(guild_id=guild_id).first() or OnboardingSettings(guild_id=guild_id)


def current_rules(guild_id: int) -> RulesVersion | None:
    """The guild's current (highest) rules version, if it has rules."""
    return RulesVersion.objects.filter(guild_id=guild_id).order_by("-version").first()


def questions_for(guild_id: int) -> list[OnboardingQuestion]:
    """The guild's questions in order, with their options loaded."""
    return list(
        OnboardingQuestion.objects.filter(guild_id=guild_id)
        .order_by("position", "id")
        .prefetch_related(Prefetch("options", queryset=OnboardingOption.objects.order_by("position", "id")))
    )


def rules_pending(*, guild_id: int, user_id: int) -> RulesVersion | None:
    """The gate: the rules version this member must accept before using a gated feature, or None
    when they may go ahead (the guild does not require it, has no rules, or they accepted the
    current version). Three queries at most, whatever the number of members or versions."""
    settings = onboarding_settings_for(guild_id)
    if not settings.require_current_rules:
        return None
    rules = current_rules(guild_id)
    if rules is None or RulesAcceptance.objects.filter(rules_version=rules, user_id=user_id).exists():
        return None
    return rules


def current_question(flow: OnboardingFlow, questions: Sequence[OnboardingQuestion]) -> OnboardingQuestion | None:
    """The question the flow is at: its current key, or (when an admin removed that question) the
    first one not answered yet."""
    by_key = {question.key: question for question in questions}
    if flow.current_key in by_key:
        return by_key[flow.current_key]
    return next((q for q in questions if q.key not in flow.answers), questions[-1] if questions else None)


def question_problems(kind: str, options: Iterable[tuple[str, str]]) -> list[str]:
    """What is wrong with a question of `kind` with these options (value, follow-up label)
    before it can be asked: the back office shows these instead of saving."""
    options = list(options)
    label = QuestionKind(kind).label
    problems = []
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
        limit = SINGLE_OPTION_LIMIT if kind == QuestionKind.SINGLE else MULTI_OPTION_LIMIT
        if not options:
            problems.append(OPTIONS_NEEDED.format(kind=label))
        elif len(options) > limit:
            problems.append(TOO_MANY_OPTIONS.format(kind=label, limit=limit))
    elif options:
        problems.append(NO_OPTIONS_ALLOWED.format(kind=label))
    seen = set()
    for value, followup in options:
        if value in seen:
            problems.append(DUPLICATE_VALUE.format(value=value))
        seen.add(value)
        if followup and kind != QuestionKind.SINGLE:
            problems.append(FOLLOWUP_SINGLE_ONLY.format(value=value))
    return problems


def answer_text(question: OnboardingQuestion, answer: object) -> str:
    """An answer as one line of plain text (summaries, the log entry, the CSV export)."""
    if answer is None:
        return "—"
    if isinstance(answer, list):
        labels = {option.value: option.label for option in question.options.all()}
        return ", ".join(labels.get(value, value) for value in answer)
    if isinstance(answer, dict):
        text = answer.get("label") or answer.get("choice", "")
        if answer.get("followup"):
            text += f" ({answer.get('followup_label') or 'details'}: {answer['followup']})"
        return text
    return str(answer)


def answers_table(guild_id: int, flows: Iterable[OnboardingFlow]) -> tuple[list[str], list[list[str]]]:
    """The answers of `flows` of one guild as a table: a header (member, status, dates, then per
    question its key, and its follow-up for choices that ask one) and one row per flow."""
    questions = questions_for(guild_id)
    header = ["user_id", "status", "started_at", "completed_at"]
    for question in questions:
        header.append(question.key)
        if any(option.followup_label for option in question.options.all()):
            header.append(f"{question.key}_followup")
    rows = []
    for flow in flows:
        row = [
            str(flow.user_id),
            flow.status,
            flow.started_at.isoformat(),
            flow.completed_at.isoformat() if flow.completed_at else "",
        ]
        for question in questions:
            answer = flow.answers.get(question.key)
            if isinstance(answer, dict):
                row.append(answer.get("choice", ""))
            elif isinstance(answer, list):
                row.append(";".join(answer))
            else:
                row.append("" if answer is None else str(answer))
            if any(option.followup_label for option in question.options.all()):
                row.append(answer.get("followup", "") if isinstance(answer, dict) else "")
        rows.append(row)
    return header, rows


# ---------------------------------------------------------------------------- settings, rules, questions


def _require_admin(actor: Actor) -> None:
    if not (actor.is_admin or actor.is_staff):
        raise ApplicationError(NOT_ADMIN, code="permission_denied")


_UNSET = object()


@transaction.atomic
def onboarding_settings_update(
    *,
    guild_id: int,
    actor: Actor,
    mode: str | None = None,
    member_role_id: int | str | None | object = _UNSET,
    require_current_rules: bool | None = None,
) -> OnboardingSettings:
    """Create or change a guild's onboarding settings (admins, staff logins). Arguments not given
    are kept. A guild that has no questions gets the default set."""
    _require_admin(actor)
    if mode is not None and mode not in OnboardingMode.values:
        raise ApplicationError(BAD_MODE, params={"value": mode}, field="mode")
    role = _UNSET
    if member_role_id is not _UNSET:
        role = None if member_role_id in (None, "") else as_snowflake(member_role_id)
        if member_role_id not in (None, "") and role is None:
            raise ApplicationError(BAD_ROLE, params={"value": str(member_role_id)}, field="member_role_id")
    row, _ = OnboardingSettings.objects.select_for_update().get_or_create(guild_id=guild_id)
    if mode is not None:
        row.mode = mode
    if role is not _UNSET:
        row.member_role_id = role
    if require_current_rules is not None:
        row.require_current_rules = require_current_rules
    row.save()
    onboarding_default_questions(guild_id=guild_id)
    return row


@transaction.atomic
def onboarding_default_questions(*, guild_id: int) -> list[OnboardingQuestion]:
    """Give a guild without questions the default set (the seed's four steps); a guild that has
    questions keeps them. Returns the guild's questions."""
    if OnboardingQuestion.objects.filter(guild_id=guild_id).exists():
        return questions_for(guild_id)
    for position, spec in enumerate(DEFAULT_QUESTIONS, 1):
        question = OnboardingQuestion.objects.create(
            guild_id=guild_id, key=spec["key"], prompt=spec["prompt"], kind=spec["kind"], position=position * 10
        )
        OnboardingOption.objects.bulk_create(
            OnboardingOption(
                question=question, value=value, label=label, followup_label=followup, followup_kind=kind, position=i
            )
            for i, (value, label, followup, kind) in enumerate(spec["options"], 1)
        )
    return questions_for(guild_id)


@transaction.atomic
def rules_publish(*, guild_id: int, actor: Actor, text: str, title: str = "Server rules") -> RulesVersion:
    """Publish a new version of a guild's rules (admins, staff logins): the next version number;
    members are asked to accept it on their next use of a gated feature."""
    _require_admin(actor)
    text = (text or "").strip()
    if not text:
        raise ApplicationError(RULES_TEXT_REQUIRED, field="text")
    if len(text) > RULES_TEXT_LIMIT:
        raise ApplicationError(
            RULES_TEXT_TOO_LONG, params={"length": len(text), "limit": RULES_TEXT_LIMIT}, field="text"
        )
    # Lock the guild's settings row so two publications get consecutive numbers.
    OnboardingSettings.objects.select_for_update().get_or_create(guild_id=guild_id)
    top = RulesVersion.objects.filter(guild_id=guild_id).aggregate(top=Max("version"))["top"] or 0
    return RulesVersion.objects.create(
        guild_id=guild_id, version=top + 1, title=(title or "Server rules").strip()[:200], text=text
    )


@transaction.atomic
def rules_post(*, guild_id: int, actor: Actor, channel_id: int | None) -> RulesVersion:
    """Post the current rules, with their Accept button, in the rules channel (admins). Each post
    is its own message (``rules_posted`` with the post's number)."""
    _require_admin(actor)
    if not channel_id:
        raise ApplicationError(NO_RULES_CHANNEL, code="not_configured")
    rules = RulesVersion.objects.select_for_update().filter(guild_id=guild_id).order_by("-version").first()
    if rules is None:
        raise ApplicationError(NO_RULES, code="not_configured")
    rules.posted_count += 1
    rules.save(update_fields=["posted_count"])
    rules_posted.send(sender=RulesVersion, rules=rules, channel_id=channel_id, post_number=rules.posted_count)
    return rules


# ---------------------------------------------------------------------------- acceptance


@dataclass(frozen=True)
class Acceptance:
    """What accepting the rules did: the acceptance (new or earlier), whether it is new, and the
    member's questionnaire when the guild asks questions."""

    acceptance: RulesAcceptance
    created: bool
    flow: OnboardingFlow | None
    mode: str


@transaction.atomic
def rules_accept(*, guild_id: int, user_id: int, now: datetime | None = None) -> Acceptance:
    """Record that a member accepted the guild's current rules (once per version). In the
    ``rules_only`` mode a new acceptance grants the member role (``rules_accepted``); in
    ``rules_with_questions`` the member's questionnaire starts, or resumes where they left it,
    unless they completed it already."""
    now = now or timezone.now()
    rules = current_rules(guild_id)
    if rules is None:
        raise ApplicationError(NO_RULES, code="not_configured")
    settings = onboarding_settings_for(guild_id)
    acceptance, created = RulesAcceptance.objects.get_or_create(
        rules_version=rules, user_id=user_id, defaults={"guild_id": guild_id, "accepted_at": now}
    )
    flow = None
    if settings.mode == OnboardingMode.RULES_WITH_QUESTIONS:
        flow = onboarding_start(guild_id=guild_id, user_id=user_id, now=now)
    if created:
        grant = settings.member_role_id if settings.mode == OnboardingMode.RULES_ONLY else None
        rules_accepted.send(sender=RulesAcceptance, acceptance=acceptance, role_id=grant)
    return Acceptance(acceptance=acceptance, created=created, flow=flow, mode=settings.mode)


# ---------------------------------------------------------------------------- the questionnaire


@transaction.atomic
def onboarding_start(*, guild_id: int, user_id: int, now: datetime | None = None) -> OnboardingFlow:
    """A member's questionnaire: resumed where they left it when in progress, started afresh when
    there is none or they cancelled it, returned as it is when they completed it."""
    now = now or timezone.now()
    questions = onboarding_default_questions(guild_id=guild_id)
    flow = OnboardingFlow.objects.select_for_update().filter(guild_id=guild_id, user_id=user_id).first()
    if flow is not None and flow.status != FlowStatus.CANCELLED:
        return flow
    if flow is None:
        flow = OnboardingFlow(guild_id=guild_id, user_id=user_id)
    flow.status = FlowStatus.IN_PROGRESS
    flow.answers = {}
    flow.current_key = questions[0].key
    flow.started_at, flow.completed_at = now, None
    flow.save()
    return flow


def _locked_flow(*, guild_id: int, user_id: int, flow_id: int) -> OnboardingFlow:
    """The flow, row-locked, checked: of this guild (a missing flow and another guild's are
    refused alike), the member's own, in progress."""
    flow = OnboardingFlow.objects.select_for_update().filter(pk=flow_id, guild_id=guild_id).first()
    if flow is None:
        raise ApplicationError(FLOW_NOT_FOUND, code="not_found")
    if flow.user_id != user_id:
        raise ApplicationError(NOT_YOUR_FLOW, code="permission_denied")
    if flow.status == FlowStatus.COMPLETED:
        raise ApplicationError(FLOW_COMPLETED, code="completed")
    if flow.status == FlowStatus.CANCELLED:
        raise ApplicationError(FLOW_CANCELLED, code="cancelled")
    return flow


def _at(flow: OnboardingFlow, question_id: int) -> tuple[list[OnboardingQuestion], OnboardingQuestion]:
    """The guild's questions and the flow's current one, which must be `question_id`."""
    questions = questions_for(flow.guild_id)
    question = current_question(flow, questions)
    if question is None:
        raise ApplicationError(NO_QUESTIONS, code="not_configured")
    if question.pk != question_id:
        raise ApplicationError(STALE_STEP, code="stale_step")
    return questions, question


def _text_answer(value: str | None, *, question: OnboardingQuestion, label: str, email: bool) -> str:
    text = (value or "").strip()
    if len(text) > TEXT_LIMIT:
        raise ApplicationError(TEXT_TOO_LONG, params={"length": len(text), "limit": TEXT_LIMIT}, field="text")
    if email and text:
        try:
            EMAIL(text)
        except ValidationError:
            raise ApplicationError(INVALID_EMAIL, params={"value": text}, field="text") from None
    return text


def _answer_for(
    question: OnboardingQuestion,
    *,
    choice: str | None,
    choices: Sequence[str] | None,
    text: str | None,
    followup: str | None,
) -> object:
    """The stored answer to `question` from what the member gave, or None (skipped); refuses
    what does not fit the question."""
    options = {option.value: option for option in question.options.all()}
    prompt_missing = ApplicationError(ANSWER_REQUIRED, params={"prompt": question.prompt}, code="required")
    if question.kind == QuestionKind.SINGLE:
        if choice is None:
            if question.required:
                raise prompt_missing
            return None
        option = options.get(choice)
        if option is None:
            raise ApplicationError(UNKNOWN_OPTION, field="choice")
        answer = {"choice": option.value, "label": option.label}
        if option.followup_label:
            detail = _text_answer(
                followup,
                question=question,
                label=option.followup_label,
                email=option.followup_kind == FollowupKind.EMAIL,
            )
            if not detail:
                raise ApplicationError(FOLLOWUP_REQUIRED, params={"label": option.followup_label}, field="followup")
            answer.update(followup=detail, followup_label=option.followup_label)
        return answer
    if question.kind == QuestionKind.MULTI:
        picked = list(dict.fromkeys(choices or ()))
        if any(value not in options for value in picked):
            raise ApplicationError(UNKNOWN_OPTION, field="choices")
        if not picked:
            if question.required:
                raise prompt_missing
            return None
        order = list(options)
        return sorted(picked, key=order.index)
    answer = _text_answer(text, question=question, label=question.prompt, email=question.kind == QuestionKind.EMAIL)
    if not answer:
        if question.required:
            raise prompt_missing
        return None
    return answer


@transaction.atomic
def onboarding_answer(
    *,
    guild_id: int,
    user_id: int,
    flow_id: int,
    question_id: int,
    choice: str | None = None,
    choices: Sequence[str] | None = None,
    text: str | None = None,
    followup: str | None = None,
    now: datetime | None = None,
) -> OnboardingFlow:
    """Answer the flow's current question (nothing given skips an optional one) and move to the
    next question not answered yet; when none is left, complete the flow
    (``onboarding_completed``) — unless a required question is still unanswered (one an admin
    added meanwhile), which becomes the current one.

    Refuses another member's flow, a flow not in progress, a question that is not the current one
    (stale), an unknown option, a missing required answer or follow-up, an invalid email address,
    and text over 1,000 characters; a refusal writes nothing."""
    now = now or timezone.now()
    flow = _locked_flow(guild_id=guild_id, user_id=user_id, flow_id=flow_id)
    questions, question = _at(flow, question_id)
    flow.answers = {
        **flow.answers,
        question.key: _answer_for(question, choice=choice, choices=choices, text=text, followup=followup),
    }
    # The next question not answered yet (after Back, the member continues from the one they
    # changed); once none is left after it, any required question still unanswered (one an admin
    # added meanwhile), and only then completion.
    following = questions[questions.index(question) + 1 :]
    upcoming = next((q for q in following if q.key not in flow.answers), None)
    upcoming = upcoming or next((q for q in questions if q.required and flow.answers.get(q.key) is None), None)
    if upcoming is not None:
        flow.current_key = upcoming.key
        flow.save(update_fields=["answers", "current_key", "updated_at"])
        return flow
    flow.status, flow.completed_at, flow.current_key = FlowStatus.COMPLETED, now, ""
    flow.save(update_fields=["answers", "status", "completed_at", "current_key", "updated_at"])
    role = onboarding_settings_for(guild_id).member_role_id
    onboarding_completed.send(sender=OnboardingFlow, flow=flow, role_id=role)
    return flow


@transaction.atomic
def onboarding_back(*, guild_id: int, user_id: int, flow_id: int, question_id: int) -> OnboardingFlow:
    """Go back to the question before the current one (its answer is kept until it is answered
    again). Refuses at the first question."""
    flow = _locked_flow(guild_id=guild_id, user_id=user_id, flow_id=flow_id)
    questions, question = _at(flow, question_id)
    index = questions.index(question)
    if index == 0:
        raise ApplicationError(NO_PREVIOUS, code="first_question")
    flow.current_key = questions[index - 1].key
    flow.save(update_fields=["current_key", "updated_at"])
    return flow


@transaction.atomic
def onboarding_cancel(*, guild_id: int, user_id: int, flow_id: int) -> OnboardingFlow:
    """Cancel a member's questionnaire: the answers given are discarded; accepting the rules
    again starts afresh."""
    flow = _locked_flow(guild_id=guild_id, user_id=user_id, flow_id=flow_id)
    flow.status, flow.answers, flow.current_key = FlowStatus.CANCELLED, {}, ""
    flow.save(update_fields=["status", "answers", "current_key", "updated_at"])
    return flow


@transaction.atomic
def onboarding_step(
    *, guild_id: int, user_id: int, flow_id: int, question_id: int
) -> tuple[OnboardingFlow, OnboardingQuestion]:
    """Check, without writing, that the member may answer `question_id` of the flow now (their
    own flow, in progress, at that question), with the same refusals as an answer: a modal is
    only shown for a step that can be answered."""
    flow = _locked_flow(guild_id=guild_id, user_id=user_id, flow_id=flow_id)
    _, question = _at(flow, question_id)
    return flow, question
