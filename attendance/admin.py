"""Back office of seasons, events and attendance. Seasons are created and edited through the
services; events and attendance are written by Discord, the API and the beat tasks, and shown
here read-only."""

from __future__ import annotations

from django.contrib import admin

from attendance import services
from attendance.models import RaidAttendance, RaidEvent, RaidSeason
from scheduling.actors import Actor


@admin.register(RaidSeason)
class RaidSeasonAdmin(admin.ModelAdmin):
    list_display = ("name", "guild_id", "start_date", "is_active", "created_at")
    list_editable = ("is_active",)
    list_filter = ("guild_id", "is_active")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.season_update(
                actor=Actor.for_login(request.user),
                season=obj,
                name=data["name"],
                is_active=data["is_active"],
                start_date=data["start_date"],
            )
        else:
            created = services.season_create(
                actor=Actor.for_login(request.user),
                guild_id=data["guild_id"],
                name=data["name"],
                start_date=data["start_date"],
                is_active=data["is_active"],
            )
            obj.pk = created.pk


class AttendanceInline(admin.TabularInline):
    model = RaidAttendance
    extra = 0
    can_delete = False
    fields = ("player", "signed_up", "tentative", "noted_absence", "absence_reason", "attended", "source")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class SeasonFilter(admin.SimpleListFilter):
    """Events by season: the season current on the event's date (membership is computed)."""

    title = "season"
    parameter_name = "season"

    def lookups(self, request, model_admin):
        return [(season.pk, f"{season.name} ({season.guild_id})") for season in RaidSeason.objects.all()]

    def queryset(self, request, queryset):
        value = self.value() or ""
        season = RaidSeason.objects.filter(pk=int(value)).first() if value.isdigit() else None
        return queryset.in_season(season) if season is not None else queryset


@admin.register(RaidEvent)
class RaidEventAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "guild_id",
        "season",
        "start_time_utc",
        "end_time_utc",
        "reminder_sent_at",
        "summary_sent_at",
    )
    list_filter = ("guild_id", SeasonFilter)
    search_fields = ("title",)
    inlines = [AttendanceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_season()

    @admin.display(description="season")
    def season(self, obj):
        return obj.season_name or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RaidAttendance)
class RaidAttendanceAdmin(admin.ModelAdmin):
    list_display = ("event", "player", "signed_up", "tentative", "noted_absence", "attended", "source")
    list_filter = ("source", "attended", "noted_absence")
    list_select_related = ("event", "player")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
