"""The back office for the support desk: tickets (read-only; they change through Discord and the
API, where every change is recorded in the status history) and each guild's support settings,
saved through `support_settings_update`."""

from __future__ import annotations

from django.contrib import admin, messages

from config import directory as names
from config.actors import SYSTEM
from config.exceptions import ApplicationError
from support import services
from support.models import SupportSettings, SupportTicket, TicketMessage, TicketStatusChange, TicketTranscript


class StatusChangeInline(admin.TabularInline):
    model = TicketStatusChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_status", "to_status", "changed_by", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class MessageInline(admin.TabularInline):
    """The conversation of the ticket's channel, as recorded from the gateway."""

    model = TicketMessage
    extra = 0
    can_delete = False
    fields = ["created_at", "author_id", "author_name", "author_is_staff", "content", "attachments", "edited_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class TranscriptInline(admin.StackedInline):
    model = TicketTranscript
    extra = 0
    can_delete = False
    fields = ["created_at", "message_count", "text"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SupportTicket)
class SupportTicketAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    list_display = ["number", "guild", "topic", "status", "requester", "claimer", "created_at", "closed_at"]
    list_filter = [names.GuildFilter.on("guild_id"), "status"]
    search_fields = ["topic", "description", "=user_id", "=claimed_by", "=number"]
    directory_user_fields = ("user_id", "claimed_by")
    guild = names.named("guild_id", names.GUILD, description="guild")
    requester = names.named("user_id", names.MEMBER, description="requester")
    claimer = names.named("claimed_by", names.MEMBER, description="claimed by")
    ordering = ["-created_at"]
    inlines = [StatusChangeInline, MessageInline, TranscriptInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in SupportTicket._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SupportSettings)
class SupportSettingsAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    guild = names.named("guild_id", names.GUILD, description="guild")
    escalation_role = names.named("escalation_role_id", names.ROLE, description="escalation role")
    list_display = ["guild", "escalation_role", "one_open_per_member", "auto_close_warn_days", "auto_close_days"]
    fields = [
        "guild_id",
        "staff_role_ids",
        "escalation_role_id",
        "one_open_per_member",
        "auto_close_warn_days",
        "auto_close_days",
    ]

    def save_model(self, request, obj, form, change) -> None:
        try:
            services.support_settings_update(
                guild_id=obj.guild_id,
                actor=SYSTEM,
                staff_role_ids=obj.staff_role_ids or [],
                escalation_role_id=obj.escalation_role_id,
                one_open_per_member=obj.one_open_per_member,
                auto_close_warn_days=obj.auto_close_warn_days,
                auto_close_days=obj.auto_close_days,
            )
        except ApplicationError as error:
            self.message_user(request, error.message, level=messages.ERROR)


# The FAQ, statistics, GDPR and onboarding admins register themselves on import.
from support import admin_faq, admin_gdpr, admin_metrics, admin_onboarding  # noqa: E402, F401
