"""The FAQ: entries, repeated-topic proposals, searches, and holding a ticket back while the
member reads the entries that may answer it.

**Repeated topics.** When a closed ticket's summary is stored, :func:`faq_proposal_check`
compares its similarity key with the guild's summaries of the last `faq_window_days` days that
are in no proposal yet. When, counting it, at least `faq_min_similar` tickets resemble it
(trigram similarity of at least `faq_similarity`), and no FAQ entry is like any of them, the
tickets become one :class:`FaqProposal` (a cluster around the newest ticket). The check runs
under the guild's support settings row lock, so concurrent closes decide one at a time, and a
ticket belongs to one proposal at most (a unique constraint), so no cluster is proposed twice. A
dismissed proposal keeps its tickets: the topic is proposed again only by enough new tickets.

**Lost proposals.** A proposal is a row first: with no log channel it is not posted, and the
back office lists it (Support → FAQ proposals, "not posted") with the same two actions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.actors import Actor
from config.exceptions import ApplicationError
from support.models import (
    ACTIVE_STATUSES,
    FaqEntry,
    FaqProposal,
    FaqProposalTicket,
    ProposalStatus,
    SupportSettings,
    SupportTicket,
    TicketDraft,
    TicketSummary,
)
from support.services.settings import settings_for
from support.services.tickets import _text, is_staff, ticket_open, ticket_text
from support.signals import faq_proposal_changed, faq_proposed
from support.similarity import ranked, similarity_key
from support.summaries import local

QUESTION_LIMIT = 200
ANSWER_LIMIT = 2000
SEARCH_LIMIT = 100
# A /faq search shows entries from this word similarity up (pg_trgm's own default is 0.3).
SEARCH_THRESHOLD = 0.3
# Entries shown before a ticket is opened.
SUGGESTIONS = 3
DRAFT_LIFETIME = timedelta(minutes=15)  # an interaction's token lives 15 minutes too

NOT_ADMIN = "Only the server's admins can add entries to the FAQ."
NOT_STAFF = "Only the support staff can do that."
PROPOSAL_NOT_FOUND = "There is no such FAQ proposal in this server."
PROPOSAL_DONE = "This FAQ proposal was already {status}."
ENTRY_NOT_FOUND = "There is no such FAQ entry."
QUESTION_REQUIRED = "Write the question."
QUESTION_TOO_LONG = "The question is {length} characters long; keep it to {limit}."
ANSWER_REQUIRED = "Write the answer."
ANSWER_TOO_LONG = "The answer is {length} characters long; keep it to {limit}."
DRAFT_NOT_FOUND = "This ticket draft is gone: open a ticket again with /ticket."
DRAFT_NOT_YOURS = "This is another member's ticket draft: open your own with /ticket."
DRAFT_EXPIRED = "This ticket draft has expired: open a ticket again with /ticket."
DRAFT_USED = "You already answered this: the ticket draft was {outcome}."
QUERY_EMPTY = "Say what you are looking for."


# ---------------------------------------------------------------------------- entries


def _question_answer(question: str, answer: str) -> tuple[str, str]:
    question = _text(question, limit=QUESTION_LIMIT, field="question", too_long=QUESTION_TOO_LONG)
    if not question:
        raise ApplicationError(QUESTION_REQUIRED, field="question")
    answer = _text(answer, limit=ANSWER_LIMIT, field="answer", too_long=ANSWER_TOO_LONG)
    if not answer:
        raise ApplicationError(ANSWER_REQUIRED, field="answer")
    return question, answer


def entry_key(question: str, answer: str) -> str:
    return similarity_key(question, [answer])


def _require_admin(actor: Actor) -> None:
    if not (actor.is_admin or actor.is_staff):
        raise ApplicationError(NOT_ADMIN, code="permission_denied")


@transaction.atomic
def faq_entry_create(
    *, guild_id: int, actor: Actor, question: str, answer: str, summary: str = "", proposal: FaqProposal | None = None
) -> FaqEntry:
    """Add an entry to a guild's FAQ (its admins, or back-office staff)."""
    _require_admin(actor)
    question, answer = _question_answer(question, answer)
    return FaqEntry.objects.create(
        guild_id=guild_id,
        question=question,
        answer=answer,
        summary=summary or answer,
        similarity_key=entry_key(question, answer),
        created_by=actor.user_id,
    )


