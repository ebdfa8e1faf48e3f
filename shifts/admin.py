"""The back office for schedules, shifts and policies. Every write goes through the services:
policies (fairness and duration numbers; a guild's shift channel and default zone are set in its
guild configuration) are saved by `policy_save`, shifts are cancelled/expired by their services (so the
Discord message is re-rendered and the claimer told), and slots are removed by `schedule_delete`."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone

from config import directory as names
from config.admin_display import DayFilter, day_column, when
from config.exceptions import ApplicationError
from config.snowflakes import as_snowflake
from shifts import services
from shifts.models import ModSchedule, Shift, ShiftPolicy

# Admin actions act for the back office, which has no Discord id of its own; 1 marks them.
BACK_OFFICE_USER_ID = 1
BACK_OFFICE = services.Actor(user_id=BACK_OFFICE_USER_ID, is_moderator=True, is_admin=True)


GuildFilter = names.GuildFilter.on("guild_id")


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return Shift.State.choices

    def queryset(self, request, queryset):
        return queryset.with_state(self.value(), now=timezone.now()) if self.value() else queryset


class WhenFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", "upcoming"), ("past", "started")]

    def queryset(self, request, queryset):
        if self.value() == "upcoming":
            return queryset.filter(start_time_utc__gt=timezone.now())
        if self.value() == "past":
            return queryset.filter(start_time_utc__lte=timezone.now())
        return queryset


class UserIdSearch:
    """Search by a Discord user id (exact), in any of the model's user-id columns."""

    user_fields: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        number = as_snowflake(search_term.strip())
        if number is not None:
            condition = Q(pk=number)
            for field in self.user_fields:
                condition |= Q(**{field: number})
            return queryset.filter(condition), False
        return super().get_search_results(request, queryset, search_term)


def _run_each(modeladmin, request, queryset, fn, done: str) -> None:
    count = 0
    for obj in queryset:
        try:
            fn(obj)
            count += 1
        except ApplicationError as error:
            modeladmin.message_user(request, f"#{obj.pk}: {error.message}", level=messages.WARNING)
    if count:
        modeladmin.message_user(request, done.format(count=count), level=messages.SUCCESS)


@admin.register(ShiftPolicy)
class ShiftPolicyAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    list_display = (
        "guild",
        "max_hours_7d",
        "heavy_lock_window_minutes",
        "min_duration_hours",
        "max_duration_hours",
        "default_duration_hours",
    )
    search_fields = ("guild_id",)
    directory_pickers = {"guild_id": names.GUILD}
    guild = names.named("guild_id", names.GUILD, description="guild")

    def save_model(self, request, obj, form, change):
        services.policy_save(policy=obj)


@admin.register(ModSchedule)
class ModScheduleAdmin(names.DirectoryAdminMixin, UserIdSearch, admin.ModelAdmin):
    list_display = ("moderator", "day", "local_time", "duration_hours", "guild")
    list_filter = (GuildFilter, DayFilter, "timezone")
    search_fields = ("user_id",)
    user_fields = ("user_id",)
    directory_user_fields = ("user_id",)
    readonly_fields = (
        "guild",
        "moderator",
        "day",
        "local_time",
        "duration_hours",
        "created_at",
    )
    fields = readonly_fields
    moderator = names.named("user_id", names.MEMBER, description="moderator")
    guild = names.named("guild_id", names.GUILD, description="guild")
    day = day_column()

    @admin.display(description="time", ordering="hour")
    def local_time(self, slot: ModSchedule) -> str:
        return f"{slot.hour:02d}:{slot.minute:02d} {slot.timezone}"

    actions = ("remove_slots",)

    def has_add_permission(self, request):
        # Slots are added by moderators in Discord or through the API, where the zone and
        # duration defaults and the duplicate check live.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Remove the selected slots")
    def remove_slots(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda slot: services.schedule_delete(slot_id=slot.pk, actor=BACK_OFFICE),
            "Removed {count} slot(s).",
        )


@admin.register(Shift)
class ShiftAdmin(names.DirectoryAdminMixin, UserIdSearch, admin.ModelAdmin):
    # Fewer, readable columns; the message, channel and every timestamp are on the change page.
    list_display = ("id", "starts", "duration_hours", "state_label", "assigned", "claimer", "guild")
    list_filter = (GuildFilter, StateFilter, WhenFilter)
    search_fields = ("created_by",)
    user_fields = ("created_by", "assigned_user_id", "claimed_by", "cancelled_by")
    directory_user_fields = user_fields
    date_hierarchy = "start_time_utc"
    starts = when("start_time_utc", description="starts")
    guild = names.named("guild_id", names.GUILD, description="guild")
    creator = names.named("created_by", names.MEMBER, description="dropped by")
    assigned = names.named("assigned_user_id", names.MEMBER, description="assigned to")
    claimer = names.named("claimed_by", names.MEMBER, description="claimed by")
    canceller = names.named("cancelled_by", names.MEMBER, description="cancelled by")
    shift_channel = names.named("channel_id", names.CHANNEL, description="channel")
    readonly_fields = [
        {
            "guild_id": "guild",
            "created_by": "creator",
            "assigned_user_id": "assigned",
            "claimed_by": "claimer",
            "cancelled_by": "canceller",
            "channel_id": "shift_channel",
            "start_time_utc": "starts",
        }.get(field.name, field.name)
        for field in Shift._meta.fields
    ]
    fields = readonly_fields
    actions = ("cancel_shifts", "expire_started")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="state")
    def state_label(self, shift: Shift) -> str:
        return shift.state(now=timezone.now())

    @admin.action(description="Cancel the selected shifts (their claimers are told)")
    def cancel_shifts(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda shift: services.shift_cancel(
                guild_id=shift.guild_id, actor=BACK_OFFICE, shift_id=shift.pk, reason="Cancelled in the back office."
            ),
            "Cancelled {count} shift(s).",
        )

    @admin.action(description="Expire unclaimed shifts that have started (all of them, now)")
    def expire_started(self, request, queryset):
        expired = services.shift_expire_due()
        self.message_user(request, f"Expired {len(expired)} shift(s).", level=messages.SUCCESS)
