"""Summaries and FAQ proposals as Discord side effects, through the outbox.

A proposal is posted in the guild configuration's `logs` channel (the staff log channel) once,
with Add to FAQ and Dismiss; the message's id is handed back to the proposal
(`faq_proposal_record_message`). When it is added or dismissed, that message is re-rendered once
per proposal version (buttons disabled, who acted), named by the post's dedupe key so an edit
queued before the post was delivered still finds it. Without a `logs` channel nothing is posted:
the proposal stays a row, listed in the back office as not posted. A summary made after its
transcript was posted (the remote summariser's task) is posted on its own, right after.
"""

from __future__ import annotations

from django.dispatch import receiver

from botworker.models import BotAction
from botworker.outbox import EditMessage, SendMessage, completion_hook, enqueue
from botworker.presenters import faq as presenter
from botworker.receivers.common import message_body
from botworker.receivers.support import logs_channel
from support import services
from support.models import FaqProposal, TicketSummary
from support.signals import faq_proposal_changed, faq_proposed, ticket_summarized

POSTED_HOOK = "support.faq_proposal_posted"


def post_key(proposal: FaqProposal) -> str:
    return f"support:faq-proposal:{proposal.pk}:post"


def ordering_key(proposal: FaqProposal) -> str:
    return f"support:faq-proposal:{proposal.pk}"


@receiver(faq_proposed, dispatch_uid="botworker.faq.proposed")
def on_faq_proposed(sender, proposal: FaqProposal, **kwargs) -> None:
    channel_id = logs_channel(proposal.guild_id)
    if channel_id is None:
        return  # kept as a row: the back office lists proposals not posted
    enqueue(
        SendMessage(
            channel_id=channel_id, guild_id=proposal.guild_id, **message_body(presenter.proposal_message(proposal))
        ),
        dedupe_key=post_key(proposal),
        ordering_key=ordering_key(proposal),
        hook=POSTED_HOOK,
        hook_args={"proposal_id": proposal.pk},
    )


@completion_hook(POSTED_HOOK)
def record_posted(action, result: dict) -> None:
    services.faq_proposal_record_message(
        proposal_id=int(action.hook_args["proposal_id"]),
        channel_id=int(result["channel_id"]),
        message_id=int(result["message_id"]),
    )


@receiver(faq_proposal_changed, dispatch_uid="botworker.faq.proposal_changed")
def on_faq_proposal_changed(sender, proposal: FaqProposal, **kwargs) -> None:
    if not BotAction.objects.filter(dedupe_key=post_key(proposal)).exists():
        return  # never posted (no log channel at the time): nothing to edit
    enqueue(
        EditMessage(message_from=post_key(proposal), **message_body(presenter.proposal_message(proposal))),
        dedupe_key=f"{post_key(proposal)}:v{proposal.version}",
        guild_id=proposal.guild_id,
        ordering_key=ordering_key(proposal),
    )


@receiver(ticket_summarized, dispatch_uid="botworker.faq.ticket_summarized")
def on_ticket_summarized(sender, summary: TicketSummary, **kwargs) -> None:
    ticket = summary.ticket
    channel_id = logs_channel(ticket.guild_id)
    if channel_id is None:
        return
    enqueue(
        SendMessage(
            channel_id=channel_id, guild_id=ticket.guild_id, **message_body(presenter.late_summary(ticket, summary))
        ),
        dedupe_key=f"support:ticket:{ticket.pk}:summary",
    )