@transaction.atomic
def faq_entry_update(*, entry_id: int, actor: Actor, question: str, answer: str) -> FaqEntry:
    """Change an entry's question and answer (its similarity key follows)."""
    _require_admin(actor)
    question, answer = _question_answer(question, answer)
    entry = FaqEntry.objects.select_for_update().filter(pk=entry_id).first()
    if entry is None:
        raise ApplicationError(ENTRY_NOT_FOUND, code="not_found")
    entry.question, entry.answer, entry.similarity_key = question, answer, entry_key(question, answer)
    entry.save(update_fields=["question", "answer", "similarity_key", "updated_at"])
    return entry


def faq_search(*, guild_id: int, query: str) -> list[tuple[FaqEntry, float]]:
    """The guild's entries that match a search, best first (at most SEARCH_LIMIT): the query's
    words found in an entry's key, or the query like its question."""
    key = " ".join(local.terms(query)) or query.strip().lower()
    if not key:
        raise ApplicationError(QUERY_EMPTY, field="query")
    matches = ranked(
        FaqEntry.objects.filter(guild_id=guild_id),
        field="similarity_key",
        text=key,
        threshold=SEARCH_THRESHOLD,
        question_field="question",
        word=True,
    )
    return matches[:SEARCH_LIMIT]


def entries_like(*, guild_id: int, key: str, threshold: float, limit: int) -> list[tuple[FaqEntry, float]]:
    """The guild's entries whose key is like `key`, best first."""
    return ranked(FaqEntry.objects.filter(guild_id=guild_id), field="similarity_key", text=key, threshold=threshold)[
        :limit
    ]


# ---------------------------------------------------------------------------- proposals


