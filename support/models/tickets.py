"""The support desk: tickets in private channels, their status history, and each guild's support
settings (its staff roles, escalation role and limits)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class SupportSettings(models.Model):
    """A guild's support policy. The tickets category, its overflow category and the log channel
    are channels, so they live in the guild configuration (features ``tickets_category``,
    ``tickets_overflow``, ``logs``); this row keeps the support desk's own roles and numbers."""

    guild_id = models.PositiveBigIntegerField(unique=True)
    staff_role_ids = models.JSONField(
        default=list,
        blank=True,
        help_text="Discord roles (ids as strings) that staff the desk, besides the guild's moderator and admin roles.",
    )
    escalation_role_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The role a ticket is escalated to when no member is named."
    )
    one_open_per_member = models.BooleanField(
        default=True, help_text="A member may hold only one ticket that is not closed."
    )
    auto_close_warn_days = models.PositiveSmallIntegerField(
        default=5, help_text="A ticket waiting for its requester is warned after this many idle days."
    )
    auto_close_days = models.PositiveSmallIntegerField(
        default=14, help_text="…and closed after this many idle days (more than the warning)."
    )
    faq_window_days = models.PositiveSmallIntegerField(
        default=30, help_text="Repeated topics: closed tickets of this many past days are compared."
    )
    faq_min_similar = models.PositiveSmallIntegerField(
        default=3, help_text="Repeated topics: this many similar tickets make an FAQ proposal."
    )
    faq_similarity = models.FloatField(
        default=0.3,
        help_text="Trigram similarity (0-1) from which two tickets, or a ticket and an FAQ entry, are alike.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "support settings"
        verbose_name_plural = "support settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(auto_close_warn_days__gte=1) & Q(auto_close_days__gt=models.F("auto_close_warn_days")),
                name="supportsettings_close_after_warning",
            ),
            models.CheckConstraint(
                condition=Q(faq_window_days__gte=1)
                & Q(faq_min_similar__gte=2)
                & Q(faq_similarity__gt=0, faq_similarity__lte=1),
                name="supportsettings_faq_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"support settings of guild {self.guild_id}"

    @property
    def staff_role_id_set(self) -> frozenset[int]:
        return frozenset(int(role) for role in self.staff_role_ids)


class TicketStatus(models.TextChoices):
    OPEN = "open", "open"
    CLAIMED = "claimed", "claimed"
    WAITING_FOR_USER = "waiting_for_user", "waiting for user"
    ESCALATED = "escalated", "escalated"
    CLOSED = "closed", "closed"
    ARCHIVED = "archived", "archived"


# A ticket in one of these states is being worked on: it counts against "one open ticket per member".
ACTIVE_STATUSES = (TicketStatus.OPEN, TicketStatus.CLAIMED, TicketStatus.WAITING_FOR_USER, TicketStatus.ESCALATED)
# A ticket whose channel still exists (it holds a place in its category).
CHANNEL_STATUSES = (*ACTIVE_STATUSES, TicketStatus.CLOSED)


class SupportTicket(models.Model):
    """One member's request for help, in a private channel of its own (``ticket-<number>``)."""

    guild_id = models.PositiveBigIntegerField()
    number = models.PositiveIntegerField(help_text="The ticket's number in its guild (ticket-<number>).")
    user_id = models.PositiveBigIntegerField(help_text="The requester.")
    username = models.CharField(max_length=100, blank=True)
    topic = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.OPEN)

    category_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The category its channel is (being) created under."
    )
    channel_id = models.PositiveBigIntegerField(null=True, blank=True)
    control_message_id = models.PositiveBigIntegerField(null=True, blank=True)

    claimed_by = models.PositiveBigIntegerField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.PositiveBigIntegerField(null=True, blank=True, help_text="A member it was escalated to.")
    escalated_to_role = models.PositiveBigIntegerField(null=True, blank=True, help_text="A role it was escalated to.")
    first_response_at = models.DateTimeField(
        null=True, blank=True, help_text="The first message of a staff member in its channel."
    )
    requester_last_message_at = models.DateTimeField(
        help_text="The requester's last message in its channel (its opening, before any)."
    )
    auto_close_warned_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the requester was warned of the auto-close (cleared by their answer).",
    )
    closed_by = models.PositiveBigIntegerField(null=True, blank=True, help_text="None with closed_at: auto-closed.")
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=500, blank=True)
    deleted_by = models.PositiveBigIntegerField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True, help_text="When its channel was deleted.")

    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    # Bumped on every change that re-renders the in-channel message (its own outbox key per version).
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["guild_id", "number"], name="supportticket_number_per_guild"),
            models.CheckConstraint(condition=Q(status__in=TicketStatus.values), name="supportticket_status_valid"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="supportticket_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(claimed_by__isnull=True, claimed_at__isnull=True)
                | Q(claimed_by__isnull=False, claimed_at__isnull=False),
                name="supportticket_claim_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["closed", "archived"]) | Q(closed_at__isnull=False),
                name="supportticket_closed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["guild_id", "status"], name="supportticket_guild_status"),
            models.Index(fields=["guild_id", "user_id"], name="supportticket_guild_user"),
            models.Index(fields=["channel_id"], name="supportticket_channel"),
            models.Index(fields=["guild_id", "created_at"], name="supportticket_guild_created"),
        ]

    def __str__(self) -> str:
        return f"ticket #{self.number} of guild {self.guild_id} ({self.status})"

    @property
    def channel_name(self) -> str:
        prefix = "closed" if self.status in (TicketStatus.CLOSED, TicketStatus.ARCHIVED) else "ticket"
        return f"{prefix}-{self.number}"


class TicketStatusChange(models.Model):
    """One status change of a ticket: the history that makes time in each status and cycle time exact."""

    ticket = models.ForeignKey(SupportTicket, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=TicketStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=TicketStatus.choices)
    changed_by = models.PositiveBigIntegerField(null=True, blank=True, help_text="None: the system (auto-close).")
    note = models.CharField(max_length=500, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["ticket", "changed_at"], name="ticketstatus_ticket_time")]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class TicketMessage(models.Model):
    """One message in a ticket's channel, as the bot saw it (the gateway's MESSAGE_CREATE): what
    makes the first staff response, the requester's last message and the transcript exact."""

    ticket = models.ForeignKey(SupportTicket, on_delete=models.CASCADE, related_name="messages")
    message_id = models.PositiveBigIntegerField(unique=True)
    author_id = models.PositiveBigIntegerField()
    author_name = models.CharField(max_length=100, blank=True)
    author_is_staff = models.BooleanField(default=False, help_text="Support staff when they wrote it.")
    author_is_bot = models.BooleanField(default=False)
    content = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True, help_text='[{"filename": …, "url": …}, …]')
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True, help_text="Its last edit (the content is the edited one).")

    class Meta:
        ordering = ["created_at", "message_id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticketmessage_ticket_time")]

    def __str__(self) -> str:
        return f"message {self.message_id} of {self.author_name or self.author_id}"


class TicketTranscript(models.Model):
    """The conversation of a ticket as it stood when it was closed, as text and as HTML; the same
    files are posted to the guild's log channel."""

    ticket = models.OneToOneField(SupportTicket, on_delete=models.CASCADE, related_name="transcript")
    text = models.TextField()
    html = models.TextField()
    message_count = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"transcript of ticket #{self.ticket.number}"

    @property
    def text_filename(self) -> str:
        return f"ticket-{self.ticket.number}-transcript.txt"

    @property
    def html_filename(self) -> str:
        return f"ticket-{self.ticket.number}-transcript.html"
