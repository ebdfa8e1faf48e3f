"""The outbox in the back office: read-only, with "Retry now" for dead and retrying rows."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from botworker import outbox
from botworker.models import BotAction, BotActionFile
from config import directory as names

LAST_ERROR_PREVIEW = 80


class BotActionFileInline(admin.TabularInline):
    """The files a message uploads: their names and sizes (the bytes stay in the database)."""

    model = BotActionFile
    fields = ("position", "filename", "size", "description")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: BotAction | None = None) -> bool:
        return False


@admin.register(BotAction)
class BotActionAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    """The outbox, read-only: rows are written by code; a human's one write is "Retry now"."""

    inlines = (BotActionFileInline,)

    list_display = (
        "id",
        "kind",
        "status",
        "attempts",
        "next_attempt_at",
        "guild",
        "dedupe_key",
        "short_last_error",
    )
    guild = names.named("guild_id", names.GUILD, description="guild")
    list_filter = ("status", "kind")
    # guild_id__exact: Django compares the id as text, so a search word that is not a number
    # simply matches no guild instead of failing.
    search_fields = ("dedupe_key", "guild_id__exact")
    ordering = ("-id",)
    actions = ("retry_now",)
    show_full_result_count = False

    @admin.display(description="last error")
    def short_last_error(self, action: BotAction) -> str:
        error = action.last_error
        return error if len(error) <= LAST_ERROR_PREVIEW else error[: LAST_ERROR_PREVIEW - 1] + "…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: BotAction | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: BotAction | None = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        # Re-queueing is a change to the row in Django's permission model, even though the
        # change form itself is read-only.
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    @admin.action(description="Retry now", permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[BotAction]) -> None:
        selected = list(queryset.values_list("pk", flat=True))
        requeued = outbox.retry_now(selected)
        skipped = len(selected) - requeued
        self.message_user(request, f"{requeued} action(s) put back in the queue, due now.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} action(s) left alone: only dead and retry rows can be retried.",
                messages.WARNING,
            )
