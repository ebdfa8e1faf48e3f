"""The support desk's commands, buttons and modals: Discord input in, one support service call,
a reply out. Staff actions are open to every member at the router (a support staff role need not
be a Guildhall moderator role): the service decides who is staff, on every click."""

from __future__ import annotations

from botworker.guilds import channel_for
from botworker.handlers.onboarding import requires_current_rules
from botworker.interactions import Choice, Invocation, Option, OptionType, PagedText, Reply, paged_list, router
from botworker.interactions.routing import NEEDS_CONFIG, NEEDS_GUILD
from botworker.models import PermissionLevel
from botworker.presenters import faq as faq_presenter
from botworker.presenters import support as presenter
from botworker.presenters.support_duty import next_shift_note
from botworker.presenters.text import discord_format
from config.actors import Actor
from config.exceptions import ApplicationError, RoleRef, UserRef
from support import selectors, services
from support.models import SupportTicket, TicketStatus
from support.services.duty import duty_at

RATING_TARGET = r"[1-9]\d{0,19}-[1-5]"

CLAIMED = "You claimed ticket #{number}."
WAITING = "Ticket #{number} is now waiting for {user}."
ESCALATED = "Ticket #{number} escalated to {target}."
CLOSED = "Ticket #{number} closed. {user} is asked for a rating."
DELETED = "Ticket #{number}'s channel is being deleted; its record is kept."
RATED = "Thank you for rating ticket #{number} ({rating}/5)!"
PANEL_POSTED = "Panel posted."
LIST_TITLE = "**Tickets{which}**"
NO_TICKETS = "No tickets{which}."
STATUS_CHOICES = (Choice("waiting for user", TicketStatus.WAITING_FOR_USER.value), Choice("escalated", "escalated"))
LIST_CHOICES = (
    Choice("active (not closed)", "active"),
    *(Choice(label, value) for value, label in TicketStatus.choices),
)


def actor_of(inv: Invocation) -> Actor:
    return Actor(
        user_id=inv.user_id,
        role_ids=inv.role_ids,
        is_moderator=inv.level >= PermissionLevel.MODERATOR,
        is_admin=inv.level >= PermissionLevel.ADMIN,
    )


def _require_config(inv: Invocation) -> None:
    if inv.guild_id is None:
        raise ApplicationError(NEEDS_GUILD)
    if inv.guild is None:
        raise ApplicationError(NEEDS_CONFIG, params={"guild_id": inv.guild_id})


def _staff_ticket(inv: Invocation, ticket_id: int) -> SupportTicket:
    """The ticket of this guild a staff member acts on from a button (checked before a modal or a
    confirmation is shown; the service checks again when it writes)."""
    if not services.is_staff(actor_of(inv), services.settings_for(inv.guild_id)):
        raise ApplicationError(services.NOT_STAFF)
    ticket = SupportTicket.objects.filter(pk=ticket_id, guild_id=inv.guild_id).first()
    if ticket is None:
        raise ApplicationError(services.TICKET_NOT_FOUND)
    return ticket


def _channel_ticket(inv: Invocation) -> int:
    return selectors.ticket_in_channel(guild_id=inv.guild_id, channel_id=inv.channel_id).pk


# ---------------------------------------------------------------------------- opening


@router.command("ticket", description="Open a support ticket", needs_config=True)
@requires_current_rules
def ticket(inv: Invocation) -> Reply:
    return presenter.ticket_modal()


@router.command(
    "ticket_panel_post",
    description="Post the support panel with its Open a ticket button here (admins)",
    level=PermissionLevel.ADMIN,
    needs_config=True,
)
def ticket_panel_post(inv: Invocation) -> Reply:
    return presenter.panel()


@router.component(presenter.OPEN_ACTION, target="none", needs_config=True)
@requires_current_rules
def open_button(inv: Invocation) -> Reply:
    return presenter.ticket_modal()


