"""Logins linked to Discord users (an inline on the user admin), and the members the bot has seen."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from botworker.models import DiscordLink, GuildMember


class DiscordLinkInline(admin.StackedInline):
    model = DiscordLink
    can_delete = True
    max_num = 1
    extra = 0
    verbose_name = "Discord user"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserWithDiscordAdmin(UserAdmin):
    """Django's user admin, with the Discord user the login is linked to."""

    inlines = [*UserAdmin.inlines, DiscordLinkInline]


@admin.register(GuildMember)
class GuildMemberAdmin(admin.ModelAdmin):
    list_display = ["guild_id", "user_id", "last_seen_at"]
    list_filter = ["guild_id"]
    search_fields = ["=user_id", "=guild_id"]
    readonly_fields = ["guild_id", "user_id", "role_ids", "permissions", "last_seen_at"]

    def has_add_permission(self, request) -> bool:
        return False
