"""Domain events of the support desk, sent by its services inside their transaction.

`ticket_opened(ticket)`: a ticket was opened; its channel is to be created.
`ticket_channel_ready(ticket)`: the ticket's channel exists (its id is recorded); the in-channel
message with the staff buttons is to be posted.
`ticket_changed(ticket, change, actor_id)`: a ticket was claimed, set waiting for its requester,
escalated, closed or deleted (`change` is one of CHANGES); its message is re-rendered, and the
channel renamed, locked or deleted as the change requires.
"""

from django.dispatch import Signal

CHANGES = ("claimed", "waiting", "escalated", "closed", "deleted")

ticket_opened = Signal()
ticket_channel_ready = Signal()
ticket_changed = Signal()

# Rules and onboarding (support/services/onboarding.py):
# `rules_posted(rules, channel_id, post_number)`: post the rules version with its Accept button
# in the rules channel (each post its own message).
# `rules_accepted(acceptance, role_id)`: a member accepted a rules version for the first time;
# `role_id` (or None) is the member role to grant (the rules-only mode).
# `onboarding_completed(flow, role_id)`: a member completed the questionnaire; its log entry is to
# be written and `role_id` (or None) granted.
rules_posted = Signal()
rules_accepted = Signal()
onboarding_completed = Signal()
