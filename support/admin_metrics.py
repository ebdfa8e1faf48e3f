"""The back office's view of the ticket statistics snapshots: read only (each is the record of
what one request was answered with; /ticket_stats and the API write them)."""

from __future__ import annotations

from django.contrib import admin

from config import directory as names
from support.models import TicketMetrics


@admin.register(TicketMetrics)
class TicketMetricsAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    list_display = ["computed_at", "guild", "scope", "asked_by", "opened", "closed", "average_cycle_time"]
    list_filter = [names.GuildFilter.on("guild_id"), "scope"]
    directory_user_fields = ("triggered_by",)
    guild = names.named("guild_id", names.GUILD, description="guild")
    asked_by = names.named("triggered_by", names.MEMBER, description="asked by")
    fields = ["guild_id", "scope", "computed_at", "triggered_by", "counts", "average_cycle_time", "snapshot"]
    readonly_fields = fields
    ordering = ["-computed_at", "-id"]

    @admin.display(description="opened")
    def opened(self, obj) -> int:
        return obj.snapshot.get("opened", 0)

    @admin.display(description="closed")
    def closed(self, obj) -> int:
        return obj.snapshot.get("closed", 0)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
