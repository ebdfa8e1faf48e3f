"""Ticket statistics snapshots: every request for a guild's ticket statistics (the /ticket_stats
command, its scope buttons, the API) stores the figures it answered with, so the history of the
desk's numbers can be read back later exactly as they were shown."""

from __future__ import annotations

from datetime import UTC

from django.db import models
from django.db.models import Q


class StatsScope(models.TextChoices):
    WEEK = "7d", "last 7 days"
    MONTH = "30d", "last 30 days"
    ALL = "all", "all time"


class TicketMetrics(models.Model):
    """One snapshot (the seed's ``ticket_metrics`` row): the seed's columns (`snapshot`, `scope`,
    `counts`, `average_cycle_time`, `triggered_by`, `created_at`) plus the guild and the instant
    the figures were computed for. `snapshot` holds every figure of the answer."""

    guild_id = models.PositiveBigIntegerField()
    scope = models.CharField(max_length=3, choices=StatsScope.choices)
    computed_at = models.DateTimeField(help_text="The instant the figures are as of (the end of the scope).")
    snapshot = models.JSONField(help_text="Every figure of the answer (see docs/support.md, Statistics).")
    counts = models.JSONField(help_text="Tickets per status at computed_at: {status: count}.")
    average_cycle_time = models.BigIntegerField(
        null=True, blank=True, help_text="Average resolution time in seconds of the tickets closed in the scope."
    )
    triggered_by = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The Discord user who asked (None: a back-office login without one)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ticket_metrics"
        verbose_name = "ticket metrics snapshot"
        verbose_name_plural = "ticket metrics snapshots"
        ordering = ["-computed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(scope__in=StatsScope.values), name="ticketmetrics_scope_valid"),
        ]
        indexes = [models.Index(fields=["guild_id", "computed_at"], name="ticketmetrics_guild_time")]

    def __str__(self) -> str:
        at = self.computed_at.astimezone(UTC)
        return f"ticket statistics of guild {self.guild_id} ({self.scope}) at {at:%Y-%m-%d %H:%M} UTC"
