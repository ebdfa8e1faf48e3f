"""How the support desk looks in Discord: the ticket panel, the ticket modal, the in-channel
message with the staff buttons, the channel's permission overwrites, the rating DM and modal,
the auto-close warning, the log channel's entries and the transcript's message there, and a
ticket's line in a list. The handlers answer with these and the receivers post them through
the outbox, so both show a ticket the same way."""

from __future__ import annotations

from botworker.interactions import Modal, Reply, TextInput, button
from botworker.presenters.support_duty import duty_line
from botworker.presenters.text import discord_format
from config.exceptions import ChannelRef, RoleRef, UserRef
from support.models import SupportTicket, TicketStatus
from support.services import CLOSE_REASON_LIMIT, COMMENT_LIMIT, DESCRIPTION_LIMIT, TOPIC_LIMIT
from support.services.duty import Duty

OPEN_ACTION = "ticket_open"
SUBMIT_ACTION = "ticket_submit"
CLAIM_ACTION = "ticket_claim"
CLOSE_ACTION = "ticket_close"
CLOSE_REASON_ACTION = "ticket_close_reason"
WAIT_ACTION = "ticket_wait"
ESCALATE_ACTION = "ticket_escalate"
DELETE_ACTION = "ticket_delete"
DELETE_CONFIRM_ACTION = "ticket_delete_confirm"
RATE_ACTION = "ticket_rate"
RATING_ACTION = "ticket_rating"

# Discord's permission bits a ticket channel's overwrites use.
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MANAGE_CHANNELS = 1 << 4
ROLE, MEMBER = 0, 1
READ = VIEW_CHANNEL | READ_MESSAGE_HISTORY
WRITE = SEND_MESSAGES | ATTACH_FILES | EMBED_LINKS
STAFF = READ | WRITE | MANAGE_MESSAGES

PANEL_TITLE = "Need help?"
PANEL_TEXT = "Press **Open a ticket** to talk privately with the support staff."
OPENING = "Your ticket #{number} is open; its channel is being created under the tickets category."
STATUS_TEXT = {
    TicketStatus.OPEN: "🟢 Open — waiting for a staff member to claim it.",
    TicketStatus.CLAIMED: "🙋 Claimed by {claimed_by}.",
    TicketStatus.WAITING_FOR_USER: "⏳ Waiting for {user} to answer.",
    TicketStatus.ESCALATED: "⬆️ Escalated to {escalated}.",
    TicketStatus.CLOSED: "🔒 Closed by {closed_by}: {reason}",
    TicketStatus.ARCHIVED: "🗑️ Deleted.",
}
COLOURS = {
    TicketStatus.OPEN: 0x2ECC71,
    TicketStatus.CLAIMED: 0x3498DB,
    TicketStatus.WAITING_FOR_USER: 0xF1C40F,
    TicketStatus.ESCALATED: 0xE67E22,
    TicketStatus.CLOSED: 0x95A5A6,
    TicketStatus.ARCHIVED: 0x95A5A6,
}
CONTROL_CONTENT = "{user}, thanks for reaching out: the support staff will be with you here."
ESCALATED_CONTENT = "⬆️ Ticket #{number} was escalated to {target} by {by}."
RATING_DM = (
    "Your ticket #{number} ({topic}) was closed by {closed_by}: {reason}\n"
    "How did we do? Pick a rating from 1 (poor) to 5 (excellent)."
)
LINE = "**#{number}** {status} — {topic} · {user}{channel}"
TRANSCRIPT = "📄 Transcript of ticket #{number} ({topic}) of {user}: {count} messages, closed by {closed_by}: {reason}"
AUTO_CLOSE_WARNING = (
    "{user}, this ticket is waiting for your answer. Without one it will be closed {close_at:FR}. "
    "Just write here to keep it open."
)
LOG_OPENED = "🎫 Ticket #{number} opened by {user}: {topic}"
LOG_CLAIMED = "🙋 Ticket #{number} claimed by {by}."
LOG_CLOSED = "🔒 Ticket #{number} closed by {by}: {reason}"
LOG_AUTO_CLOSED = "🔒 Ticket #{number} auto-closed: {reason}"
LOG_DELETED = "🗑️ Ticket #{number} deleted by {by}."
LOG_TEMPLATES = {"claimed": LOG_CLAIMED, "closed": LOG_CLOSED, "deleted": LOG_DELETED}
DELETE_CONFIRM = "Delete ticket #{number}'s channel for good? Its record and history are kept."


