"""The Discord directory in the back office: the pickers and names every app's admin uses (through
``config.directory``, registered here), and read-only lists of what the bot has seen."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin

from botworker import directory
from botworker.models import DirectoryChannel, DirectoryGuild, DirectoryMember, DirectoryRole, DirectoryUser
from config import directory as names
from config.snowflakes import as_snowflake

CHANNEL_TYPES = {names.CHANNEL: directory.TEXT_CHANNEL_TYPES, names.CATEGORY: directory.CATEGORY_TYPES}
OTHER_ID = "— not listed: type an id —"
NO_CHOICE = "— none —"


class DirectoryPicker(forms.MultiWidget):
    """A select of the guild's known channels (of the right type) or roles, beside a text input
    showing the id, which also takes an id the directory does not know.

    The value is the select's when it was changed from the value shown, else the typed id (a
    small script keeps the two in step as one picks or types; without it the rule alone works).
    """

    template_name = "botworker/directory_picker.html"

    class Media:
        js = ["botworker/directory-picker.js"]

    def __init__(self, kind: str, *, guild_id: int | None = None, attrs: dict | None = None) -> None:
        self.kind, self.guild_id = kind, guild_id
        widgets = {
            "": forms.Select(attrs={"class": "gh-picker-select", "data-kind": kind}),
            "id": forms.TextInput(attrs={**names.ID_INPUT_ATTRS, "placeholder": "or type an id"}),
            "shown": forms.HiddenInput(),
        }
        super().__init__(widgets, attrs)

    def _groups(self) -> list[tuple[str | None, list[directory.Entry]]]:
        """The choices as (optgroup label or None, entries)."""
        if self.kind == names.GUILD:
            return [(None, directory.guild_choices())]
        if self.kind == names.ROLE:
            return self._by_guild(directory.role_choices(self.guild_id))
        if self.kind in CHANNEL_TYPES:
            return self._by_guild(directory.channel_choices(self.guild_id, CHANNEL_TYPES[self.kind]))
        text = directory.channel_choices(self.guild_id, directory.TEXT_CHANNEL_TYPES)
        categories = [
            (g, [directory.Entry(e.id, f"{e.label[1:]} (category)") for e in entries])
            for g, entries in directory.channel_choices(self.guild_id, directory.CATEGORY_TYPES)
        ]
        if self.guild_id is not None:
            return [
                ("Channels", [e for _, es in text for e in es]),
                ("Categories", [e for _, es in categories for e in es]),
            ]
        merged: dict[int, list[directory.Entry]] = {}
        for g, entries in [*text, *categories]:
            merged.setdefault(g, []).extend(entries)
        return self._by_guild(list(merged.items()))

    def _by_guild(self, groups: list[tuple[int, list[directory.Entry]]]) -> list[tuple[str | None, list]]:
        if self.guild_id is not None or len(groups) <= 1:
            return [(None, [e for _, entries in groups for e in entries])]
        guilds = directory.guild_entries(g for g, _ in groups)
        return [(guilds[g].label if g in guilds else f"guild {g}", entries) for g, entries in groups]

    def _choices(self) -> tuple[list, set[str]]:
        groups = [(label, entries) for label, entries in self._groups() if entries]
        known = {str(e.id) for _, entries in groups for e in entries}
        choices: list = [("", NO_CHOICE if known else OTHER_ID)]
        for label, entries in groups:
            options = [(str(e.id), e.label) for e in entries]
            if label is None:
                choices += options
            else:
                choices.append((label, options))
        return choices, known

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict:
        choices, self._known = self._choices()
        self.widgets[0].choices = choices
        context = super().get_context(name, value, attrs)
        shown = value if not isinstance(value, list) else None
        context["widget"]["unknown"] = shown not in (None, "") and str(shown) not in self._known
        return context

    def decompress(self, value: Any) -> list[str]:
        if value in (None, ""):
            return ["", "", ""]
        text = str(value)
        known = getattr(self, "_known", set())
        return [text if text in known else "", text, text if text in known else ""]

    def value_from_datadict(self, data, files, name: str) -> str:
        picked, typed, shown = (v or "" for v in super().value_from_datadict(data, files, name))
        typed = typed.strip()
        if picked != shown:
            return picked if picked else ("" if typed == shown else typed)
        return typed

    def value_omitted_from_data(self, data, files, name: str) -> bool:
        return all(
            w.value_omitted_from_data(data, files, name + s)
            for w, s in zip(self.widgets, self.widgets_names, strict=False)
        )


class BotworkerDirectory:
    """What ``config.directory`` asks of the Discord layer."""

    def labels(self, kind: str, keys: Iterable[Any]) -> dict[Any, tuple[str, bool]]:
        if kind == names.MEMBER:
            found = directory.member_entries(keys)
            return {key: (found[k].label, found[k].gone) for key in keys if (k := _member_key(key)) in found}
        lookup = {
            names.GUILD: directory.guild_entries,
            names.CHANNEL: directory.channel_entries,
            names.CATEGORY: directory.channel_entries,
            names.ANY_CHANNEL: directory.channel_entries,
            names.ROLE: directory.role_entries,
        }[kind]
        keys = list(keys)
        found = lookup(keys)
        return {key: (found[n].label, found[n].gone) for key in keys if (n := as_snowflake(key)) in found}

    def picker(self, kind: str, *, guild_id: int | None) -> forms.Widget:
        if kind in (names.GUILD, names.CHANNEL, names.CATEGORY, names.ANY_CHANNEL, names.ROLE):
            return DirectoryPicker(kind, guild_id=guild_id)
        return forms.TextInput(attrs=names.ID_INPUT_ATTRS)

    def search_user_ids(self, text: str) -> list[int]:
        return directory.search_user_ids(text)


def _member_key(key: Any) -> tuple[int | None, int | None]:
    guild_id, user_id = key
    return (as_snowflake(guild_id) if guild_id is not None else None, as_snowflake(user_id))


class DirectoryReadOnly(names.DirectoryAdminMixin, admin.ModelAdmin):
    """The directory is written by the bot only."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DirectoryGuild)
