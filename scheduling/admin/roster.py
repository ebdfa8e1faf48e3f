"""Back office of the roster: ranks and roles edited in the list, read-only searchable reference
data, players with their availability inline. Every write goes through `scheduling.services`."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from config import directory as names
from config.admin_display import day_form_field
from config.exceptions import ApplicationError
from scheduling import services
from scheduling.actors import Actor
from scheduling.models import (
    GuildRank,
    MemberZone,
    Player,
    PlayerAvailability,
    Role,
    Specialization,
    WowCharacter,
    WowClass,
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
class GuildRankAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    list_display = ("name", "level", "scheduling_weight", "discord_role_id", "guild", "description")
    list_editable = ("scheduling_weight", "discord_role_id", "description")
    list_filter = (names.GuildFilter.on("guild_id"),)
    directory_pickers = {"discord_role_id": names.ROLE, "guild_id": names.GUILD}
    guild = names.named("guild_id", names.GUILD, description="guild")
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
    day_of_week = day_form_field()

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


class RankFilter(admin.SimpleListFilter):
    """Players by rank name (ranks of the same name in several guilds are one choice)."""

    title = "rank"
    parameter_name = "rank"

    def lookups(self, request, model_admin):
        names_ = GuildRank.objects.order_by("level", "name").values_list("name", flat=True).distinct()
        return [(name, name) for name in dict.fromkeys(names_)]

    def queryset(self, request, queryset):
        return queryset.filter(rank__name=self.value()) if self.value() else queryset


@admin.register(Player)
class PlayerAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    form = PlayerForm
    list_display = ("__str__", "member", "rank", "raid_team", "timezone", "guild")
    list_filter = (names.GuildFilter.on("guild_id"), RankFilter, "raid_team", "auto_invite_events")
    search_fields = ("display_name", "=discord_user_id", "user__username")
    directory_user_fields = ("discord_user_id",)
    directory_pickers = {"guild_id": names.GUILD}
    directory_id_fields = ("discord_user_id",)
    member = names.named("discord_user_id", names.MEMBER, description="Discord member")
    guild = names.named("guild_id", names.GUILD, description="guild")
    list_select_related = ("rank", "user")
    autocomplete_fields = ("user",)
    inlines = [AvailabilityInline, CharacterInline]

    def get_readonly_fields(self, request, obj=None):
        # A player's guild and Discord user are fixed; shown with their names.
        return ("guild", "member") if obj else ()

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None:
            fields = [{"guild_id": "guild", "discord_user_id": "member"}.get(f, f) for f in fields]
        return list(dict.fromkeys(fields))

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
class MemberZoneAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    """Members' zones (one per Discord user); a change goes through `member_zone_set`."""

    form = MemberZoneForm
    list_display = ("member", "timezone", "updated_at")
    directory_user_fields = ("discord_user_id",)
    directory_id_fields = ("discord_user_id",)
    member = names.named("discord_user_id", names.MEMBER, description="member", guild_field=None)
    search_fields = ("=discord_user_id", "timezone")
    readonly_fields = ("updated_at",)

    def get_readonly_fields(self, request, obj=None):
        return ("discord_user_id", "updated_at") if obj else ("updated_at",)

    def save_model(self, request, obj, form, change):
        services.member_zone_set(user_id=obj.discord_user_id, zone=form.cleaned_data["timezone"])
        obj.pk = MemberZone.objects.get(discord_user_id=obj.discord_user_id).pk
