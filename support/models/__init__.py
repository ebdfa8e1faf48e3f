"""The support app's models: tickets (`tickets`), GDPR (`gdpr`), rules and onboarding (`onboarding`)."""

from support.models.gdpr import ConsentAcceptance, ConsentVersion, GdprRequest, Tombstone
from support.models.metrics import StatsScope, TicketMetrics
from support.models.tickets import (
    ACTIVE_STATUSES,
    CHANNEL_STATUSES,
    SupportSettings,
    SupportTicket,
    TicketMessage,
    TicketStatus,
    TicketStatusChange,
    TicketTranscript,
)

__all__ = [
    "ACTIVE_STATUSES",
    "CHANNEL_STATUSES",
    "SupportSettings",
    "SupportTicket",
    "TicketStatus",
    "TicketStatusChange",
    "TicketMessage",
    "TicketTranscript",
    "ConsentAcceptance",
    "ConsentVersion",
    "GdprRequest",
    "Tombstone",
    "StatsScope",
    "TicketMetrics",
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

from support.models.faq import (  # noqa: E402 - grouped by module, each with its __all__
    FaqEntry,
    FaqProposal,
    FaqProposalTicket,
    ProposalStatus,
    SummaryProvider,
    TicketDraft,
    TicketSummary,
)

__all__ += [
    "FaqEntry",
    "FaqProposal",
    "FaqProposalTicket",
    "ProposalStatus",
    "SummaryProvider",
    "TicketDraft",
    "TicketSummary",
]
