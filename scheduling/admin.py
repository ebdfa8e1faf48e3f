"""Back office of the roster: ranks and roles edited in the list, read-only searchable reference
data, players with their availability inline; reminders (read, previewed, archived), the
dispatcher's records, clock settings and calendar links. Every write goes through `scheduling.services`."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from config.exceptions import ApplicationError
from config.timeutils import zone_or_error
from scheduling import services
from scheduling.actors import Actor
from scheduling.models import (
    CalendarFeed,
    Dispatch,
    GuildClockSettings,
    GuildRank,
    MemberZone,
    Player,
    PlayerAvailability,
    Reminder,
    Role,
    Specialization,
    WowCharacter,
    WowClass,
)
from scheduling.models.clock import MAX_GRACE_MINUTES
from scheduling.services.calendar import calendar_feed_ensure, calendar_feed_rotate
from scheduling.services.reminders import (
    clock_settings_update,
    reminder_archive,
    reminder_when_text,
    upcoming_sends,
)

MEMBER_ZONE_HELP = "The member's time zone: the same for every guild and feature (availability, time tracking, shifts)."


def member_zone_form_field(*, required: bool):
    """The zone form field (canonical IANA zones, "did you mean" errors) for the member's zone."""
    return MemberZone._meta.get_field("timezone").formfield(required=required, help_text=MEMBER_ZONE_HELP)


