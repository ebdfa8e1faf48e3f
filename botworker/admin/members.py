"""Logins linked to Discord users (an inline on the user admin), and the members the bot has seen."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from botworker.models import DiscordLink, GuildMember
from config import directory as names


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
class GuildMemberAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    list_display = ["member", "guild", "last_seen_at"]
    list_filter = [names.GuildFilter.on("guild_id")]
    search_fields = ["=user_id", "=guild_id"]
    directory_user_fields = ("user_id",)
    member = names.named("user_id", names.MEMBER, description="member")
    guild = names.named("guild_id", names.GUILD, description="guild")
    readonly_fields = ["guild_id", "user_id", "role_ids", "permissions", "last_seen_at"]

    def has_add_permission(self, request) -> bool:
        return False
