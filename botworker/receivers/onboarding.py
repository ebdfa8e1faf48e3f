"""Rules and onboarding as Discord side effects, through the outbox: the rules message posted in
the rules channel, the member role granted (on acceptance in the rules-only mode, on completing
the questionnaire otherwise), and the log channel's entry for a completed questionnaire.

Dedupe keys name the row that caused them (a rules version's post number, an acceptance, a
flow's completion), so a repeated signal sends nothing twice."""

from __future__ import annotations

from django.dispatch import receiver

from botworker.guilds import channel_for, guild_config_for
from botworker.outbox import AddRole, SendMessage, enqueue
from botworker.presenters import onboarding as presenter
from botworker.receivers.common import message_body
from support.models import OnboardingFlow, RulesAcceptance, RulesVersion
from support.services.onboarding import questions_for
from support.signals import onboarding_completed, rules_accepted, rules_posted


@receiver(rules_posted, dispatch_uid="botworker.onboarding.rules_posted")
def on_rules_posted(sender, rules: RulesVersion, channel_id: int, post_number: int, **kwargs) -> None:
    enqueue(
        SendMessage(channel_id=channel_id, guild_id=rules.guild_id, **message_body(presenter.rules_message(rules))),
        dedupe_key=f"onboarding:rules:{rules.pk}:post:{post_number}",
    )


@receiver(rules_accepted, dispatch_uid="botworker.onboarding.rules_accepted")
def on_rules_accepted(sender, acceptance: RulesAcceptance, role_id: int | None, **kwargs) -> None:
    if role_id:
        enqueue(
            AddRole(
                guild_id=acceptance.guild_id,
                user_id=acceptance.user_id,
                role_id=role_id,
                reason="accepted the server rules",
            ),
            dedupe_key=f"onboarding:acceptance:{acceptance.pk}:role",
        )


@receiver(onboarding_completed, dispatch_uid="botworker.onboarding.completed")
def on_onboarding_completed(sender, flow: OnboardingFlow, role_id: int | None, **kwargs) -> None:
    key = f"onboarding:flow:{flow.pk}:completed:{int(flow.completed_at.timestamp())}"
    if role_id:
        enqueue(
            AddRole(guild_id=flow.guild_id, user_id=flow.user_id, role_id=role_id, reason="completed onboarding"),
            dedupe_key=f"{key}:role",
        )
    config = guild_config_for(flow.guild_id)
    logs = channel_for(config, "logs") if config is not None else None
    if logs:
        enqueue(
            SendMessage(
                channel_id=logs,
                guild_id=flow.guild_id,
                **message_body(presenter.log_entry(flow, questions_for(flow.guild_id))),
            ),
            dedupe_key=f"{key}:log",
        )
