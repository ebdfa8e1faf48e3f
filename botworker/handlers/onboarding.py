"""Rules and onboarding in Discord: /rules_post, the persistent Accept button, the questionnaire's
steps, and the rules gate other features use.

The questionnaire is ephemeral: each step replaces the one before in a message only the member
sees. Its state is in the database (support's OnboardingFlow), so after a restart of the bot the
buttons of the open message keep working, and pressing Accept again shows the current step.

**The rules gate.** :func:`rules_gate` answers an interaction of a member who has not accepted
the guild's current rules version (when the guild requires it) with the rules and their Accept
button instead of running the feature; :func:`requires_current_rules` wraps a handler with it.
Moderators and admins pass. The gated features are listed in docs/support.md ("Onboarding").
"""

from __future__ import annotations

import functools

from botworker.guilds import channel_for
from botworker.interactions import Invocation, Reply, router
from botworker.models import PermissionLevel
from botworker.presenters import gdpr as gdpr_presenter
from botworker.presenters import onboarding as presenter
from botworker.presenters.text import discord_format
from config.actors import Actor
from config.exceptions import ApplicationError, ChannelRef
from support.models import FlowStatus, OnboardingFlow, OnboardingMode, OnboardingOption, OnboardingQuestion
from support.services import gdpr as gdpr_services
from support.services import onboarding as services

RULES_POSTED = "Rules version {version} posted in {channel}."


def actor_of(inv: Invocation) -> Actor:
    return Actor(
        user_id=inv.user_id,
        role_ids=inv.role_ids,
        is_moderator=inv.level >= PermissionLevel.MODERATOR,
        is_admin=inv.level >= PermissionLevel.ADMIN,
    )


# ---------------------------------------------------------------------------- the gate


def rules_gate(inv: Invocation) -> Reply | None:
    """None when the member may use a gated feature; otherwise the answer that asks them to
    accept the current rules first (ephemeral, with the Accept button), then the current version
    of the guild's data-protection text when it published one (with its Accept button)."""
    if inv.guild_id is None or inv.level >= PermissionLevel.MODERATOR:
        return None
    pending = services.rules_pending(guild_id=inv.guild_id, user_id=inv.user_id)
    if pending is not None:
        return presenter.gate(pending)
    consent = gdpr_services.consent_pending(guild_id=inv.guild_id, user_id=inv.user_id)
    return gdpr_presenter.consent_gate(consent) if consent is not None else None


def requires_current_rules(handler):
    """Wrap a handler with :func:`rules_gate` (put it below the router's decorator)."""

    @functools.wraps(handler)
    def gated(inv: Invocation) -> Reply:
        return rules_gate(inv) or handler(inv)

    return gated


# ---------------------------------------------------------------------------- rules


@router.command(
    "rules_post",
    description="Post the server rules with their Accept button in the rules channel (admins)",
    level=PermissionLevel.ADMIN,
    needs_config=True,
)
def rules_post(inv: Invocation) -> Reply:
    channel = channel_for(inv.guild, "rules")
    rules = services.rules_post(guild_id=inv.guild_id, actor=actor_of(inv), channel_id=channel)
    return Reply(
        content=discord_format(RULES_POSTED, version=rules.version, channel=ChannelRef(channel)), ephemeral=True
    )


@router.component(presenter.ACCEPT_ACTION, target="none", needs_config=True)
def accept(inv: Invocation) -> Reply:
    result = services.rules_accept(guild_id=inv.guild_id, user_id=inv.user_id)
    rules = result.acceptance.rules_version
    if result.mode == OnboardingMode.RULES_ONLY:
        role = bool(result.created and services.onboarding_settings_for(inv.guild_id).member_role_id)
        return presenter.accepted(rules, role_granted=role)
    flow = result.flow
    if flow.status == FlowStatus.COMPLETED:
        return presenter.accepted(rules, role_granted=False, completed=True)
    return _show(flow, note=presenter.WELCOME, update=False)


# ---------------------------------------------------------------------------- the questionnaire


def _ids(inv: Invocation) -> list[int]:
    return [int(part) for part in inv.target.split("-")]