def panel() -> Reply:
    """The persistent panel: its button opens the ticket modal for whoever presses it."""
    return Reply(
        embeds=[{"title": PANEL_TITLE, "description": PANEL_TEXT, "color": COLOURS[TicketStatus.OPEN]}],
        components=[[button("Open a ticket", OPEN_ACTION, style=3, emoji="🎫")]],
    )


def ticket_modal() -> Reply:
    return Reply(
        modal=Modal(
            custom_id=SUBMIT_ACTION,
            title="Open a support ticket",
            inputs=[
                TextInput("topic", "Topic", max_length=TOPIC_LIMIT, placeholder="What is it about, in a few words?"),
                TextInput(
                    "description",
                    "Description",
                    style=2,
                    max_length=min(DESCRIPTION_LIMIT, 4000),
                    required=False,
                    placeholder="What happened, what you tried, anything that helps.",
                ),
            ],
        )
    )


def close_modal(ticket_id: int) -> Reply:
    return Reply(
        modal=Modal(
            custom_id=f"{CLOSE_REASON_ACTION}:{ticket_id}",
            title="Close the ticket",
            inputs=[TextInput("reason", "Reason", style=2, max_length=CLOSE_REASON_LIMIT)],
        )
    )


def delete_confirmation(ticket: SupportTicket) -> Reply:
    return Reply(
        content=DELETE_CONFIRM.format(number=ticket.number),
        components=[[button("Delete for good", f"{DELETE_CONFIRM_ACTION}:{ticket.pk}", style=4)]],
        ephemeral=True,
    )


def status_text(ticket: SupportTicket) -> str:
    escalated = None
    if ticket.escalated_to is not None:
        escalated = UserRef(ticket.escalated_to)
    elif ticket.escalated_to_role is not None:
        escalated = RoleRef(ticket.escalated_to_role)
    return discord_format(
        STATUS_TEXT[TicketStatus(ticket.status)],
        claimed_by=UserRef(ticket.claimed_by) if ticket.claimed_by else "nobody",
        user=UserRef(ticket.user_id),
        escalated=escalated or "staff",
        closed_by=UserRef(ticket.closed_by) if ticket.closed_by else "the system",
        reason=ticket.close_reason,
    )


def control_message(ticket: SupportTicket, *, duty: Duty | None = None) -> Reply:
    """The ticket's message in its channel: what it is about, its state, and the staff buttons
    (each click is re-checked: staff only, this guild, this ticket's state). Posted with `duty`,
    its content also pings who is on duty (see presenters.support_duty)."""
    done = ticket.status in (TicketStatus.CLOSED, TicketStatus.ARCHIVED)
    fields = [{"name": "Status", "value": status_text(ticket), "inline": False}]
    if ticket.created_at:
        fields.append({"name": "Opened", "value": discord_format("{at}", at=ticket.created_at), "inline": True})
    embed = {
        "title": f"Ticket #{ticket.number}: {ticket.topic}",
        "description": ticket.description or "(no description)",
        "color": COLOURS[TicketStatus(ticket.status)],
        "fields": fields,
    }
    pk = ticket.pk
    buttons = [
        button("Claim", f"{CLAIM_ACTION}:{pk}", style=1, disabled=done or ticket.claimed_by is not None),
        button("Close", f"{CLOSE_ACTION}:{pk}", style=2, disabled=done),
        button(
            "Wait for user",
            f"{WAIT_ACTION}:{pk}",
            style=2,
            disabled=done or ticket.status == TicketStatus.WAITING_FOR_USER,
        ),
        button("Escalate", f"{ESCALATE_ACTION}:{pk}", style=2, disabled=done),
        button("Delete", f"{DELETE_ACTION}:{pk}", style=4, disabled=ticket.status == TicketStatus.ARCHIVED),
    ]
    content = discord_format(CONTROL_CONTENT, user=UserRef(ticket.user_id))
    if duty is not None:
        content = f"{content}\n{duty_line(duty)}"
    return Reply(
        content=content,
        embeds=[embed],
        components=[buttons],
    )


