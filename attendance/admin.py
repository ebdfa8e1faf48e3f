"""Back office of seasons, events and attendance. Seasons are created and edited through the
services; events are created by Discord and the API, and here an officer edits their title,
notes, log link and Raid-Helper id (through `event_update`) or cancels them (`event_cancel`);
the start and length change in Discord or the API, which know the guild's zone. Attendance is
shown read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from attendance import services
from attendance.models import RaidAttendance, RaidEvent, RaidSeason
from config import directory as names
from config.admin_display import when
from config.exceptions import ApplicationError
from scheduling.actors import Actor


@admin.register(RaidSeason)
class RaidSeasonAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    list_display = ("name", "start_date", "is_active", "guild")
    list_editable = ("is_active",)
    list_filter = (names.GuildFilter.on("guild_id"), "is_active")
    directory_pickers = {"guild_id": names.GUILD}
    guild = names.named("guild_id", names.GUILD, description="guild")
    search_fields = ("name",)

    def get_readonly_fields(self, request, obj=None):
        # A season's guild is fixed: its events are that guild's (the services cannot move it).
        return ("guild_id",) if obj else ()

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


class RaidEventForm(forms.ModelForm):
    # A log link typed without a scheme is read as https (Django 6's default, chosen now).
    log_url = forms.URLField(required=False, assume_scheme="https", max_length=500)

    class Meta:
        model = RaidEvent
        fields = ("title", "notes", "log_url", "raid_helper_event_id")

    def clean(self):
        # The service's checks, shown on the form (a refusal never becomes a 500).
        data = super().clean()
        checks = {
            "title": services.checked_title,
            "notes": services.checked_notes,
            "log_url": services.checked_log_url,
            "raid_helper_event_id": services.checked_raid_helper_id,
        }
        for name, check in checks.items():
            if name in data:
                try:
                    data[name] = check(data[name])
                except ApplicationError as error:
                    self.add_error(name, error.message)
        return data


@admin.register(RaidEvent)
class RaidEventAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    # The reminder and summary times are on the change page.
    list_display = ("title", "season", "starts", "ends", "guild")
    list_filter = (names.GuildFilter.on("guild_id"), SeasonFilter)
    starts = when("start_time_utc", description="starts")
    ends = when("end_time_utc", description="ends")
    guild = names.named("guild_id", names.GUILD, description="guild")
    event_channel = names.named("discord_channel_id", names.CHANNEL, description="Discord channel")
    search_fields = ("title",)
    inlines = [AttendanceInline]
    form = RaidEventForm
    fields = (
        "title",
        "notes",
        "log_url",
        "raid_helper_event_id",
        "guild",
        "starts",
        "ends",
        "event_date",
        "cancelled_at",
        "event_channel",
        "discord_message_id",
    )
    readonly_fields = fields[4:]
    actions = ["cancel_events"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        services.event_update(
            actor=Actor.for_login(request.user),
            event_id=obj.pk,
            title=data["title"],
            notes=data["notes"],
            log_url=data["log_url"],
            raid_helper_event_id=data["raid_helper_event_id"],
        )

    @admin.action(description="Cancel the selected events (those signed up are told)")
    def cancel_events(self, request, queryset):
        for event in queryset:
            try:
                services.event_cancel(actor=Actor.for_login(request.user), event_id=event.pk)
            except ApplicationError as error:
                self.message_user(request, f"{event}: {error.message}", messages.WARNING)

    def get_queryset(self, request):
        return super().get_queryset(request).with_season()

    @admin.display(description="season")
    def season(self, obj):
        return obj.season_name or "—"

    def has_add_permission(self, request):
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
