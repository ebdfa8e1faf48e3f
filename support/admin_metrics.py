"""The back office's view of the ticket statistics snapshots: read only (each is the record of
what one request was answered with; /ticket_stats and the API write them)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from config import directory as names
from support.models import TicketMetrics


def duration_text(seconds: int | None) -> str:
    """ "2 d 3 h", "1 h 20 min", "45 s": the two largest units."""
    if seconds is None:
        return "—"
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1)):
        if seconds >= size or (unit == "s" and not parts):
            parts.append(f"{seconds // size} {unit}")
            seconds %= size
        if len(parts) == 2:
            break
    return " ".join(parts)


@admin.register(TicketMetrics)
class TicketMetricsAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    list_display = ["computed_at", "guild", "scope", "asked_by", "opened", "closed", "average_cycle_time"]
    list_filter = [names.GuildFilter.on("guild_id"), "scope"]
    directory_user_fields = ("triggered_by",)
    guild = names.named("guild_id", names.GUILD, description="guild")
    asked_by = names.named("triggered_by", names.MEMBER, description="asked by")
    fields = ["guild", "scope", "computed_at", "asked_by", "status_counts", "average_cycle", "figures"]
    readonly_fields = fields
    ordering = ["-computed_at", "-id"]

    @admin.display(description="opened")
    def opened(self, obj) -> int:
        return obj.snapshot.get("opened", 0)

    @admin.display(description="closed")
    def closed(self, obj) -> int:
        return obj.snapshot.get("closed", 0)

    @admin.display(description="tickets by status")
    def status_counts(self, obj) -> str:
        return ", ".join(f"{status.replace('_', ' ')}: {count}" for status, count in obj.counts.items()) or "—"

    @admin.display(description="average cycle time")
    def average_cycle(self, obj) -> str:
        return duration_text(obj.average_cycle_time)

    @admin.display(description="every figure")
    def figures(self, obj) -> str:
        # Indented JSON, wrapped on a phone: the answer exactly as it was given.
        text = json.dumps(obj.snapshot, indent=2, ensure_ascii=False)
        return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', text)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