def _suggestion(cluster: list[TicketSummary]) -> tuple[str, str]:
    """A question and an answer drawn from the cluster's summaries: the most common topic (the
    newest ticket's on a tie) as a question, and the summaries' own best sentences as the answer."""
    # The cluster starts with the newest ticket; most_common keeps first-seen order among ties.
    topics = Counter(s.ticket.topic.strip().rstrip(".!?") for s in cluster)
    topic = topics.most_common(1)[0][0]
    question = f"{topic}?"[:QUESTION_LIMIT]
    answer = local.summarize([s.summary for s in cluster], max_sentences=4, max_chars=ANSWER_LIMIT // 2)
    return question, answer or topic


@transaction.atomic
def faq_proposal_check(*, ticket_id: int, now: datetime | None = None) -> FaqProposal | None:
    """Propose the ticket's topic for the FAQ when it repeats (see the module's docstring).
    Returns the new proposal, or None (no summary, already in a proposal, too few similar
    tickets, or an entry covers them)."""
    now = now or timezone.now()
    ticket = SupportTicket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return None
    # The guild's lock: concurrent checks of one guild decide one after another.
    settings, _ = SupportSettings.objects.select_for_update().get_or_create(guild_id=ticket.guild_id)
    summary = TicketSummary.objects.select_related("ticket").filter(ticket_id=ticket_id).first()
    if summary is None or not summary.similarity_key or FaqProposalTicket.objects.filter(ticket_id=ticket_id).exists():
        return None
    candidates = (
        TicketSummary.objects.select_related("ticket")
        .filter(guild_id=ticket.guild_id, created_at__gte=now - timedelta(days=settings.faq_window_days))
        .exclude(ticket_id=ticket_id)
        .exclude(ticket__faq_cluster__isnull=False)
    )
    similar = ranked(candidates, field="similarity_key", text=summary.similarity_key, threshold=settings.faq_similarity)
    cluster = [summary, *(row for row, _ in similar)]
    if len(cluster) < settings.faq_min_similar:
        return None
    for member in cluster:
        if entries_like(
            guild_id=ticket.guild_id, key=member.similarity_key, threshold=settings.faq_similarity, limit=1
        ):
            return None
    question, answer = _suggestion(cluster)
    proposal = FaqProposal.objects.create(
        guild_id=ticket.guild_id, question=question, answer=answer, status=ProposalStatus.PROPOSED, created_at=now
    )
    FaqProposalTicket.objects.bulk_create(FaqProposalTicket(proposal=proposal, ticket=s.ticket) for s in cluster)
    faq_proposed.send(sender=FaqProposal, proposal=proposal)
    return proposal


def _locked_proposal(*, guild_id: int, proposal_id: int) -> FaqProposal:
    proposal = FaqProposal.objects.select_for_update().filter(pk=proposal_id, guild_id=guild_id).first()
    if proposal is None:
        raise ApplicationError(PROPOSAL_NOT_FOUND, code="not_found")
    if proposal.status != ProposalStatus.PROPOSED:
        raise ApplicationError(
            PROPOSAL_DONE, params={"status": ProposalStatus(proposal.status).label}, code="already_done"
        )
    return proposal


def _resolve(proposal: FaqProposal, status: str, *, actor: Actor, now: datetime, fields: list[str]) -> FaqProposal:
    proposal.status, proposal.acted_by, proposal.acted_at = status, actor.user_id, now
    proposal.version += 1
    proposal.save(update_fields=[*fields, "status", "acted_by", "acted_at", "version"])
    faq_proposal_changed.send(sender=FaqProposal, proposal=proposal)
    return proposal


def proposal_for_admin(*, guild_id: int, actor: Actor, proposal_id: int) -> FaqProposal:
    """The proposal an admin is about to add (checked before the modal opens; the write checks
    again)."""
    _require_admin(actor)
    proposal = FaqProposal.objects.filter(pk=proposal_id, guild_id=guild_id).first()
    if proposal is None:
        raise ApplicationError(PROPOSAL_NOT_FOUND, code="not_found")
    if proposal.status != ProposalStatus.PROPOSED:
        raise ApplicationError(PROPOSAL_DONE, params={"status": ProposalStatus(proposal.status).label})
    return proposal


@transaction.atomic
def faq_proposal_add(
    *, guild_id: int, actor: Actor, proposal_id: int, question: str, answer: str, now: datetime | None = None
) -> FaqProposal:
    """Add a proposal to the FAQ as an entry with the question and answer given (admins). Once:
    a proposal already added or dismissed is refused."""
    now = now or timezone.now()
    _require_admin(actor)
    proposal = _locked_proposal(guild_id=guild_id, proposal_id=proposal_id)
    proposal.entry = faq_entry_create(
        guild_id=guild_id, actor=actor, question=question, answer=answer, summary=proposal.answer
    )
    return _resolve(proposal, ProposalStatus.ADDED, actor=actor, now=now, fields=["entry"])


@transaction.atomic
def faq_proposal_dismiss(*, guild_id: int, actor: Actor, proposal_id: int, now: datetime | None = None) -> FaqProposal:
    """Dismiss a proposal (support staff). Its tickets stay in it (not proposed again)."""
    now = now or timezone.now()
    if not is_staff(actor, settings_for(guild_id)):
        raise ApplicationError(NOT_STAFF, code="permission_denied")
    proposal = _locked_proposal(guild_id=guild_id, proposal_id=proposal_id)
    return _resolve(proposal, ProposalStatus.DISMISSED, actor=actor, now=now, fields=[])


@transaction.atomic
def faq_proposal_record_message(*, proposal_id: int, channel_id: int, message_id: int) -> None:
    """Record the log-channel message the Discord layer posted for a proposal."""
    FaqProposal.objects.filter(pk=proposal_id).update(log_channel_id=channel_id, log_message_id=message_id)


# ---------------------------------------------------------------------------- before opening


@dataclass
class TicketRequest:
    """What submitting the ticket modal did: opened `ticket`, or held `draft` back with the
    `entries` that may answer it."""

    ticket: SupportTicket | None = None
    draft: TicketDraft | None = None
    entries: list[FaqEntry] = field(default_factory=list)


def ticket_request(
    *,
    guild_id: int,
    actor: Actor,
    topic: str,
    description: str = "",
    category_id: int | None,
    overflow_category_id: int | None = None,
    username: str = "",
    now: datetime | None = None,
) -> TicketRequest:
    """A member's submitted ticket: when FAQ entries of the guild are like its topic and
    description (at least the guild's `faq_similarity`), keep it as a draft and return the best
    entries; otherwise open it (:func:`ticket_open`, with its checks)."""
    now = now or timezone.now()
    topic, description = ticket_text(topic=topic, description=description)
    settings = settings_for(guild_id)
    already_open = (
        settings.one_open_per_member
        and SupportTicket.objects.filter(guild_id=guild_id, user_id=actor.user_id, status__in=ACTIVE_STATUSES).exists()
    )
    # A member who may not open another ticket is told so at once (by ticket_open), not after the FAQ.
    matches = (
        []
        if already_open
        else entries_like(
            guild_id=guild_id,
            key=similarity_key(topic, [description] if description else []),
            threshold=settings.faq_similarity,
            limit=SUGGESTIONS,
        )
    )
    if not matches:
        return TicketRequest(
            ticket=ticket_open(
                guild_id=guild_id,
                actor=actor,
                topic=topic,
                description=description,
                category_id=category_id,
                overflow_category_id=overflow_category_id,
                username=username,
                now=now,
            )
        )
    entries = [entry for entry, _ in matches]
    with transaction.atomic():
        TicketDraft.objects.filter(expires_at__lt=now).delete()  # a member's words are kept no longer than needed
        draft = TicketDraft.objects.create(
            guild_id=guild_id,
            user_id=actor.user_id,
            topic=topic,
            description=description,
            entry_ids=[entry.pk for entry in entries],
            created_at=now,
            expires_at=now + DRAFT_LIFETIME,
        )
    return TicketRequest(draft=draft, entries=entries)


def _locked_draft(*, guild_id: int, actor: Actor, draft_id: int, now: datetime) -> TicketDraft:
    draft = TicketDraft.objects.select_for_update().filter(pk=draft_id, guild_id=guild_id).first()
    if draft is None:
        raise ApplicationError(DRAFT_NOT_FOUND, code="not_found")
    if draft.user_id != actor.user_id:
        raise ApplicationError(DRAFT_NOT_YOURS, code="permission_denied")
    if draft.outcome:
        raise ApplicationError(
            DRAFT_USED, params={"outcome": TicketDraft.Outcome(draft.outcome).label}, code="already_done"
        )
    if draft.expires_at <= now:
        raise ApplicationError(DRAFT_EXPIRED, code="expired")
    return draft


@transaction.atomic
def ticket_draft_answered(*, guild_id: int, actor: Actor, draft_id: int, now: datetime | None = None) -> TicketDraft:
    """The member's draft was answered by the FAQ: nothing is opened, and the best entry shown
    counts one deflection. Only the draft's member, once, before it expires."""
    now = now or timezone.now()
    draft = _locked_draft(guild_id=guild_id, actor=actor, draft_id=draft_id, now=now)
    draft.outcome = TicketDraft.Outcome.ANSWERED
    draft.save(update_fields=["outcome"])
    if draft.entry_ids:
        FaqEntry.objects.filter(pk=draft.entry_ids[0], guild_id=guild_id).update(deflections=F("deflections") + 1)
    return draft


@transaction.atomic
def ticket_draft_open(
    *,
    guild_id: int,
    actor: Actor,
    draft_id: int,
    category_id: int | None,
    overflow_category_id: int | None = None,
    username: str = "",
    now: datetime | None = None,
) -> SupportTicket:
    """Open the ticket of a draft anyway, with its topic and description (the draft's member,
    once, before it expires; every check of :func:`ticket_open` applies)."""
    now = now or timezone.now()
    draft = _locked_draft(guild_id=guild_id, actor=actor, draft_id=draft_id, now=now)
    ticket = ticket_open(
        guild_id=guild_id,
        actor=actor,
        topic=draft.topic,
        description=draft.description,
        category_id=category_id,
        overflow_category_id=overflow_category_id,
        username=username,
        now=now,
    )
    draft.outcome, draft.ticket = TicketDraft.Outcome.OPENED, ticket
    draft.save(update_fields=["outcome", "ticket"])
    return ticket


def draft_entries(draft: TicketDraft) -> list[FaqEntry]:
    """The entries a draft showed, in the order shown (those still there)."""
    found = {e.pk: e for e in FaqEntry.objects.filter(pk__in=draft.entry_ids, guild_id=draft.guild_id)}
    return [found[pk] for pk in draft.entry_ids if pk in found]