@router.modal(presenter.SUBMIT_ACTION, target="none", needs_config=True)
@requires_current_rules
def submit_ticket(inv: Invocation) -> Reply:
    # FAQ entries like the ticket are offered first (botworker/handlers/faq.py); otherwise it opens.
    request = services.ticket_request(
        guild_id=inv.guild_id,
        actor=actor_of(inv),
        topic=inv.fields.get("topic", ""),
        description=inv.fields.get("description", ""),
        category_id=channel_for(inv.guild, "tickets_category"),
        overflow_category_id=channel_for(inv.guild, "tickets_overflow"),
    )
    if request.draft is not None:
        return faq_presenter.suggestions(request.draft, request.entries)
    return Reply(content=opened_text(inv, request.ticket.number), ephemeral=True)


def opened_text(inv: Invocation, number: int) -> str:
    """The requester's answer once their ticket is opened: its number, and when nobody is on duty,
    when the next shift starts."""
    note = next_shift_note(duty_at(guild_id=inv.guild_id))
    return " ".join(filter(None, (presenter.OPENING.format(number=number), note)))


# ---------------------------------------------------------------------------- staff: buttons


def _claim(inv: Invocation, ticket_id: int) -> Reply:
    claimed = services.ticket_claim(guild_id=inv.guild_id, actor=actor_of(inv), ticket_id=ticket_id)
    return Reply(content=CLAIMED.format(number=claimed.number), ephemeral=True)


def _wait(inv: Invocation, ticket_id: int) -> Reply:
    waiting = services.ticket_wait_for_user(guild_id=inv.guild_id, actor=actor_of(inv), ticket_id=ticket_id)
    return Reply(content=discord_format(WAITING, number=waiting.number, user=UserRef(waiting.user_id)), ephemeral=True)


def _escalate(inv: Invocation, ticket_id: int, to_user_id: int | None) -> Reply:
    escalated = services.ticket_escalate(
        guild_id=inv.guild_id, actor=actor_of(inv), ticket_id=ticket_id, to_user_id=to_user_id
    )
    target = UserRef(escalated.escalated_to) if escalated.escalated_to else RoleRef(escalated.escalated_to_role)
    return Reply(content=discord_format(ESCALATED, number=escalated.number, target=target), ephemeral=True)


def _close(inv: Invocation, ticket_id: int, reason: str) -> Reply:
    closed = services.ticket_close(guild_id=inv.guild_id, actor=actor_of(inv), ticket_id=ticket_id, reason=reason)
    return Reply(content=discord_format(CLOSED, number=closed.number, user=UserRef(closed.user_id)), ephemeral=True)


@router.component(presenter.CLAIM_ACTION, needs_config=True)
def claim_button(inv: Invocation) -> Reply:
    return _claim(inv, inv.target_id)


@router.component(presenter.WAIT_ACTION, needs_config=True)
def wait_button(inv: Invocation) -> Reply:
    return _wait(inv, inv.target_id)


@router.component(presenter.ESCALATE_ACTION, needs_config=True)
def escalate_button(inv: Invocation) -> Reply:
    return _escalate(inv, inv.target_id, None)


@router.component(presenter.CLOSE_ACTION, needs_config=True)
def close_button(inv: Invocation) -> Reply:
    ticket = _staff_ticket(inv, inv.target_id)
    if ticket.status in (TicketStatus.CLOSED, TicketStatus.ARCHIVED):
        raise ApplicationError(services.TICKET_CLOSED, params={"number": ticket.number})
    return presenter.close_modal(ticket.pk)


@router.modal(presenter.CLOSE_REASON_ACTION, needs_config=True)
def close_reason_submitted(inv: Invocation) -> Reply:
    return _close(inv, inv.target_id, inv.fields.get("reason", ""))


@router.component(presenter.DELETE_ACTION, needs_config=True)
def delete_button(inv: Invocation) -> Reply:
    ticket = _staff_ticket(inv, inv.target_id)
    if ticket.status == TicketStatus.ARCHIVED:
        raise ApplicationError(services.TICKET_DELETED, params={"number": ticket.number})
    return presenter.delete_confirmation(ticket)


