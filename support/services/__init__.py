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
