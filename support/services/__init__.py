"""Every write of the support desk (see the modules for what each guarantees)."""

from support.services.conversation import ticket_record_message, ticket_record_message_edit
from support.services.messages import *  # noqa: F403
from support.services.settings import settings_for, support_settings_update
from support.services.tickets import (
    CATEGORY_CHANNEL_LIMIT,
    CLOSE_REASON_LIMIT,
    COMMENT_LIMIT,
    DESCRIPTION_LIMIT,
    TOPIC_LIMIT,
    is_staff,
    ticket_claim,
    ticket_close,
    ticket_delete,
    ticket_escalate,
    ticket_open,
    ticket_rate,
    ticket_record_channel,
    ticket_record_control_message,
    ticket_wait_for_user,
)

__all__ = [
    "CATEGORY_CHANNEL_LIMIT",
    "CLOSE_REASON_LIMIT",
    "COMMENT_LIMIT",
    "DESCRIPTION_LIMIT",
    "TOPIC_LIMIT",
    "is_staff",
    "settings_for",
    "support_settings_update",
    "ticket_claim",
    "ticket_close",
    "ticket_delete",
    "ticket_escalate",
    "ticket_open",
    "ticket_rate",
    "ticket_record_channel",
    "ticket_record_control_message",
    "ticket_record_message",
    "ticket_record_message_edit",
    "ticket_wait_for_user",
]

from support.services.gdpr import (
    consent_accept,
    consent_acceptances,
    consent_current,
    consent_pending,
    consent_version_publish,
    gdpr_erase,
    gdpr_export,
)

__all__ += [
    "consent_accept",
    "consent_acceptances",
    "consent_current",
    "consent_pending",
    "consent_version_publish",
    "gdpr_erase",
    "gdpr_export",
]

from support.services.faq import (  # noqa: E402 - grouped by module, each with its __all__
    faq_entry_create,
    faq_entry_update,
    faq_proposal_add,
    faq_proposal_check,
    faq_proposal_dismiss,
    faq_proposal_record_message,
    faq_search,
    ticket_draft_answered,
    ticket_draft_open,
    ticket_request,
)
from support.services.summaries import ticket_summary_make  # noqa: E402

__all__ += [
    "faq_entry_create",
    "faq_entry_update",
    "faq_proposal_add",
    "faq_proposal_check",
    "faq_proposal_dismiss",
    "faq_proposal_record_message",
    "faq_search",
    "ticket_draft_answered",
    "ticket_draft_open",
    "ticket_request",
    "ticket_summary_make",
]