class DirectoryGuildAdmin(DirectoryReadOnly):
    list_display = ("name", "guild_id", "gone_at", "updated_at")
    search_fields = ("name", "=guild_id")


@admin.register(DirectoryChannel)
class DirectoryChannelAdmin(DirectoryReadOnly):
    list_display = ("__str__", "channel_id", "type_name", "guild", "gone_at")
    list_filter = ("type", ("gone_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "=channel_id")
    guild = names.named("guild_id", names.GUILD, description="guild")

    @admin.display(description="type", ordering="type")
    def type_name(self, channel: DirectoryChannel) -> str:
        return DirectoryChannel.Type(channel.type).label if channel.type in DirectoryChannel.Type else str(channel.type)


@admin.register(DirectoryRole)
class DirectoryRoleAdmin(DirectoryReadOnly):
    list_display = ("__str__", "role_id", "position", "guild", "gone_at")
    list_filter = (("gone_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "=role_id")
    guild = names.named("guild_id", names.GUILD, description="guild")


@admin.register(DirectoryUser)
class DirectoryUserAdmin(DirectoryReadOnly):
    list_display = ("__str__", "username", "user_id", "updated_at")
    search_fields = ("username", "global_name", "=user_id")


@admin.register(DirectoryMember)
class DirectoryMemberAdmin(DirectoryReadOnly):
    list_display = ("member", "nick", "guild", "gone_at", "updated_at")
    list_filter = (("gone_at", admin.EmptyFieldListFilter),)
    search_fields = ("nick", "=user_id")
    member = names.named("user_id", names.MEMBER, description="member")
    guild = names.named("guild_id", names.GUILD, description="guild")
