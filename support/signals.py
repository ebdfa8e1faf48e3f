"""Domain events of the support desk, sent by its services inside their transaction.

`ticket_opened(ticket)`: a ticket was opened; its channel is to be created.
`ticket_channel_ready(ticket)`: the ticket's channel exists (its id is recorded); the in-channel
message with the staff buttons is to be posted.
`ticket_changed(ticket, change, actor_id)`: a ticket was claimed, set waiting for its requester,
escalated, closed or deleted (`change` is one of CHANGES); its message is re-rendered, and the
channel renamed, locked or deleted as the change requires (`actor_id` None: the auto-close).
`ticket_auto_close_warned(ticket, close_at)`: the requester of a ticket waiting for them is
warned that it will be closed at `close_at` unless they answer.
"""

from django.dispatch import Signal

CHANGES = ("claimed", "waiting", "escalated", "closed", "deleted")

ticket_opened = Signal()
ticket_channel_ready = Signal()
ticket_changed = Signal()
ticket_auto_close_warned = Signal()

# GDPR (support.services.gdpr):
# `consent_accepted(acceptance)`: a member accepted a version of their guild's consent text; the
# version's role, if it has one, is to be given.
# `member_erased(request, consent_roles)`: a member's data was erased (`request` is the audit row);
# they are to be told by DM, and lose the roles their consent gave (`consent_roles`: (guild, role) pairs).
consent_accepted = Signal()
member_erased = Signal()

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

# Summaries and the FAQ (support/services/summaries.py, support/services/faq.py):
# `ticket_summarized(summary)`: a closed ticket's summary was stored after its transcript was
# posted (by the remote provider's task); it is to be posted in the log channel. A summary made
# in the closing transaction goes out with the transcript instead.
# `faq_proposed(proposal)`: similar tickets make a new FAQ proposal; it is to be posted in the
# staff log channel with Add to FAQ and Dismiss.
# `faq_proposal_changed(proposal)`: a proposal was added to the FAQ or dismissed; its log message
# is to be re-rendered (once per proposal version).
ticket_summarized = Signal()
faq_proposed = Signal()
faq_proposal_changed = Signal()