def _show(flow: OnboardingFlow, *, note: str = "", update: bool = True) -> Reply:
    """The flow as it is now: its current step, or the summary once completed."""
    questions = services.questions_for(flow.guild_id)
    if flow.status == FlowStatus.COMPLETED:
        role = services.onboarding_settings_for(flow.guild_id).member_role_id
        return presenter.summary(flow, questions, role_granted=bool(role))
    if flow.status == FlowStatus.CANCELLED:
        return presenter.cancelled()
    question = services.current_question(flow, questions)
    return presenter.step(flow, questions, question, note=note, update=update)


def _advance(inv: Invocation, write) -> Reply:
    """Run a step's service and show where the flow is now. A click on an older step of the
    member's own flow shows the current step instead, saying so."""
    try:
        flow = write()
    except ApplicationError as error:
        if error.code != "stale_step":
            raise
        flow = OnboardingFlow.objects.get(pk=_ids(inv)[0])
        return _show(flow, note=error.message)
    return _show(flow)


def _step(inv: Invocation) -> Reply | tuple[OnboardingFlow, OnboardingQuestion]:
    """The member's flow and its current question, checked before a modal is shown; on a click
    of an older step, the reply showing the current one."""
    flow_id, question_id = _ids(inv)[:2]
    try:
        return services.onboarding_step(
            guild_id=inv.guild_id, user_id=inv.user_id, flow_id=flow_id, question_id=question_id
        )
    except ApplicationError as error:
        if error.code != "stale_step":
            raise
        return _show(OnboardingFlow.objects.get(pk=flow_id), note=error.message)


def _answer(inv: Invocation, **answer) -> Reply:
    flow_id, question_id = _ids(inv)[:2]
    return _advance(
        inv,
        lambda: services.onboarding_answer(
            guild_id=inv.guild_id, user_id=inv.user_id, flow_id=flow_id, question_id=question_id, **answer
        ),
    )


@router.component(presenter.PICK_ACTION, target=presenter.FLOW_QUESTION_OPTION, needs_config=True)
def pick(inv: Invocation) -> Reply:
    checked = _step(inv)
    if isinstance(checked, Reply):
        return checked
    flow, question = checked
    option = OnboardingOption.objects.filter(pk=_ids(inv)[2], question=question).first()
    if option is None:
        raise ApplicationError(services.UNKNOWN_OPTION)
    if option.followup_label:
        return presenter.followup_modal(flow, question, option)
    return _answer(inv, choice=option.value)


@router.modal(presenter.FOLLOWUP_ACTION, target=presenter.FLOW_QUESTION_OPTION, needs_config=True)
def followup_submitted(inv: Invocation) -> Reply:
    option = OnboardingOption.objects.filter(pk=_ids(inv)[2], question_id=_ids(inv)[1]).first()
    if option is None:
        raise ApplicationError(services.UNKNOWN_OPTION)
    return _answer(inv, choice=option.value, followup=inv.fields.get(presenter.FOLLOWUP_FIELD, ""))


@router.component(presenter.MULTI_ACTION, target=presenter.FLOW_QUESTION, needs_config=True)
def multi_submitted(inv: Invocation) -> Reply:
    return _answer(inv, choices=list(inv.values))


@router.component(presenter.ANSWER_ACTION, target=presenter.FLOW_QUESTION, needs_config=True)
def open_text(inv: Invocation) -> Reply:
    checked = _step(inv)
    if isinstance(checked, Reply):
        return checked
    return presenter.text_modal(*checked)


@router.modal(presenter.TEXT_ACTION, target=presenter.FLOW_QUESTION, needs_config=True)
def text_submitted(inv: Invocation) -> Reply:
    return _answer(inv, text=inv.fields.get(presenter.ANSWER_FIELD, ""))


@router.component(presenter.SKIP_ACTION, target=presenter.FLOW_QUESTION, needs_config=True)
def skip(inv: Invocation) -> Reply:
    return _answer(inv)


@router.component(presenter.BACK_ACTION, target=presenter.FLOW_QUESTION, needs_config=True)
def back(inv: Invocation) -> Reply:
    flow_id, question_id = _ids(inv)
    return _advance(
        inv,
        lambda: services.onboarding_back(
            guild_id=inv.guild_id, user_id=inv.user_id, flow_id=flow_id, question_id=question_id
        ),
    )


@router.component(presenter.CANCEL_ACTION, needs_config=True)
def cancel(inv: Invocation) -> Reply:
    services.onboarding_cancel(guild_id=inv.guild_id, user_id=inv.user_id, flow_id=inv.target_id)
    return presenter.cancelled()
