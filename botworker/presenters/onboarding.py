"""How rules and onboarding look in Discord: the rules message with its persistent Accept button,
the gate's reminder to accept a new version, each questionnaire step (buttons for a single
choice, a select menu for a multiple choice, a modal for text, email and follow-ups), the
member's summary and the log channel's entry. The handlers answer with these and the receivers
post them through the outbox.

Every step's custom_ids carry the flow's id and the question's id (and the option's): the
handlers check on every click that the flow is the clicking member's and at that question."""

from __future__ import annotations

from collections.abc import Sequence

from botworker.interactions import Modal, Reply, TextInput, button, limits, string_select
from botworker.presenters.text import discord_format
from config.exceptions import UserRef
from support.models import (
    FollowupKind,
    OnboardingFlow,
    OnboardingOption,
    OnboardingQuestion,
    QuestionKind,
    RulesVersion,
)
from support.services.onboarding import TEXT_LIMIT, answer_text

# The Accept button's custom_id, as the seed's: one persistent button for every member.
ACCEPT_ACTION = "start_onboarding"
PICK_ACTION = "onb_pick"  # <flow>-<question>-<option>: a single-choice button
MULTI_ACTION = "onb_multi"  # <flow>-<question>: the multiple-choice select menu
ANSWER_ACTION = "onb_answer"  # <flow>-<question>: opens the text or email modal
TEXT_ACTION = "onb_text"  # <flow>-<question>: the text or email modal's submit
FOLLOWUP_ACTION = "onb_followup"  # <flow>-<question>-<option>: a follow-up modal's submit
SKIP_ACTION = "onb_skip"  # <flow>-<question>
BACK_ACTION = "onb_back"  # <flow>-<question>
CANCEL_ACTION = "onb_cancel"  # <flow>

ID = r"[1-9]\d{0,18}"
FLOW_QUESTION = rf"{ID}-{ID}"
FLOW_QUESTION_OPTION = rf"{ID}-{ID}-{ID}"

RULES_COLOUR = 0x5865F2
DONE_COLOUR = 0x2ECC71
ANSWER_FIELD = "answer"
FOLLOWUP_FIELD = "followup"

RULES_FOOTER = "Version {version} · press Accept to agree to these rules"
GATE = "The server's rules have changed (version {version}). Please read them and press **Accept** to continue."
ACCEPTED = "Thank you for accepting the rules (version {version})."
ROLE_ON_ITS_WAY = " Your member role is on its way."
ALREADY_COMPLETED = " You have completed the questionnaire already."
WELCOME = "Thank you for accepting the rules! A few questions to get to know you:"
PROGRESS = "Question {number} of {total}"
CANCELLED = (
    "You cancelled the questionnaire; your answers were discarded. Press Accept in the rules channel to start again."
)
SUMMARY_TITLE = "Welcome aboard! Here is what you told us"
SUMMARY_ROLE = "Your member role is on its way."
LOG_TITLE = "Onboarding completed"
LOG_TEXT = "{user} completed the questionnaire."


def _ids(*parts: int) -> str:
    return "-".join(str(part) for part in parts)


def rules_message(rules: RulesVersion) -> Reply:
    """The rules in the rules channel, with the Accept button every member presses."""
    return Reply(
        embeds=[
            {
                "title": rules.title,
                "description": rules.text,
                "color": RULES_COLOUR,
                "footer": {"text": RULES_FOOTER.format(version=rules.version)},
            }
        ],
        components=[[button("Accept", ACCEPT_ACTION, style=3, emoji="✅")]],
    )


def gate(rules: RulesVersion) -> Reply:
    """The gate's answer to a member who has not accepted the current rules: the rules, in a
    message only they see, with the same Accept button."""
    message = rules_message(rules)
    return Reply(
        content=GATE.format(version=rules.version), embeds=message.embeds, components=message.components, ephemeral=True
    )


def accepted(rules: RulesVersion, *, role_granted: bool, completed: bool = False) -> Reply:
    text = ACCEPTED.format(version=rules.version)
    if role_granted:
        text += ROLE_ON_ITS_WAY
    if completed:
        text += ALREADY_COMPLETED
    return Reply(content=text, ephemeral=True)


