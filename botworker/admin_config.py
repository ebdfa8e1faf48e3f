"""Admin for guild configuration and the record of answered interactions (imported by admin.py)."""

from django.contrib import admin

from botworker.models import GuildChannel, GuildConfig, GuildRole, InteractionRecord


class GuildRoleInline(admin.TabularInline):
    model = GuildRole
    extra = 1


class GuildChannelInline(admin.TabularInline):
    model = GuildChannel
    extra = 1


@admin.register(GuildConfig)
class GuildConfigAdmin(admin.ModelAdmin):
    list_display = ("guild_id", "name", "timezone", "updated_at")
    search_fields = ("=guild_id", "name")
    inlines = [GuildRoleInline, GuildChannelInline]
    readonly_fields = ("created_at", "updated_at")


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
