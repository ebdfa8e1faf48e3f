"""Back office of reminders (read, previewed, archived), the dispatcher's records, clock settings
and calendar links. Every write goes through `scheduling.services`."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from config import directory as names
from config.exceptions import ApplicationError
from config.timeutils import zone_or_error
from scheduling.actors import Actor
from scheduling.models import (
    CalendarFeed,
    Dispatch,
    GuildClockSettings,
    Reminder,
)
from scheduling.models.clock import MAX_GRACE_MINUTES
from scheduling.services.calendar import calendar_feed_ensure, calendar_feed_rotate
from scheduling.services.reminders import (
    clock_settings_update,
    reminder_archive,
    reminder_when_text,
    upcoming_sends,
)

# ----------------------------------------------------------------------------- reminders and the clock
# Reminders are created and changed in Discord and through the API; here they are read, with their
# next sends and their dispatch history, and archived (through the service).

PREVIEW_SENDS = 5
HISTORY_ROWS = 20


def _local(instant, zone) -> str:
    return f"{instant.astimezone(zone_or_error(zone)):%a %Y-%m-%d %H:%M %Z}" if instant else "—"


class KindFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return (("recurring", "recurring"), ("one_off", "one-off"))

    def queryset(self, request, queryset):
        if self.value() == "recurring":
            return queryset.filter(event_time__isnull=True)
        if self.value() == "one_off":
            return queryset.filter(event_time__isnull=False)
        return queryset


@admin.register(Reminder)
class ReminderAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    list_display = ("name", "guild", "channel", "when", "status", "next_send")
    list_filter = (names.GuildFilter.on("guild_id"), "status", KindFilter)
    search_fields = ("name", "message", "location")
    ordering = ("guild_id", "next_fire_at", "name")
    actions = ("archive",)
    fields = (
        "guild",
        "name",
        "message",
        "location",
        "channel",
        "creator",
        "mention_role",
        "mention_everyone",
        "origin_channel_id",
        "origin_message_id",
        "when",
        "timezone",
        "lead_minutes",
        "status",
        "next_send",
        "next_fire_at",
        "upcoming",
        "archived_at",
        "history",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # archived (history kept), never deleted

    guild = names.named("guild_id", names.GUILD, description="guild")
    channel = names.named("channel_id", names.CHANNEL, description="channel")
    creator = names.named("created_by", names.MEMBER, description="created by")
    mention_role = names.named("mention_role_id", names.ROLE, description="mentions role")

    @admin.display(description="when")
    def when(self, reminder: Reminder) -> str:
        return reminder_when_text(reminder)

    @admin.display(description="next send (its zone)", ordering="next_fire_at")
    def next_send(self, reminder: Reminder) -> str:
        return _local(reminder.next_fire_at, reminder.timezone)

    @admin.display(description=f"next {PREVIEW_SENDS} sends")
    def upcoming(self, reminder: Reminder) -> str:
        sends = upcoming_sends(reminder, count=PREVIEW_SENDS)
        if not sends:
            return "nothing left to send"
        return format_html_join(
            mark_safe("<br>"), "{} ({})", ((_local(at, reminder.timezone), kind) for at, kind in sends)
        )

    @admin.display(description="dispatch history")
    def history(self, reminder: Reminder) -> str:
        records = Dispatch.objects.filter(source="reminder", source_id=reminder.pk)[:HISTORY_ROWS]
        link = format_html(
            '<a href="{}?source=reminder&source_id={}">all dispatches of this reminder</a>',
            reverse("admin:scheduling_dispatch_changelist"),
            reminder.pk,
        )
        if not records:
            return format_html("none yet ({})", link)
        rows = format_html_join(
            mark_safe("<br>"),
            "{} {}: {}, {} {}",
            (
                (
                    _local(r.occurrence, reminder.timezone),
                    r.kind,
                    r.get_status_display(),
                    r.get_outcome_display(),
                    r.detail,
                )
                for r in records
            ),
        )
        return format_html("{}<br>{}", rows, link)

    @admin.action(description="Archive the selected reminders (they stop; their history stays)")
    def archive(self, request, queryset) -> None:
        actor = Actor.for_login(request.user)
        for reminder in queryset.filter(status=Reminder.Status.ACTIVE):
            try:
                reminder_archive(actor=actor, guild_id=reminder.guild_id, reminder_id=reminder.pk)
            except ApplicationError as refusal:
                self.message_user(request, f"{reminder}: {refusal.message}", level=messages.ERROR)


@admin.register(Dispatch)
class DispatchAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    """Every occurrence the dispatcher handled: sent, late, missed (not sent) or failed."""

    list_display = ("occurrence", "source", "source_id", "kind", "guild", "status", "outcome", "dispatched_at")
    list_filter = (names.GuildFilter.on("guild_id"), "status", "source", "kind", "outcome")
    guild = names.named("guild_id", names.GUILD, description="guild")
    search_fields = ("=source_id", "=guild_id", "detail")
    date_hierarchy = "occurrence"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Dispatch._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a record of what happened: viewed, never edited

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ClockSettingsForm(forms.ModelForm):
    grace_minutes = forms.IntegerField(
        min_value=0,
        max_value=MAX_GRACE_MINUTES,
        help_text=GuildClockSettings._meta.get_field("grace_minutes").help_text,
    )

    class Meta:
        model = GuildClockSettings
        fields = ("guild_id", "grace_minutes", "replace_early_reminder", "allow_everyone_mention")


@admin.register(GuildClockSettings)
class GuildClockSettingsAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    form = ClockSettingsForm
    list_display = ("guild", "grace_minutes", "replace_early_reminder", "allow_everyone_mention")
    directory_pickers = {"guild_id": names.GUILD}
    guild = names.named("guild_id", names.GUILD, description="guild")

    def get_readonly_fields(self, request, obj=None):
        return ("guild_id",) if obj is not None else ()

    def save_model(self, request, obj, form, change) -> None:
        saved = clock_settings_update(
            actor=Actor.for_login(request.user),
            guild_id=obj.guild_id,
            grace_minutes=form.cleaned_data["grace_minutes"],
            replace_early_reminder=form.cleaned_data["replace_early_reminder"],
            allow_everyone_mention=form.cleaned_data["allow_everyone_mention"],
        )
        obj.pk = saved.pk


class CalendarFeedForm(forms.ModelForm):
    class Meta:
        model = CalendarFeed
        fields = ("guild_id",)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Each guild's calendar link; rotating it makes the old link answer 404."""

    form = CalendarFeedForm
    list_display = ("guild_id", "rotated_at", "link")
    actions = ("rotate",)

    def get_readonly_fields(self, request, obj=None):
        return ("guild_id", "link", "rotated_at") if obj is not None else ()

    @admin.display(description="feed link")
    def link(self, feed: CalendarFeed) -> str:
        return reverse("scheduling:calendar-feed", args=[feed.token])

    def save_model(self, request, obj, form, change) -> None:
        feed = calendar_feed_ensure(actor=Actor.for_login(request.user), guild_id=obj.guild_id)
        obj.pk, obj.token, obj.rotated_at = feed.pk, feed.token, feed.rotated_at

    @admin.action(description="Rotate the link of the selected feeds (old links stop working)")
    def rotate(self, request, queryset) -> None:
        actor = Actor.for_login(request.user)
        for feed in queryset:
            calendar_feed_rotate(actor=actor, guild_id=feed.guild_id)
        self.message_user(request, f"Rotated {queryset.count()} calendar link(s).")
