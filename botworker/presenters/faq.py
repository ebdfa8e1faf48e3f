"""How summaries and the FAQ look in Discord: a closed ticket's summary in the log channel, the
FAQ proposal in the staff log channel (Add to FAQ / Dismiss) and its add modal, the FAQ entries
offered before a ticket is opened (This answers it / Open the ticket anyway), and an entry's line
in a /faq search."""

from __future__ import annotations

from botworker.interactions import Modal, Reply, TextInput, button, limits
from botworker.presenters.text import discord_format
from config.exceptions import UserRef
from support.models import FaqEntry, FaqProposal, ProposalStatus, SupportTicket, TicketDraft, TicketSummary
from support.services.faq import ANSWER_LIMIT, QUESTION_LIMIT

ADD_ACTION = "faq_add"
ADD_SUBMIT_ACTION = "faq_add_submit"
DISMISS_ACTION = "faq_dismiss"
ANSWERED_ACTION = "faq_answered"
OPEN_ANYWAY_ACTION = "faq_open_anyway"

SUMMARY_LINE = "📝 **Summary** ({provider}): {text}"
NO_SUMMARY_TEXT = "(nothing was said in the channel)"
LATE_SUMMARY = "📝 Summary of ticket #{number} ({topic}), by {provider}: {text}"
PROPOSAL_TITLE = "💡 Repeated topic — add it to the FAQ? {question}"
PROPOSAL_TICKETS = "{count} similar tickets: {numbers}"
PROPOSAL_STATUS = {
    ProposalStatus.PROPOSED: "Proposed. Admins: **Add to FAQ** (you can edit the text first). Staff: **Dismiss**.",
    ProposalStatus.ADDED: "✅ Added to the FAQ by {by}.",
    ProposalStatus.DISMISSED: "🚫 Dismissed by {by}.",
}
PROPOSAL_COLOURS = {
    ProposalStatus.PROPOSED: 0xF1C40F,
    ProposalStatus.ADDED: 0x2ECC71,
    ProposalStatus.DISMISSED: 0x95A5A6,
}
SUGGESTIONS = "Before you open a ticket about **{topic}**: these FAQ entries may answer it."
ANSWERED = "Glad the FAQ answered it! No ticket was opened."
ENTRY_LINE = "**{question}** — {answer}"
ENTRY_LINE_ANSWER = 300


def _provider(summary: TicketSummary) -> str:
    if summary.provider == "remote":
        return summary.model or "the remote summariser"
    return "local summariser"


def summary_line(summary: TicketSummary) -> str:
    """The summary's line in the transcript's log-channel message."""
    return SUMMARY_LINE.format(provider=_provider(summary), text=summary.summary or NO_SUMMARY_TEXT)


def late_summary(ticket: SupportTicket, summary: TicketSummary) -> Reply:
    """A summary made after the transcript was posted (the remote provider's task), on its own."""
    return Reply(
        content=limits.clip(
            LATE_SUMMARY.format(
                number=ticket.number,
                topic=ticket.topic,
                provider=_provider(summary),
                text=summary.summary or NO_SUMMARY_TEXT,
            ),
            limits.CONTENT,
        )
    )


def proposal_message(proposal: FaqProposal) -> Reply:
    """The proposal's message in the staff log channel; its buttons are re-checked on every click
    (Add to FAQ: admins; Dismiss: support staff) and disabled once it was acted on."""
    numbers = sorted(proposal.tickets.values_list("number", flat=True))
    status = ProposalStatus(proposal.status)
    done = status != ProposalStatus.PROPOSED
    embed = {
        "title": limits.clip(PROPOSAL_TITLE.format(question=proposal.question), limits.EMBED_TITLE),
        "description": limits.clip(proposal.answer, limits.EMBED_DESCRIPTION),
        "color": PROPOSAL_COLOURS[status],
        "fields": [
            {
                "name": "Tickets",
                "value": limits.clip(
                    PROPOSAL_TICKETS.format(count=len(numbers), numbers=", ".join(f"#{n}" for n in numbers)),
                    limits.EMBED_FIELD_VALUE,
                ),
                "inline": False,
            },
            {
                "name": "Status",
                "value": discord_format(
                    PROPOSAL_STATUS[status], by=UserRef(proposal.acted_by) if proposal.acted_by else "the back office"
                ),
                "inline": False,
            },
        ],
    }
    return Reply(
        embeds=[embed],
        components=[
            [
                button("Add to FAQ", f"{ADD_ACTION}:{proposal.pk}", style=3, disabled=done),
                button("Dismiss", f"{DISMISS_ACTION}:{proposal.pk}", style=2, disabled=done),
            ]
        ],
    )


def add_modal(proposal: FaqProposal) -> Reply:
    """The Add to FAQ modal, pre-filled with the question and answer drawn from the summaries."""
    return Reply(
        modal=Modal(
            custom_id=f"{ADD_SUBMIT_ACTION}:{proposal.pk}",
            title="Add to the FAQ",
            inputs=[
                TextInput("question", "Question", value=proposal.question[:QUESTION_LIMIT], max_length=QUESTION_LIMIT),
                TextInput("answer", "Answer", style=2, value=proposal.answer[:ANSWER_LIMIT], max_length=ANSWER_LIMIT),
            ],
        )
    )


def entry_embed(entry: FaqEntry) -> dict:
    return {
        "title": limits.clip(entry.question, limits.EMBED_TITLE),
        "description": limits.clip(entry.answer, limits.EMBED_DESCRIPTION),
        "color": 0x3498DB,
    }


def suggestions(draft: TicketDraft, entries: list[FaqEntry]) -> Reply:
    """The FAQ entries offered before opening, with the draft's two buttons (only its member
    may press them)."""
    return Reply(
        content=limits.clip(SUGGESTIONS.format(topic=draft.topic), limits.CONTENT),
        embeds=[entry_embed(entry) for entry in entries[: limits.EMBEDS_PER_MESSAGE]],
        components=[
            [
                button("This answers it", f"{ANSWERED_ACTION}:{draft.pk}", style=3),
                button("Open the ticket anyway", f"{OPEN_ANYWAY_ACTION}:{draft.pk}", style=2),
            ]
        ],
        ephemeral=True,
    )


def answered() -> Reply:
    return Reply(content=ANSWERED, ephemeral=True, update=True)


def entry_line(entry: FaqEntry) -> str:
    answer = " ".join(entry.answer.split())
    return ENTRY_LINE.format(question=entry.question, answer=limits.clip(answer, ENTRY_LINE_ANSWER))