@router.component(presenter.DELETE_CONFIRM_ACTION, needs_config=True)
def delete_confirmed(inv: Invocation) -> Reply:
    deleted = services.ticket_delete(guild_id=inv.guild_id, actor=actor_of(inv), ticket_id=inv.target_id)
    return Reply(content=DELETED.format(number=deleted.number), ephemeral=True)


# ---------------------------------------------------------------------------- staff: commands


@router.command("ticket_claim", description="Claim this channel's ticket (staff)", needs_config=True)
def ticket_claim(inv: Invocation) -> Reply:
    return _claim(inv, _channel_ticket(inv))


@router.command(
    "ticket_close",
    description="Close this channel's ticket (staff)",
    options=[Option("reason", "Why it is closed (the requester is told)", required=True, max_length=500)],
    needs_config=True,
)
def ticket_close(inv: Invocation) -> Reply:
    return _close(inv, _channel_ticket(inv), inv.options["reason"])


@router.command(
    "ticket_status",
    description="Set this channel's ticket waiting for its requester, or escalate it (staff)",
    options=[
        Option("status", "The new status", required=True, choices=STATUS_CHOICES),
        Option("to", "Escalate to this member (default: the escalation role)", OptionType.USER),
    ],
    needs_config=True,
)
def ticket_status(inv: Invocation) -> Reply:
    ticket_id = _channel_ticket(inv)
    if inv.options["status"] == TicketStatus.ESCALATED:
        return _escalate(inv, ticket_id, inv.options.get("to"))
    return _wait(inv, ticket_id)


def _list_pages(inv: Invocation, arg: str) -> PagedText:
    """The guild's tickets, newest first (`arg`: a status filter or empty); staff only."""
    _require_config(inv)
    if not services.is_staff(actor_of(inv), services.settings_for(inv.guild_id)):
        raise ApplicationError(services.NOT_STAFF)
    tickets = selectors.ticket_list(guild_id=inv.guild_id, status=arg or None)
    label = next((choice.name for choice in LIST_CHOICES if choice.value == arg), "")
    which = f" ({label})" if label else ""
    lines = [presenter.ticket_line(ticket) for ticket in tickets]
    return PagedText(
        header=LIST_TITLE.format(which=which) if lines else "", lines=lines, empty=NO_TICKETS.format(which=which)
    )


LIST_PAGES = paged_list("ticket_list", _list_pages)


@router.command(
    "ticket_list",
    description="The server's tickets (staff)",
    options=[Option("status", "Only tickets in this status", choices=LIST_CHOICES)],
    needs_config=True,
)
def ticket_list(inv: Invocation) -> Reply:
    return LIST_PAGES.reply(inv, arg=inv.options.get("status", ""))


# ---------------------------------------------------------------------------- the requester's rating


def _rating_target(inv: Invocation) -> tuple[int, int]:
    ticket_id, rating = inv.target.split("-")
    return int(ticket_id), int(rating)


@router.component(presenter.RATE_ACTION, target=RATING_TARGET)
def rate_button(inv: Invocation) -> Reply:
    ticket_id, rating = _rating_target(inv)
    ticket = SupportTicket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        raise ApplicationError(services.TICKET_NOT_FOUND)
    if ticket.user_id != inv.user_id:
        raise ApplicationError(services.NOT_REQUESTER, params={"number": ticket.number})
    return presenter.rating_modal(ticket, rating)


@router.modal(presenter.RATING_ACTION, target=RATING_TARGET)
def rating_submitted(inv: Invocation) -> Reply:
    ticket_id, rating = _rating_target(inv)
    rated = services.ticket_rate(
        ticket_id=ticket_id, user_id=inv.user_id, rating=rating, comment=inv.fields.get("comment", "")
    )
    return Reply(content=RATED.format(number=rated.number, rating=rated.rating), ephemeral=True)