class ServiceErrorsMixin:
    """Turn a service refusal into a form error on the field it names, so nothing half-saves."""

    def _add_service_error(self, error: ApplicationError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


@admin.register(GuildRank)
class GuildRankAdmin(admin.ModelAdmin):
    list_display = ("name", "guild_id", "level", "scheduling_weight", "discord_role_id", "description")
    list_editable = ("scheduling_weight", "discord_role_id", "description")
    list_filter = ("guild_id",)
    search_fields = ("name",)
    ordering = ("guild_id", "level")

    def get_readonly_fields(self, request, obj=None):
        # A rank's guild is fixed: its players and mapped role belong to that guild.
        return ("guild_id",) if obj else ()

    def save_model(self, request, obj, form, change):
        if not change:
            data = form.cleaned_data
            created = services.rank_create(
                actor=Actor.for_login(request.user),
                guild_id=data["guild_id"],
                name=data["name"],
                level=data["level"],
                description=data["description"],
                scheduling_weight=data["scheduling_weight"],
                discord_role_id=data["discord_role_id"],
            )
            obj.pk = created.pk
            return
        values = {name: form.cleaned_data[name] for name in form.changed_data if name != "discord_role_id"}
        role = form.cleaned_data["discord_role_id"] if "discord_role_id" in form.changed_data else False
        services.rank_update(actor=Actor.for_login(request.user), rank=obj, discord_role_id=role, **values)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "display_name")
    list_editable = ("display_name",)
    readonly_fields = ("name",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.role_update(
            actor=Actor.for_login(request.user), role=obj, display_name=form.cleaned_data["display_name"]
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SpecializationInline(admin.TabularInline):
    model = Specialization
    fields = ("game_id", "name", "role")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WowClass)
class WowClassAdmin(ReadOnlyAdmin):
    list_display = ("name", "game_id")
    search_fields = ("name", "=game_id")
    inlines = [SpecializationInline]


@admin.register(Specialization)
class SpecializationAdmin(ReadOnlyAdmin):
    list_display = ("name", "wow_class", "game_id", "role")
    list_filter = ("role", "wow_class")
    search_fields = ("name", "wow_class__name", "=game_id")
    list_select_related = ("wow_class", "role")


class AvailabilityForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = PlayerAvailability
        fields = ("day_of_week", "earliest_start", "available_hours")

    def clean(self):
        data = super().clean()
        try:
            if "day_of_week" in data:
                data["day_of_week"] = services.parse_day(data["day_of_week"])
            if data.get("available_hours") is not None:
                data["available_hours"] = services.parse_hours(data["available_hours"])
        except ApplicationError as error:
            self._add_service_error(error)
        return data


class AvailabilityInline(admin.TabularInline):
    model = PlayerAvailability
    form = AvailabilityForm
    extra = 0
    max_num = 7
    fields = ("day_of_week", "earliest_start", "available_hours", "updated_at")
    readonly_fields = ("updated_at",)


class CharacterInline(admin.TabularInline):
    model = WowCharacter
    extra = 0
    fields = ("name", "realm", "wow_class", "specialization", "is_main")


class PlayerForm(ServiceErrorsMixin, forms.ModelForm):
    # Not a column of Player: the member's zone (MemberZone), written through the services.
    timezone = member_zone_form_field(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["timezone"].required = True
            self.initial.setdefault("timezone", self.instance.timezone)

    class Meta:
        model = Player
        fields = (
            "guild_id",
            "discord_user_id",
            "display_name",
            "rank",
            "user",
            "timezone",
            "auto_invite_events",
            "raid_team",
        )

    def clean(self):
        data = super().clean()
        try:
            rank, guild = data.get("rank"), data.get("guild_id")
            if rank is not None and guild is not None and rank.guild_id != guild:
                raise ApplicationError(services.RANK_OF_OTHER_GUILD, field="rank")
        except ApplicationError as error:
            self._add_service_error(error)
        return data


@admin.register(Player)
class PlayerAdmin(admin.ModelAdmin):
    form = PlayerForm
    list_display = (
        "__str__",
        "guild_id",
        "discord_user_id",
        "rank",
        "raid_team",
        "timezone",
        "auto_invite_events",
        "user",
    )
    list_filter = ("guild_id", "rank__name", "raid_team", "auto_invite_events")
    search_fields = ("display_name", "=discord_user_id", "user__username")
    list_select_related = ("rank", "user")
    autocomplete_fields = ("user",)
    inlines = [AvailabilityInline, CharacterInline]

    def get_readonly_fields(self, request, obj=None):
        return ("guild_id", "discord_user_id") if obj else ()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.player_update(
                actor=Actor.for_login(request.user),
                player=obj,
                display_name=data["display_name"],
                rank=data["rank"],
                timezone=data["timezone"] if "timezone" in form.changed_data else None,
                auto_invite_events=data["auto_invite_events"],
                raid_team=data["raid_team"],
                user=data.get("user"),
            )
        else:
            created = services.player_create(
                actor=Actor.for_login(request.user),
                guild_id=data["guild_id"],
                discord_user_id=data["discord_user_id"],
                display_name=data["display_name"],
                rank=data["rank"],
                user=data.get("user"),
                timezone=data.get("timezone") or None,
                auto_invite_events=data["auto_invite_events"],
                raid_team=data["raid_team"],
            )
            obj.pk = created.pk

    def save_formset(self, request, form, formset, change):
        player = form.instance
        # The admin's change message reads these; the rows are written by the services below.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is WowCharacter:
            self._save_characters(player, formset)
            return
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                services.availability_clear(player=player, day_of_week=inline_form.instance.day_of_week)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            data = inline_form.cleaned_data
            if inline_form.instance.pk and inline_form.instance.day_of_week != data["day_of_week"]:
                services.availability_clear(player=player, day_of_week=inline_form.initial["day_of_week"])
            services.availability_set(
                player=player,
                day_of_week=data["day_of_week"],
                earliest_start=data["earliest_start"],
                available_hours=data["available_hours"],
            )

    def _save_characters(self, player, formset) -> None:
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                services.character_remove(character=inline_form.instance)
        # Non-mains first, so a main chosen in this save is the one that stays main.
        changed = [f for f in formset.forms if f not in formset.deleted_forms and f.has_changed()]
        for inline_form in sorted(changed, key=lambda f: f.cleaned_data.get("is_main", False)):
            data = inline_form.cleaned_data
            services.character_save(
                player=player,
                name=data["name"],
                realm=data["realm"],
                wow_class=data.get("wow_class"),
                specialization=data.get("specialization"),
                is_main=data.get("is_main", False),
                character=inline_form.instance if inline_form.instance.pk else None,
            )


class MemberZoneForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = MemberZone
        fields = ("discord_user_id", "timezone")


@admin.register(MemberZone)
class MemberZoneAdmin(admin.ModelAdmin):
    """Members' zones (one per Discord user); a change goes through `member_zone_set`."""

    form = MemberZoneForm
    list_display = ("discord_user_id", "timezone", "updated_at")
    search_fields = ("=discord_user_id", "timezone")
    readonly_fields = ("updated_at",)

    def get_readonly_fields(self, request, obj=None):
        return ("discord_user_id", "updated_at") if obj else ("updated_at",)

    def save_model(self, request, obj, form, change):
        services.member_zone_set(user_id=obj.discord_user_id, zone=form.cleaned_data["timezone"])
        obj.pk = MemberZone.objects.get(discord_user_id=obj.discord_user_id).pk


# ----------------------------------------------------------------------------- reminders and the clock
# Reminders are created and changed in Discord and through the API; here they are read, with their
# next sends and their dispatch history, and archived (through the service).

PREVIEW_SENDS = 5
HISTORY_ROWS = 20


def _local(instant, zone) -> str:
    return f"{instant.astimezone(zone_or_error(zone)):%a %Y-%m-%d %H:%M %Z}" if instant else "—"


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ("name", "guild_id", "channel_id", "when", "status", "next_send")
    list_filter = ("status", ("event_time", admin.EmptyFieldListFilter))
    search_fields = ("name", "message", "location")
    ordering = ("guild_id", "next_fire_at", "name")
    actions = ("archive",)
    fields = (
        "guild_id",
        "name",
        "message",
        "location",
        "channel_id",
        "created_by",
        "mention_role_id",
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
class DispatchAdmin(admin.ModelAdmin):
    """Every occurrence the dispatcher handled: sent, late, missed (not sent) or failed."""

    list_display = ("occurrence", "source", "source_id", "kind", "guild_id", "status", "outcome", "dispatched_at")
    list_filter = ("status", "source", "kind", "outcome")
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
class GuildClockSettingsAdmin(admin.ModelAdmin):
    form = ClockSettingsForm
    list_display = ("guild_id", "grace_minutes", "replace_early_reminder", "allow_everyone_mention")

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
