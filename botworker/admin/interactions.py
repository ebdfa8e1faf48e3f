"""The record of answered interactions in the back office."""

from django.contrib import admin

from botworker.models import InteractionRecord
from config import directory as names


@admin.register(InteractionRecord)
class InteractionRecordAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    """Read-only: which interactions were answered, and how (for support questions)."""

    list_display = ("interaction_id", "kind", "member", "guild", "created_at")
    member = names.named("user_id", names.MEMBER, description="member")
    guild = names.named("guild_id", names.GUILD, description="guild")
    directory_user_fields = ("user_id",)
    list_filter = ("kind",)
    search_fields = ("=interaction_id", "=guild_id", "=user_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
