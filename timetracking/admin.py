"""The back office for time tracking. Rows are written by the users' own commands; officers look
(sessions by user, subject, status and week) and change only what a service allows."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from config import directory as names
from config.admin_display import when
from config.exceptions import ApplicationError
from config.timeutils import monday_of
from scheduling.admin import member_zone_form_field
from timetracking import services
from timetracking.durations import format_duration
from timetracking.models import FocusSession, Subject, TrackedUser, WeeklyAllocation

WEEKS_LISTED = 12


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class WeekFilter(admin.SimpleListFilter):
    """The week a row belongs to (Monday in its user's zone); the recent weeks are offered."""

    title = "week"
    parameter_name = "week"

    def lookups(self, request, model_admin):
        this_monday = monday_of(timezone.now().date())
        weeks = [this_monday - timedelta(weeks=n) for n in range(-1, WEEKS_LISTED)]
        return [(week.isoformat(), f"week of {week:%a %d %b %Y}") for week in weeks]

    def queryset(self, request, queryset):
        if self.value():
            try:
                return queryset.filter(week_start_date=date.fromisoformat(self.value()))
            except ValueError:  # a hand-edited URL with a bad date shows nothing rather than failing
                return queryset.none()
        return queryset


class TrackedUserForm(forms.ModelForm):
    # Not a column of TrackedUser: the member's zone (scheduling.MemberZone), written through
    # the service; the same zone the member's availability and shifts use.
    timezone = member_zone_form_field(required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("timezone", self.instance.timezone)

    class Meta:
        model = TrackedUser
        fields = ("timezone", "weekly_summary")


@admin.register(TrackedUser)
class TrackedUserAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    form = TrackedUserForm
    list_display = ("member", "timezone", "weekly_summary", "last_summary_week")
    list_filter = ("weekly_summary",)
    search_fields = ("id__exact",)
    directory_user_fields = ("id",)
    fields = ("member", "timezone", "weekly_summary", "last_summary_week", "created_at", "updated_at")
    readonly_fields = ("member", "last_summary_week", "created_at", "updated_at")
    member = names.named("id", names.MEMBER, description="member", guild_field=None)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # users appear when they first use a command

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request, obj: TrackedUser, form, change) -> None:
        # Admin writes go through the services, like every other write.
        if "timezone" in form.changed_data:
            services.tracked_user_set_timezone(user_id=obj.pk, zone=form.cleaned_data["timezone"])
        if "weekly_summary" in form.changed_data:
            services.tracked_user_set_weekly_summary(user_id=obj.pk, enabled=obj.weekly_summary)


@admin.register(Subject)
class SubjectAdmin(names.DirectoryAdminMixin, ReadOnlyAdmin):
    list_display = ("name", "member", "created_at")
    directory_user_fields = ("user_id",)
    member = names.named("user_id", names.MEMBER, description="member", guild_field=None)
    list_select_related = ("user",)
    search_fields = ("name", "user__id__exact")
    list_filter = (names.MemberFilter.on("user_id"),)


@admin.register(WeeklyAllocation)
class WeeklyAllocationAdmin(names.DirectoryAdminMixin, ReadOnlyAdmin):
    list_display = ("week_start_date", "member", "subject", "allocated")
    directory_user_fields = ("user_id",)
    member = names.named("user_id", names.MEMBER, description="member", guild_field=None)
    list_select_related = ("user", "subject")
    list_filter = (
        WeekFilter,
        names.MemberFilter.on("user_id"),
        ("subject", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("subject__name", "user__id__exact")

    @admin.display(description="allocated", ordering="minutes_allocated")
    def allocated(self, allocation: WeeklyAllocation) -> str:
        return format_duration(allocation.minutes_allocated * 60)


@admin.register(FocusSession)
class FocusSessionAdmin(names.DirectoryAdminMixin, ReadOnlyAdmin):
    # The week, the pause and the auto-clock-out flag are on the change page and in the filters.
    list_display = ("id", "member", "subject", "status", "started", "effective")
    directory_user_fields = ("user_id",)
    member = names.named("user_id", names.MEMBER, description="member", guild_field=None)
    started = when("started_at", description="started")
    list_select_related = ("user", "subject")
    list_filter = (
        "status",
        WeekFilter,
        names.MemberFilter.on("user_id"),
        ("subject", admin.RelatedOnlyFieldListFilter),
        "auto_clocked_out",
    )
    search_fields = ("subject__name", "goal", "user__id__exact")
    date_hierarchy = "started_at"
    actions = ("confirm_sessions",)

    def has_confirm_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    @admin.display(description="effective")
    def effective(self, session: FocusSession) -> str:
        return format_duration(session.effective_seconds(timezone.now()))

    @admin.display(description="paused")
    def paused(self, session: FocusSession) -> str:
        return format_duration(session.paused_seconds(timezone.now()))

    @admin.action(description="Confirm the selected clocked-out sessions", permissions=["confirm"])
    def confirm_sessions(self, request: HttpRequest, queryset: QuerySet[FocusSession]) -> None:
        confirmed, refused = 0, []
        for session_id, user_id in queryset.order_by("pk").values_list("pk", "user_id"):
            try:
                services.session_confirm(user_id=user_id, session_id=session_id)
                confirmed += 1
            except ApplicationError as refusal:
                refused.append(f"#{session_id}: {refusal.message}")
        if confirmed:
            self.message_user(request, f"{confirmed} session(s) confirmed.", messages.SUCCESS)
        if refused:
            self.message_user(request, "Not confirmed: " + "; ".join(refused), messages.WARNING)
