"""Summaries and the FAQ: each closed ticket's summary, the guild's FAQ entries, the proposals of
repeated topics (a cluster of similar tickets offered to the staff as a new entry), and the
drafts of tickets held back while the member reads the FAQ entries that may answer them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from support.models.tickets import SupportTicket


class SummaryProvider(models.TextChoices):
    LOCAL = "local", "local (extractive)"
    REMOTE = "remote", "OpenAI-compatible API"


class TicketSummary(models.Model):
    """What a closed ticket's conversation was about, made once when it closed. `similarity_key`
    (the seed's column) is the text compared with other summaries and FAQ entries: the topic and
    the conversation's heaviest terms, lowercased."""

    ticket = models.OneToOneField(SupportTicket, on_delete=models.CASCADE, related_name="summary")
    guild_id = models.PositiveBigIntegerField()
    summary = models.TextField()
    similarity_key = models.TextField(blank=True)
    provider = models.CharField(max_length=10, choices=SummaryProvider.choices)
    model = models.CharField(max_length=100, blank=True, help_text="The remote model that wrote it.")
    fallback_reason = models.CharField(
        max_length=300, blank=True, help_text="Why the remote provider was not used when it is configured."
    )
    created_at = models.DateTimeField()

    class Meta:
        db_table = "ticket_summaries"
        verbose_name_plural = "ticket summaries"
        indexes = [models.Index(fields=["guild_id", "created_at"], name="ticketsummary_guild_time")]

    def __str__(self) -> str:
        return f"summary of ticket #{self.ticket.number}"


class FaqEntry(models.Model):
    """One question and its answer in a guild's FAQ. `summary` and `similarity_key` are the seed's
    columns: the summary the entry was drawn from (or its answer) and the text compared with
    tickets and searches."""

    guild_id = models.PositiveBigIntegerField()
    question = models.CharField(max_length=200)
    answer = models.TextField(max_length=2000)
    summary = models.TextField(blank=True)
    similarity_key = models.TextField(blank=True)
    deflections = models.PositiveIntegerField(
        default=0, help_text="Times a member found their answer here instead of opening a ticket."
    )
    created_by = models.PositiveBigIntegerField(null=True, blank=True, help_text="None: written in the back office.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "faq_entries"
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"
        ordering = ["guild_id", "question", "id"]
        indexes = [models.Index(fields=["guild_id"], name="faqentry_guild")]

    def __str__(self) -> str:
        return self.question


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "proposed"
    ADDED = "added", "added to the FAQ"
    DISMISSED = "dismissed", "dismissed"


class FaqProposal(models.Model):
    """A repeated topic: similar tickets of the window that no FAQ entry covers, offered to the
    staff (log channel message with Add to FAQ / Dismiss). A ticket belongs to one proposal at
    most (FaqProposalTicket's unique ticket), so no cluster is proposed twice."""

    guild_id = models.PositiveBigIntegerField()
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED)
    question = models.CharField(max_length=200, help_text="The suggested question.")
    answer = models.TextField(help_text="The suggested answer, drawn from the summaries.")
    tickets = models.ManyToManyField(SupportTicket, through="FaqProposalTicket", related_name="faq_proposals")
    log_channel_id = models.PositiveBigIntegerField(null=True, blank=True)
    log_message_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Empty: not posted (no log channel); act on it here."
    )
    entry = models.ForeignKey(FaqEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals")
    acted_by = models.PositiveBigIntegerField(null=True, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change that re-renders its log message.
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "faq_proposals"
        verbose_name = "FAQ proposal"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ProposalStatus.values), name="faqproposal_status_valid"),
        ]
        indexes = [models.Index(fields=["guild_id", "status"], name="faqproposal_guild_status")]

    def __str__(self) -> str:
        return f"FAQ proposal {self.pk}: {self.question} ({self.status})"


class FaqProposalTicket(models.Model):
    proposal = models.ForeignKey(FaqProposal, on_delete=models.CASCADE)
    ticket = models.OneToOneField(SupportTicket, on_delete=models.CASCADE, related_name="faq_cluster")

    class Meta:
        db_table = "faq_proposal_tickets"

    def __str__(self) -> str:
        return f"ticket {self.ticket_id} in FAQ proposal {self.proposal_id}"


class TicketDraft(models.Model):
    """A ticket a member submitted while FAQ entries matched it: held until they say the FAQ
    answered it or open it anyway (the buttons carry only this row's id), and no longer than
    `expires_at`."""

    class Outcome(models.TextChoices):
        ANSWERED = "answered", "answered by the FAQ"
        OPENED = "opened", "opened anyway"

    guild_id = models.PositiveBigIntegerField()
    user_id = models.PositiveBigIntegerField()
    topic = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    entry_ids = models.JSONField(default=list, help_text="The FAQ entries shown, best first.")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    ticket = models.ForeignKey(SupportTicket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        db_table = "ticket_drafts"
        indexes = [models.Index(fields=["expires_at"], name="ticketdraft_expiry")]

    def __str__(self) -> str:
        return f"draft {self.pk} of {self.user_id}: {self.topic}"
