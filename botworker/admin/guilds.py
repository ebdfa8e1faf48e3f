"""Guild configurations in the back office. Every write goes through the ``guild_configure``
service, so the admin validates and writes exactly as ``manage.py configure_guild`` does (and
the cached configuration is forgotten the same way); the inlines only collect the rows."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from botworker.guilds import guild_configure, validate_timezone
from botworker.models import GuildChannel, GuildConfig, GuildRole
from config import directory as names
from config.exceptions import ApplicationError


class GuildPickerInline(names.DirectoryAdminMixin, admin.TabularInline):
    """An inline whose id column is a picker of the configured guild's known roles or channels."""

    def get_formset(self, request, obj=None, **kwargs):
        request._directory_guild = obj.guild_id if obj is not None else None
        return super().get_formset(request, obj, **kwargs)


class GuildRoleInline(GuildPickerInline):
    model = GuildRole
    extra = 1
    directory_pickers = {"role_id": names.ROLE}


class GuildChannelInline(GuildPickerInline):
    model = GuildChannel
    extra = 1
    # One picker for every feature: the tickets feature wants a category, the others a channel.
    directory_pickers = {"channel_id": names.ANY_CHANNEL}


class GuildConfigForm(forms.ModelForm):
    class Meta:
        model = GuildConfig
        fields = ("guild_id", "name", "timezone")

    def clean_timezone(self) -> str:
        zone = self.cleaned_data["timezone"]
        try:
            return validate_timezone(zone)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None


def _kept_forms(formset: BaseInlineFormSet) -> list[forms.ModelForm]:
    """The inline rows the form leaves standing: not marked deleted, not an untouched blank row."""
    deleted = set(formset.deleted_forms)
    return [
        form
        for form in formset.forms
        if form not in deleted and (form.instance.pk is not None or form.has_changed()) and form.cleaned_data
    ]


def _report_saved(formset: BaseInlineFormSet, kept: list[forms.ModelForm]) -> None:
    # What the admin's change message and history read after save_formset.
    formset.new_objects = [form.instance for form in kept if form.instance.pk is None]
    formset.changed_objects = [
        (form.instance, form.changed_data) for form in kept if form.instance.pk is not None and form.has_changed()
    ]
    formset.deleted_objects = [form.instance for form in formset.deleted_forms if form.instance.pk is not None]


@admin.register(GuildConfig)
class GuildConfigAdmin(names.DirectoryAdminMixin, admin.ModelAdmin):
    form = GuildConfigForm
    list_display = ("name", "guild", "timezone", "updated_at")
    search_fields = ("=guild_id", "name")
    directory_pickers = {"guild_id": names.GUILD}
    guild = names.named("guild_id", names.GUILD, description="Discord server")
    inlines = [GuildRoleInline, GuildChannelInline]
    readonly_fields = ("created_at", "updated_at")

    def get_readonly_fields(self, request: HttpRequest, obj: GuildConfig | None = None) -> tuple[str, ...]:
        # A configuration belongs to one guild: its id is chosen once.
        return (*self.readonly_fields, "guild_id") if obj is not None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: GuildConfig, form: forms.ModelForm, change: bool) -> None:
        config = guild_configure(guild_id=obj.guild_id, name=obj.name, timezone=obj.timezone)
        obj.pk = config.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool) -> None:
        """Hand the roles and channels the inlines leave standing to ``guild_configure``."""
        config = form.instance
        roles: dict[str, list[int]] | None = None
        channels: dict[str, int | None] | None = None
        for formset in formsets:
            kept = _kept_forms(formset)
            if formset.model is GuildRole:
                roles = {GuildRole.Kind.MODERATOR: [], GuildRole.Kind.ADMIN: []}
                for form in kept:
                    roles[form.cleaned_data["kind"]].append(form.cleaned_data["role_id"])
            elif formset.model is GuildChannel:
                # Features left without a row lose their channel.
                channels = dict.fromkeys(config.channels.values_list("feature", flat=True))
                channels.update({form.cleaned_data["feature"]: form.cleaned_data["channel_id"] for form in kept})
            _report_saved(formset, kept)
        guild_configure(
            guild_id=config.guild_id,
            moderator_role_ids=None if roles is None else roles[GuildRole.Kind.MODERATOR],
            admin_role_ids=None if roles is None else roles[GuildRole.Kind.ADMIN],
            channels=channels,
        )
