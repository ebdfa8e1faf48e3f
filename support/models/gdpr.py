"""GDPR: each guild's versioned consent text and who accepted which version, the audit log of
every export and erasure request, and the tombstones that stand for erased members where other
members' rows must keep pointing at someone (see docs/gdpr.md)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ConsentVersion(models.Model):
    """One published version of a guild's consent text. Versions are never edited: a change is a
    new version, which every member is asked to accept again."""

    guild_id = models.PositiveBigIntegerField()
    version = models.PositiveIntegerField(help_text="1, 2, 3… per guild, in the order published.")
    text = models.TextField(help_text="What members agree to (Markdown as Discord shows it).")
    role_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="A role given to a member who accepts this version (optional)."
    )
    published_at = models.DateTimeField()
    published_by = models.CharField(max_length=150, blank=True, help_text="The login that published it.")

    class Meta:
        ordering = ["guild_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["guild_id", "version"], name="consentversion_version_per_guild"),
            models.CheckConstraint(condition=Q(version__gte=1), name="consentversion_version_positive"),
        ]

    def __str__(self) -> str:
        return f"consent v{self.version} of guild {self.guild_id}"


class ConsentAcceptance(models.Model):
    """A member accepted one version of their guild's consent text."""

    consent = models.ForeignKey(ConsentVersion, on_delete=models.PROTECT, related_name="acceptances")
    user_id = models.PositiveBigIntegerField()
    accepted_at = models.DateTimeField()

    class Meta:
        ordering = ["-accepted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["consent", "user_id"], name="consentacceptance_once_per_version"),
        ]
        indexes = [models.Index(fields=["user_id"], name="consentacceptance_user")]

    def __str__(self) -> str:
        return f"{self.user_id} accepted {self.consent}"


class GdprRequest(models.Model):
    """The audit log: one row per export or erasure, whoever asked (the member in Discord, or staff
    for a member in the back office). Kept after an erasure: it is the proof the request was met."""

    class Kind(models.TextChoices):
        EXPORT = "export", "export"
        ERASE = "erase", "erasure"

    class Source(models.TextChoices):
        DISCORD = "discord", "Discord"
        ADMIN = "admin", "back office"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    subject_user_id = models.PositiveBigIntegerField(help_text="The member whose data it is.")
    guild_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="The server it was asked from.")
    requested_by_user_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The Discord user who asked (the member themself)."
    )
    requested_by_login = models.CharField(max_length=150, blank=True, help_text="The back-office login that asked.")
    requested_at = models.DateTimeField()
    summary = models.JSONField(
        default=dict, blank=True, help_text="Rows per model: exported, or deleted / anonymised / kept."
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["export", "erase"]), name="gdprrequest_kind_valid"),
            models.CheckConstraint(condition=Q(source__in=["discord", "admin"]), name="gdprrequest_source_valid"),
        ]
        indexes = [
            models.Index(fields=["guild_id", "requested_at"], name="gdprrequest_guild_time"),
            models.Index(fields=["subject_user_id"], name="gdprrequest_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.subject_user_id} ({self.requested_at:%Y-%m-%d %H:%M})"


class Tombstone(models.Model):
    """An erased member, where another member's row must keep pointing at someone (a shift another
    moderator claimed, a ticket a supporter worked on). Its id replaces the member's Discord id in
    those rows: a small number no Discord account has (see config.snowflakes.is_tombstone). It is
    deliberately not linked to the erasure's audit row."""

    class Meta:
        verbose_name = "deleted member"

    def __str__(self) -> str:
        return f"deleted member #{self.pk}"
