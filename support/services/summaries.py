"""Summaries of closed tickets.

Where it runs (the close must never wait on, or fail because of, a summariser):

- **Local summariser** (the default): in the transaction that closes the ticket, right after its
  transcript is made (pure Python over the recorded messages, bounded). The summary therefore
  exists when the transcript is posted and goes out in the same log-channel message; the
  repeated-topic check (:func:`support.services.faq.faq_proposal_check`) runs in the same
  transaction once the ticket is closed.
- **Remote provider** (``SUMMARY_API_URL`` and ``SUMMARY_API_KEY`` set): never inside the
  transaction. The close queues the Celery task ``support.summarize_ticket`` on commit; the task
  asks the provider (short timeout) with no transaction open, falls back to the local summariser
  on any failure, and stores the summary with the provider that wrote it. It is idempotent (one
  summary per ticket, a unique row; a second run stores nothing); the summary is then posted right
  after the transcript and the repeated-topic check runs. A close whose task was lost (the broker
  was down) is picked up by the periodic ``support.summarize_missing`` sweep.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from support.models import SupportTicket, TicketStatus, TicketSummary
from support.signals import ticket_summarized
from support.similarity import similarity_key
from support.summaries import Summary, remote_provider, summarize_conversation, summarize_local

# Closed tickets this recent without a summary are summarised by the sweep.
SWEEP_WINDOW = timedelta(days=2)


def conversation_texts(ticket: SupportTicket) -> list[str]:
    """What is summarised: the ticket's topic and description, then every message a person wrote
    in its channel (bots' messages, such as the staff buttons and warnings, are left out)."""
    messages = ticket.messages.filter(author_is_bot=False).order_by("created_at", "message_id")
    opening = [f"{ticket.topic.rstrip('.!?')}.", ticket.description]
    return [text for text in (*opening, *(m.content for m in messages)) if text and text.strip()]


def _store(ticket: SupportTicket, summary: Summary, texts: list[str], *, now: datetime) -> tuple[TicketSummary, bool]:
    return TicketSummary.objects.get_or_create(
        ticket=ticket,
        defaults={
            "guild_id": ticket.guild_id,
            "summary": summary.text,
            "similarity_key": similarity_key(ticket.topic, texts),
            "provider": summary.provider,
            "model": summary.model,
            "fallback_reason": summary.fallback_reason,
            "created_at": now,
        },
    )


def ticket_summary_on_close(ticket: SupportTicket, *, now: datetime) -> TicketSummary | None:
    """Called in the transaction that closes `ticket`: store its local summary now, or, with a
    remote provider configured, queue the task that makes it once the close is committed (None)."""
    if remote_provider() is not None:
        from support.tasks import summarize_ticket

        ticket_id = ticket.pk
        transaction.on_commit(lambda: summarize_ticket.delay(ticket_id), robust=True)
        return None
    texts = conversation_texts(ticket)
    summary, _ = _store(ticket, summarize_local(texts), texts, now=now)
    return summary


def ticket_summary_make(*, ticket_id: int, now: datetime | None = None) -> TicketSummary | None:
    """Make a closed ticket's summary outside its closing transaction (the remote provider, with
    the local one as fallback) and store it, once: a ticket that has one already, or is not
    closed, or is gone, gets nothing new (returns its summary or None). The provider is asked
    with no transaction open; the summary is stored, announced (``ticket_summarized``) and
    checked for a repeated topic in one transaction."""
    from support.services.faq import faq_proposal_check

    ticket = SupportTicket.objects.filter(pk=ticket_id).first()
    if ticket is None or ticket.status not in (TicketStatus.CLOSED, TicketStatus.ARCHIVED):
        return None
    existing = TicketSummary.objects.filter(ticket=ticket).first()
    if existing is not None:
        return existing
    texts = conversation_texts(ticket)
    summary = summarize_conversation(texts)
    now = now or timezone.now()
    with transaction.atomic():
        ticket = SupportTicket.objects.select_for_update().get(pk=ticket_id)
        stored, created = _store(ticket, summary, texts, now=now)
        if created:
            ticket_summarized.send(sender=TicketSummary, summary=stored)
            faq_proposal_check(ticket_id=ticket.pk, now=now)
    return stored


def tickets_missing_summary(*, now: datetime | None = None) -> list[int]:
    """Ids of the tickets closed in the last SWEEP_WINDOW that have no summary (their task was
    lost), oldest first."""
    now = now or timezone.now()
    return list(
        SupportTicket.objects.filter(
            status__in=(TicketStatus.CLOSED, TicketStatus.ARCHIVED),
            closed_at__gte=now - SWEEP_WINDOW,
            closed_at__lte=now - timedelta(minutes=5),
            summary__isnull=True,
        )
        .order_by("closed_at", "id")
        .values_list("id", flat=True)
    )


def faq_check_after_close(ticket: SupportTicket, *, now: datetime) -> None:
    """Called in the transaction that closed (or deleted) `ticket`, once its transcript is queued:
    look for a repeated topic when its summary is already stored (the local summariser)."""
    if TicketSummary.objects.filter(ticket=ticket).exists():
        from support.services.faq import faq_proposal_check

        faq_proposal_check(ticket_id=ticket.pk, now=now)