def channel_overwrites(
    ticket: SupportTicket, *, staff_role_ids: set[int], bot_user_id: int | None, locked: bool = False
) -> list[dict]:
    """Who may see the ticket's channel: not @everyone; the requester (read-only once `locked`);
    the staff roles, the member or role it was escalated to, and the bot itself."""
    overwrites = [{"id": ticket.guild_id, "type": ROLE, "allow": 0, "deny": VIEW_CHANNEL}]
    requester = (
        {"id": ticket.user_id, "type": MEMBER, "allow": READ, "deny": WRITE}
        if locked
        else {"id": ticket.user_id, "type": MEMBER, "allow": READ | WRITE, "deny": 0}
    )
    overwrites.append(requester)
    roles = set(staff_role_ids)
    if ticket.escalated_to_role:
        roles.add(ticket.escalated_to_role)
    for role_id in sorted(roles):
        overwrites.append({"id": role_id, "type": ROLE, "allow": STAFF, "deny": 0})
    if ticket.escalated_to and ticket.escalated_to != ticket.user_id:
        overwrites.append({"id": ticket.escalated_to, "type": MEMBER, "allow": STAFF, "deny": 0})
    if bot_user_id:
        overwrites.append({"id": bot_user_id, "type": MEMBER, "allow": STAFF | MANAGE_CHANNELS, "deny": 0})
    return overwrites


def escalated_message(ticket: SupportTicket, *, by: int | None) -> Reply:
    target = UserRef(ticket.escalated_to) if ticket.escalated_to else RoleRef(ticket.escalated_to_role)
    return Reply(
        content=discord_format(
            ESCALATED_CONTENT, number=ticket.number, target=target, by=UserRef(by) if by else "the system"
        )
    )


def rating_dm(ticket: SupportTicket) -> Reply:
    """The requester's DM once their ticket is closed: five rating buttons."""
    return Reply(
        content=discord_format(
            RATING_DM,
            number=ticket.number,
            topic=ticket.topic,
            closed_by=UserRef(ticket.closed_by) if ticket.closed_by else "the system",
            reason=ticket.close_reason,
        ),
        components=[[button(str(n), f"{RATE_ACTION}:{ticket.pk}-{n}", style=1 if n >= 4 else 2) for n in range(1, 6)]],
    )


def transcript_message(ticket: SupportTicket, *, message_count: int) -> Reply:
    """The log channel's message that carries a closed ticket's transcript files."""
    return Reply(
        content=discord_format(
            TRANSCRIPT,
            number=ticket.number,
            topic=ticket.topic,
            user=UserRef(ticket.user_id),
            count=message_count,
            closed_by=UserRef(ticket.closed_by) if ticket.closed_by else "Guildhall (auto-close)",
            reason=ticket.close_reason,
        )
    )


def auto_close_warning(ticket: SupportTicket, *, close_at) -> Reply:
    """The warning in the ticket's channel that it will be closed unless its requester answers."""
    return Reply(content=discord_format(AUTO_CLOSE_WARNING, user=UserRef(ticket.user_id), close_at=close_at))


def log_entry(ticket: SupportTicket, change: str, *, by: int | None = None) -> Reply | None:
    """The log channel's line for a ticket opened ("opened"), claimed, closed or deleted; None for
    changes that are not logged (waiting, escalated)."""
    if change == "opened":
        template = LOG_OPENED
    elif change == "closed" and by is None:
        template = LOG_AUTO_CLOSED
    else:
        template = LOG_TEMPLATES.get(change)
    if template is None:
        return None
    return Reply(
        content=discord_format(
            template,
            number=ticket.number,
            user=UserRef(ticket.user_id),
            topic=ticket.topic,
            by=UserRef(by) if by else "Guildhall",
            reason=ticket.close_reason,
        )
    )


def rating_modal(ticket: SupportTicket, rating: int) -> Reply:
    return Reply(
        modal=Modal(
            custom_id=f"{RATING_ACTION}:{ticket.pk}-{rating}",
            title=f"Rate ticket #{ticket.number}: {rating}/5",
            inputs=[
                TextInput(
                    "comment",
                    "Anything to add? (optional)",
                    style=2,
                    required=False,
                    max_length=COMMENT_LIMIT,
                )
            ],
        )
    )


def ticket_line(ticket: SupportTicket) -> str:
    channel = discord_format(" in {channel}", channel=ChannelRef(ticket.channel_id)) if ticket.channel_id else ""
    return discord_format(
        LINE,
        number=ticket.number,
        status=TicketStatus(ticket.status).label,
        topic=ticket.topic,
        user=UserRef(ticket.user_id),
        channel=channel,
    )