def step(
    flow: OnboardingFlow,
    questions: Sequence[OnboardingQuestion],
    question: OnboardingQuestion,
    *,
    note: str = "",
    update: bool = False,
) -> Reply:
    """One question of the flow, with its answer components and Back / Skip / Cancel."""
    number = list(questions).index(question) + 1
    options = list(question.options.all())
    rows: list[list[dict]] = []
    if question.kind == QuestionKind.SINGLE:
        buttons = [
            button(
                limits.clip(option.label, limits.BUTTON_LABEL),
                f"{PICK_ACTION}:{_ids(flow.pk, question.pk, option.pk)}",
                style=2,
            )
            for option in options
        ]
        rows = [buttons[i : i + limits.BUTTONS_PER_ROW] for i in range(0, len(buttons), limits.BUTTONS_PER_ROW)]
    elif question.kind == QuestionKind.MULTI:
        chosen = set(flow.answers.get(question.key) or ())
        select_options = [
            {
                "label": limits.clip(option.label, limits.SELECT_OPTION_TEXT),
                "value": option.value,
                "default": option.value in chosen,
            }
            for option in options
        ]
        rows = [
            [
                string_select(
                    f"{MULTI_ACTION}:{_ids(flow.pk, question.pk)}",
                    select_options,
                    placeholder="Pick all that apply, then close the menu",
                    min_values=1,
                    max_values=len(select_options),
                )
            ]
        ]
    else:
        rows = [[button("Answer", f"{ANSWER_ACTION}:{_ids(flow.pk, question.pk)}", style=1, emoji="✏️")]]
    navigation = []
    if number > 1:
        navigation.append(button("Back", f"{BACK_ACTION}:{_ids(flow.pk, question.pk)}", style=2))
    if not question.required:
        navigation.append(button("Skip", f"{SKIP_ACTION}:{_ids(flow.pk, question.pk)}", style=2))
    navigation.append(button("Cancel", f"{CANCEL_ACTION}:{flow.pk}", style=4))
    previous = flow.answers.get(question.key)
    description = question.prompt
    if previous is not None and question.kind != QuestionKind.MULTI:
        description += f"\n\nYour answer so far: {answer_text(question, previous)}"
    embed = {
        "title": PROGRESS.format(number=number, total=len(questions)),
        "description": description,
        "color": RULES_COLOUR,
    }
    return Reply(content=note, embeds=[embed], components=[*rows, navigation], ephemeral=True, update=update)


def text_modal(flow: OnboardingFlow, question: OnboardingQuestion) -> Reply:
    """The modal of a text or email question."""
    previous = flow.answers.get(question.key)
    return Reply(
        modal=Modal(
            custom_id=f"{TEXT_ACTION}:{_ids(flow.pk, question.pk)}",
            title=limits.clip(question.prompt, limits.MODAL_TITLE),
            inputs=[
                TextInput(
                    custom_id=ANSWER_FIELD,
                    label=limits.clip(
                        "Your email address" if question.kind == QuestionKind.EMAIL else "Your answer",
                        limits.TEXT_INPUT_LABEL,
                    ),
                    style=1 if question.kind == QuestionKind.EMAIL else 2,
                    value=previous if isinstance(previous, str) else None,
                    required=question.required,
                    max_length=TEXT_LIMIT,
                    placeholder=limits.clip(question.prompt, limits.TEXT_INPUT_PLACEHOLDER),
                )
            ],
        )
    )


def followup_modal(flow: OnboardingFlow, question: OnboardingQuestion, option: OnboardingOption) -> Reply:
    """The follow-up modal an option asks for (its label is the input's label)."""
    email = option.followup_kind == FollowupKind.EMAIL
    return Reply(
        modal=Modal(
            custom_id=f"{FOLLOWUP_ACTION}:{_ids(flow.pk, question.pk, option.pk)}",
            title=limits.clip(option.label, limits.MODAL_TITLE),
            inputs=[
                TextInput(
                    custom_id=FOLLOWUP_FIELD,
                    label=limits.clip(option.followup_label, limits.TEXT_INPUT_LABEL),
                    style=1 if email else 2,
                    required=True,
                    max_length=TEXT_LIMIT,
                    placeholder="name@example.com" if email else None,
                )
            ],
        )
    )


def _answer_fields(flow: OnboardingFlow, questions: Sequence[OnboardingQuestion]) -> list[dict]:
    return [
        {
            "name": limits.clip(question.prompt, limits.EMBED_FIELD_NAME),
            "value": limits.clip(answer_text(question, flow.answers.get(question.key)), limits.EMBED_FIELD_VALUE),
            "inline": False,
        }
        for question in questions[: limits.EMBED_FIELDS]
    ]


def summary(flow: OnboardingFlow, questions: Sequence[OnboardingQuestion], *, role_granted: bool) -> Reply:
    """The member's summary of their answers, once they completed the questionnaire (it replaces
    the last step, only they see it)."""
    embed = {"title": SUMMARY_TITLE, "color": DONE_COLOUR, "fields": _answer_fields(flow, questions)}
    if role_granted:
        embed["description"] = SUMMARY_ROLE
    return Reply(embeds=[embed], components=[], ephemeral=True, update=True)


def log_entry(flow: OnboardingFlow, questions: Sequence[OnboardingQuestion]) -> Reply:
    """The log channel's entry for a completed questionnaire."""
    embed = {
        "title": LOG_TITLE,
        "description": discord_format(LOG_TEXT, user=UserRef(flow.user_id)),
        "color": DONE_COLOUR,
        "fields": _answer_fields(flow, questions),
    }
    if flow.completed_at:
        embed["timestamp"] = flow.completed_at.isoformat()
    return Reply(embeds=[embed])


def cancelled() -> Reply:
    return Reply(content=CANCELLED, embeds=[], components=[], ephemeral=True, update=True)
