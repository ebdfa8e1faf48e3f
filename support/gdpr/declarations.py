"""The support app's personal data (see docs/gdpr.md)."""

from __future__ import annotations

from config.gdpr import Erase, Link, register
from support.models import (
    ConsentAcceptance,
    FaqEntry,
    FaqProposal,
    FaqProposalTicket,
    GdprRequest,
    OnboardingFlow,
    RulesAcceptance,
    SupportTicket,
    TicketDraft,
    TicketMessage,
    TicketStatusChange,
    TicketSummary,
    TicketTranscript,
)

register(
    SupportTicket,
    # The ticket stays (the guild's statistics, the staff's work on it) with a tombstone for its
    # requester, whose words in it are blanked.
    Link("user_id", Erase.ANONYMISE, owns=("username", "description", "rating_comment")),
    Link("claimed_by", Erase.ANONYMISE),
    Link("escalated_to", Erase.ANONYMISE),
    Link("closed_by", Erase.ANONYMISE, owns=("close_reason",)),
    Link("deleted_by", Erase.ANONYMISE),
)
register(
    TicketStatusChange,
    Link("ticket__user_id", Erase.FOLLOWS),
    Link("changed_by", Erase.ANONYMISE, owns=("note",)),
)
register(ConsentAcceptance, Link("user_id", Erase.DELETE))
register(
    GdprRequest,
    Link("subject_user_id", Erase.KEEP, reason="the proof that a request was met (who, when, what)"),
    Link("requested_by_user_id", Erase.KEEP, reason="the proof of who asked"),
)
# What the member wrote in a ticket channel is theirs: deleted. Staff messages in the member's
# ticket stay with the (anonymised) ticket.
register(
    TicketMessage,
    Link("author_id", Erase.DELETE, owns=("author_name", "content")),
    Link("ticket__user_id", Erase.FOLLOWS),
)
# A transcript quotes the requester by name and word: the member's tickets lose theirs.
register(TicketTranscript, Link("ticket__user_id", Erase.DELETE))
register(RulesAcceptance, Link("user_id", Erase.DELETE))
# The questionnaire's answers (an email address, free text) are the member's: deleted.
register(OnboardingFlow, Link("user_id", Erase.DELETE))
# Summaries and the FAQ. A summary quotes the conversation (the local one is extractive): it goes
# with the member's tickets, as the transcript does, and so does the ticket's place in a proposal.
register(TicketSummary, Link("ticket__user_id", Erase.DELETE))
register(FaqProposalTicket, Link("ticket__user_id", Erase.DELETE))
# FAQ entries and proposals are the guild's; the staff member who wrote or acted is anonymised.
register(FaqEntry, Link("created_by", Erase.ANONYMISE))
register(FaqProposal, Link("acted_by", Erase.ANONYMISE))
# A draft is the member's own words, kept a few minutes: deleted.
register(
    TicketDraft,
    Link("user_id", Erase.DELETE, owns=("topic", "description")),
    Link("ticket__user_id", Erase.FOLLOWS),
)
