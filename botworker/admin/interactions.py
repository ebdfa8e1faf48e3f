"""The record of answered interactions in the back office."""

from django.contrib import admin

from botworker.models import InteractionRecord


@admin.register(InteractionRecord)
class InteractionRecordAdmin(admin.ModelAdmin):
    """Read-only: which interactions were answered, and how (for support questions)."""

    list_display = ("interaction_id", "kind", "guild_id", "user_id", "created_at")
    list_filter = ("kind",)
    search_fields = ("=interaction_id", "=guild_id", "=user_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
