"""The support app's models: tickets (`tickets`), rules and onboarding (`onboarding`)."""

from support.models.tickets import (
    ACTIVE_STATUSES,
    CHANNEL_STATUSES,
    SupportSettings,
    SupportTicket,
    TicketStatus,
    TicketStatusChange,
)

__all__ = [
    "ACTIVE_STATUSES",
    "CHANNEL_STATUSES",
    "SupportSettings",
    "SupportTicket",
    "TicketStatus",
    "TicketStatusChange",
]

from support.models.onboarding import (
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

__all__ += [
    "FlowStatus",
    "FollowupKind",
    "OnboardingFlow",
    "OnboardingMode",
    "OnboardingOption",
    "OnboardingQuestion",
    "OnboardingSettings",
    "QuestionKind",
    "RulesAcceptance",
    "RulesVersion",
]
