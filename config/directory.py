"""Names for Discord ids in the back office, for every app's admin.

The Discord layer keeps a directory of the guilds, channels, roles and members the bot has seen
and registers it here when it loads (``botworker.admin.directory``), as it registers the login
resolver in ``config.actors``: a domain app's admin shows ``#shifts``, ``@Officers`` and member
names and offers pickers through this module, never importing the Discord layer.

* :func:`named` makes a list column (or read-only field) showing an id's name next to the id;
  :class:`DirectoryAdminMixin` looks the names of a whole page up at once (a few queries, however
  long the page).
* ``directory_pickers`` on the admin (``{"discord_role_id": "role"}``) gives those fields the
  registered picker: a select of the guild's known channels or roles that still takes a raw id.
* :func:`search_user_ids` lets a list's search find members by name.

Without a registered directory, ids show as ids and id fields are wide text inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django import forms
from django.db.models import Q
from django.utils.html import format_html

# What an id names. ANY_CHANNEL: a text channel or a category (a picker offers both, grouped).
GUILD, CHANNEL, CATEGORY, ANY_CHANNEL, ROLE, MEMBER = "guild", "channel", "category", "any_channel", "role", "member"
KINDS = (GUILD, CHANNEL, CATEGORY, ANY_CHANNEL, ROLE, MEMBER)
PICKER_LABELS = {
    GUILD: "Discord server",
    CHANNEL: "channel",
    CATEGORY: "category",
    ANY_CHANNEL: "channel",
    ROLE: "role",
}
# Wide enough for a 19-digit id and a little more.
ID_INPUT_ATTRS = {"size": 22, "inputmode": "numeric", "autocomplete": "off", "class": "gh-id-input"}


class Directory(Protocol):
    def labels(self, kind: str, keys: Iterable[Any]) -> dict[Any, tuple[str, bool]]:
        """Names for ids of `kind` (keys are ids; for members, (guild id, user id) pairs):
        key -> (label, gone)."""

    def picker(self, kind: str, *, guild_id: int | None) -> forms.Widget:
        """The form widget to enter an id of `kind` in `guild_id` (None: any guild)."""

    def search_user_ids(self, text: str) -> list[int]:
        """User ids whose names contain `text`."""


_directory: Directory | None = None


def register_directory(directory: Directory) -> None:
    global _directory
    _directory = directory


def labels(kind: str, keys: Iterable[Any]) -> dict[Any, tuple[str, bool]]:
    keys = [k for k in keys if k is not None]
    if _directory is None or not keys:
        return {}
    return _directory.labels(kind, keys)


def picker(kind: str, *, guild_id: int | None = None) -> forms.Widget:
    if _directory is None:
        return forms.TextInput(attrs=ID_INPUT_ATTRS)
    return _directory.picker(kind, guild_id=guild_id)


def search_user_ids(text: str) -> list[int]:
    return [] if _directory is None else _directory.search_user_ids(text)


def render_named(value: Any, found: tuple[str, bool] | None) -> str:
    """An id with its name before it (``#shifts 1234…``), the id alone when unknown, "—" for none."""
    if value in (None, ""):
        return "—"
    if found is None:
        return format_html('<span class="gh-id">{}</span>', value)
    label, gone = found
    return format_html(
        '<span class="gh-name{}">{}</span>{} <span class="gh-id">{}</span>',
        " gh-gone" if gone else "",
        label,
        " (gone)" if gone else "",
        value,
    )


@dataclass(frozen=True)
class NamedColumn:
    """A list column showing `field`'s id with its directory name (see :func:`named`)."""

    field: str
    kind: str
    guild_field: str | None

    def key(self, obj: Any) -> Any:
        value = _value(obj, self.field)
        if self.kind == MEMBER:
            return (_value(obj, self.guild_field) if self.guild_field else None, value)
        return value


def _value(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def named(field: str, kind: str, *, description: str, guild_field: str | None = "guild_id") -> Callable:
    """A column (for ``list_display``) or read-only field showing `field` (an id of `kind`, or a
    ``__`` path to one) with its name. On a list the names of the page are looked up at once by
    :class:`DirectoryAdminMixin`; elsewhere each value is looked up on its own."""
    column = NamedColumn(field, kind, guild_field)

    def show(modeladmin, obj):
        cache = getattr(obj, "_directory_names", None)
        key = column.key(obj)
        found = labels(kind, [key]).get(key) if cache is None or column not in cache else cache[column].get(key)
        return render_named(_value(obj, field), found)

    show.short_description = description
    show.admin_order_field = field
    show.directory_column = column
    return show


def prime_names(objects: list, columns: Iterable[NamedColumn]) -> None:
    """Look up, one query per kind, the names every `columns` shows for `objects`."""
    columns = list(columns)
    by_kind: dict[str, set] = {}
    for column in columns:
        by_kind.setdefault(column.kind, set()).update(column.key(obj) for obj in objects)
    found = {kind: labels(kind, keys) for kind, keys in by_kind.items()}
    per_column = {column: found[column.kind] for column in columns}
    for obj in objects:
        obj._directory_names = per_column


class DirectoryAdminMixin:
    """For a ModelAdmin: names for the ``named`` columns of a list page in a few queries; pickers
    for the fields in ``directory_pickers`` ({field: kind}), for the guild in the object's
    ``directory_guild_field``; wide inputs for the other id fields in ``directory_id_fields``;
    and search by member name over ``directory_user_fields``."""

    directory_pickers: dict[str, str] = {}
    directory_id_fields: tuple[str, ...] = ()
    directory_user_fields: tuple[str, ...] = ()
    directory_guild_field = "guild_id"

    def get_changelist(self, request, **kwargs):
        base = super().get_changelist(request, **kwargs)
        admin = self

        class NamedChangeList(base):
            def get_results(self, request):
                super().get_results(request)
                columns = [
                    column
                    for name in self.list_display
                    if (column := getattr(getattr(admin, name, None), "directory_column", None)) is not None
                ]
                if columns:
                    # Evaluates the page's queryset (its cache keeps these very objects), so an
                    # editable list's formset still gets a queryset.
                    prime_names(list(self.result_list), columns)

        return NamedChangeList

    def get_form(self, request, obj=None, **kwargs):
        request._directory_guild = getattr(obj, self.directory_guild_field, None) if obj is not None else None
        return super().get_form(request, obj, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        kind = self.directory_pickers.get(db_field.name)
        if kind is not None:
            kwargs["widget"] = picker(kind, guild_id=getattr(request, "_directory_guild", None))
            kwargs.setdefault("label", PICKER_LABELS[kind])
        elif db_field.name in self.directory_id_fields:
            kwargs["widget"] = forms.TextInput(attrs=ID_INPUT_ATTRS)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        unsearched = queryset
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if self.directory_user_fields and search_term.strip() and not search_term.strip().isdigit():
            user_ids = search_user_ids(search_term)
            if user_ids:
                condition = Q()
                for field in self.directory_user_fields:
                    condition |= Q(**{f"{field}__in": user_ids})
                # Rows the list's filters kept whose members' names match, besides the search's own.
                queryset = queryset | unsearched.filter(condition)
        return queryset, duplicates


class GuildFilter:
    """A list filter by guild, its choices named (``list_filter = [GuildFilter.on("guild_id")]``)."""

    @staticmethod
    def on(field: str = "guild_id", *, title: str = "guild", parameter: str = "guild"):
        from django.contrib import admin

        class Filter(admin.SimpleListFilter):
            parameter_name = parameter

            def lookups(self, request, model_admin):
                ids = sorted(model_admin.model._default_manager.order_by().values_list(field, flat=True).distinct())
                found = labels(GUILD, ids)
                return [(str(g), found[g][0] if g in found else str(g)) for g in ids if g is not None]

            def queryset(self, request, queryset):
                value = self.value()
                return queryset.filter(**{field: int(value)}) if value and value.isdigit() else queryset

        Filter.title = title
        return Filter


class MemberFilter:
    """A list filter by Discord user, its choices named (``MemberFilter.on("user_id")``); for rows
    of one guild's members give ``guild_field`` so nicknames there are used."""

    @staticmethod
    def on(field: str = "user_id", *, title: str = "member", guild_field: str | None = None, parameter: str = "member"):
        from django.contrib import admin

        class Filter(admin.SimpleListFilter):
            parameter_name = parameter

            def lookups(self, request, model_admin):
                columns = [guild_field, field] if guild_field else [field]
                rows = model_admin.model._default_manager.order_by().values_list(*columns).distinct()
                pairs = [(r[0], r[1]) if guild_field else (None, r[0]) for r in rows]
                found = labels(MEMBER, pairs)
                named_ = {user: found[(guild, user)][0] for guild, user in pairs if (guild, user) in found}
                users = sorted({user for _, user in pairs if user is not None}, key=lambda u: (named_.get(u, "~"), u))
                return [(str(u), named_.get(u, str(u))) for u in users]

            def queryset(self, request, queryset):
                value = self.value()
                return queryset.filter(**{field: int(value)}) if value and value.isdigit() else queryset

        Filter.title = title
        return Filter
