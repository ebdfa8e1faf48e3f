"""Summaries and the FAQ in Discord: /faq (members), the FAQ proposal's Add to FAQ (admins, with
its modal) and Dismiss (staff) buttons, and the two buttons of the FAQ entries offered before a
ticket is opened (This answers it / Open the ticket anyway; the draft's member only). Every click
is re-checked by the service: this guild, this member, this state."""

from __future__ import annotations

import re
import unicodedata

from botworker.guilds import channel_for
from botworker.handlers.onboarding import requires_current_rules
from botworker.handlers.support import actor_of, opened_text
from botworker.interactions import Invocation, Option, PagedText, Reply, paged_list, router
from botworker.interactions.routing import NEEDS_GUILD
from botworker.presenters import faq as presenter
from botworker.presenters.text import discord_format
from config.exceptions import ApplicationError
from support import services
from support.services import faq as faq_services

ADDED = "Added to the FAQ: **{question}**."
DISMISSED = "FAQ proposal dismissed."
SEARCH_TITLE = "**FAQ: {query}**"
NO_MATCH = "No FAQ entry matches “{query}”. Try other words, or open a ticket with /ticket and the staff will help."
# The search travels in the page buttons' custom_id (the paging helper's argument): its words,
# lowercased, accents folded, joined by hyphens, within the argument's 40 characters. Trigram
# matching ignores case and punctuation anyway, so every page shows the same search.
QUERY_LIMIT = 40


def search_token(query: str) -> str:
    folded = unicodedata.normalize("NFKD", query).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", folded))[:QUERY_LIMIT].strip("-")


def _search_pages(inv: Invocation, arg: str) -> PagedText:
    """The guild's FAQ entries matching the search `arg` (a search token), best first."""
    if inv.guild_id is None:
        raise ApplicationError(NEEDS_GUILD)
    query = arg.replace("-", " ")
    matches = faq_services.faq_search(guild_id=inv.guild_id, query=query)
    lines = [presenter.entry_line(entry) for entry, _ in matches]
    return PagedText(
        header=SEARCH_TITLE.format(query=query) if lines else "",
        lines=lines,
        empty=NO_MATCH.format(query=query),
        max_lines=5,
    )


SEARCH_PAGES = paged_list("faq", _search_pages)


@router.command(
    "faq",
    description="Search the server's FAQ",
    options=[Option("query", "What you are looking for, in a few words", required=True, max_length=QUERY_LIMIT)],
    guild_only=True,
)
def faq(inv: Invocation) -> Reply:
    token = search_token(inv.options.get("query", ""))
    if not token:
        raise ApplicationError(faq_services.QUERY_EMPTY)
    return SEARCH_PAGES.reply(inv, arg=token)


# ---------------------------------------------------------------------------- proposals


@router.component(presenter.ADD_ACTION, needs_config=True)
def add_button(inv: Invocation) -> Reply:
    proposal = faq_services.proposal_for_admin(guild_id=inv.guild_id, actor=actor_of(inv), proposal_id=inv.target_id)
    return presenter.add_modal(proposal)


@router.modal(presenter.ADD_SUBMIT_ACTION, needs_config=True)
def add_submitted(inv: Invocation) -> Reply:
    added = services.faq_proposal_add(
        guild_id=inv.guild_id,
        actor=actor_of(inv),
        proposal_id=inv.target_id,
        question=inv.fields.get("question", ""),
        answer=inv.fields.get("answer", ""),
    )
    return Reply(content=discord_format(ADDED, question=added.entry.question), ephemeral=True)


@router.component(presenter.DISMISS_ACTION, needs_config=True)
def dismiss_button(inv: Invocation) -> Reply:
    services.faq_proposal_dismiss(guild_id=inv.guild_id, actor=actor_of(inv), proposal_id=inv.target_id)
    return Reply(content=DISMISSED, ephemeral=True)


# ---------------------------------------------------------------------------- before opening


@router.component(presenter.ANSWERED_ACTION, needs_config=True)
def answered_button(inv: Invocation) -> Reply:
    services.ticket_draft_answered(guild_id=inv.guild_id, actor=actor_of(inv), draft_id=inv.target_id)
    return presenter.answered()


@router.component(presenter.OPEN_ANYWAY_ACTION, needs_config=True)
@requires_current_rules
def open_anyway_button(inv: Invocation) -> Reply:
    opened = services.ticket_draft_open(
        guild_id=inv.guild_id,
        actor=actor_of(inv),
        draft_id=inv.target_id,
        category_id=channel_for(inv.guild, "tickets_category"),
        overflow_category_id=channel_for(inv.guild, "tickets_overflow"),
    )
    return Reply(content=opened_text(inv, opened.number), ephemeral=True, update=True)
