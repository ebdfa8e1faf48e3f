"""The personal-data registry: which fields link a row to a Discord user, and how each row is
exported and erased.

Each app declares its models next to them, in its own ``gdpr.py`` (the support app's are in
:mod:`support.gdpr.declarations`; botworker registers its own from ``botworker/gdpr.py``, so no
domain app imports the Discord layer). :func:`load` imports them all. A model that has a field
that looks like a Discord user id (:func:`user_id_fields`) must be registered, as personal or as
not personal with a reason: ``config/tests/test_gdpr_registry.py`` walks every model of every
project app and fails for one that is not, so a new app cannot forget.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.module_loading import autodiscover_modules


class Erase(StrEnum):
    """What an erasure does to a row linked to the member through one field."""

    DELETE = "delete"  # the row goes (unless the model's `keep_when` says others depend on it)
    ANONYMISE = "anonymise"  # the field takes the member's tombstone id; the fields it `owns` are blanked
    FOLLOWS = "follows"  # a lookup through another registered row: deleted or anonymised with it
    KEEP = "keep"  # kept as it is: a documented exception, with its reason


@dataclass(frozen=True)
class Link:
    """A field (or a lookup through relations, ``ticket__user_id``) holding the Discord user id of
    the person a row is about. `owns`: text fields that are that person's own words (blanked when
    the row is anonymised, left out of another member's export). `as_text`: the id is stored as a
    string (inside a JSON payload)."""

    lookup: str
    erase: Erase
    owns: tuple[str, ...] = ()
    reason: str = ""
    as_text: bool = False

    @property
    def is_direct(self) -> bool:
        return "__" not in self.lookup

    def matches(self, user_id: int) -> Q:
        return Q(**{self.lookup: str(user_id) if self.as_text else user_id})


# A custom eraser: (the rows linked to the member, the member's id, their tombstone id) → counts.
Eraser = Callable[[models.QuerySet, int, int], dict[str, int]]


@dataclass(frozen=True)
class PersonalModel:
    model: type[models.Model]
    links: tuple[Link, ...]
    # Rows a DELETE link would remove that other members depend on: anonymised instead.
    keep_when: Callable[[int], Q] | None = None
    eraser: Eraser | None = None
    note: str = ""
    # Fields left out of every export (technical bodies that may quote other members).
    omit: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.model._meta.label

    def rows_of(self, user_id: int) -> models.QuerySet:
        """Every row linked to the member through any of its links."""
        condition = Q()
        for link in self.links:
            condition |= link.matches(user_id)
        return self.model._base_manager.filter(condition)


@dataclass(frozen=True)
class NotPersonal:
    model: type[models.Model]
    reason: str

    @property
    def label(self) -> str:
        return self.model._meta.label


@dataclass
class Registry:
    personal: dict[type[models.Model], PersonalModel] = field(default_factory=dict)
    not_personal: dict[type[models.Model], NotPersonal] = field(default_factory=dict)

    def register(
        self,
        model: type[models.Model],
        *links: Link,
        keep_when: Callable[[int], Q] | None = None,
        eraser: Eraser | None = None,
        note: str = "",
        omit: tuple[str, ...] = (),
    ) -> PersonalModel:
        """Declare a model's personal data: the links to the member and how each is erased."""
        if model in self.personal or model in self.not_personal:
            raise ValueError(f"{model._meta.label} is registered twice")
        if not links:
            raise ValueError(f"{model._meta.label}: a personal model needs at least one link")
        for link in links:
            _check_link(model, link)
        for name in omit:
            model._meta.get_field(name)
        entry = PersonalModel(
            model=model, links=tuple(links), keep_when=keep_when, eraser=eraser, note=note, omit=tuple(omit)
        )
        self.personal[model] = entry
        return entry

    def register_not_personal(self, model: type[models.Model], *, reason: str) -> NotPersonal:
        """Declare that a model whose fields look like a user id holds no one's personal data."""
        if model in self.personal or model in self.not_personal:
            raise ValueError(f"{model._meta.label} is registered twice")
        if not reason.strip():
            raise ValueError(f"{model._meta.label}: say why it is not personal data")
        entry = NotPersonal(model=model, reason=reason)
        self.not_personal[model] = entry
        return entry

    def entries(self) -> list[PersonalModel]:
        """The personal models, in a stable order (app label, then model name)."""
        return sorted(self.personal.values(), key=lambda entry: entry.label)

    def is_registered(self, model: type[models.Model]) -> bool:
        return model in self.personal or model in self.not_personal


def _check_link(model: type[models.Model], link: Link) -> None:
    label = model._meta.label
    if link.erase == Erase.KEEP and not link.reason.strip():
        raise ValueError(f"{label}.{link.lookup}: a kept link needs its reason")
    direct = model._meta.get_field(link.lookup) if link.is_direct else None
    if link.erase == Erase.FOLLOWS and not (direct is None or isinstance(direct, models.ForeignKey)):
        raise ValueError(f"{label}.{link.lookup}: only a relation follows another row")
    if link.erase == Erase.ANONYMISE and (direct is None or isinstance(direct, models.ForeignKey)):
        raise ValueError(f"{label}.{link.lookup}: only an id field of the model itself is anonymised")
    for name in link.owns:
        owned = model._meta.get_field(name)
        if not (owned.null or isinstance(owned, models.CharField | models.TextField) or owned.has_default()):
            raise ValueError(f"{label}.{name}: an owned field must be blankable")


registry = Registry()
register = registry.register
register_not_personal = registry.register_not_personal

# ----------------------------------------------------------------------------- recognising user ids

# Field names that hold a Discord user id in this project, whatever their shape…
USER_ID_NAMES = frozenset(
    {
        "user_id",
        "discord_user_id",
        "assigned_user_id",
        "subject_user_id",
        "requested_by_user_id",
        "created_by",
        "claimed_by",
        "cancelled_by",
        "closed_by",
        "deleted_by",
        "changed_by",
        "escalated_to",
        "triggered_by",
        "author_id",
        "member_id",
        "owner_id",
    }
)
# …and the heuristic for new ones: "<who>_by", "<anything>user_id", "<anything>member_id".
USER_ID_PATTERN = re.compile(r"(^|_)(user|member|author|owner)(_id)?$|_by$|_by_user_id$")


def user_id_fields(model: type[models.Model]) -> list[str]:
    """The fields of `model` that look like they link a row to a Discord user: a whole-number
    field (ids are bigints) named like one, a primary key that is a Discord user id (declared with
    ``db_comment``/help text "Discord user id"), or a foreign key to a registered personal model."""
    found = []
    for model_field in model._meta.concrete_fields:
        if isinstance(model_field, models.ForeignKey):
            if model_field.related_model in registry.personal:
                found.append(model_field.name)
            continue
        if not isinstance(model_field, models.IntegerField) or isinstance(model_field, models.AutoField):
            continue
        if model_field.primary_key:
            if "discord user id" in str(model_field.help_text).lower():
                found.append(model_field.name)
            continue
        if model_field.name in USER_ID_NAMES or USER_ID_PATTERN.search(model_field.name):
            found.append(model_field.name)
    return found


def project_models() -> list[type[models.Model]]:
    """Every model of the project's own apps (not Django's nor third parties')."""
    base = str(settings.BASE_DIR)
    found = []
    for config in apps.get_app_configs():
        if str(config.path).startswith(base) and ".venv" not in str(config.path):
            found.extend(config.get_models())
    return found


def unregistered_models(candidates: list[type[models.Model]] | None = None) -> dict[str, list[str]]:
    """Models with fields that look like a Discord user id that are not registered, with those
    fields: the registry test's failure list."""
    load()
    missing = {}
    for model in project_models() if candidates is None else candidates:
        fields = user_id_fields(model)
        if fields and not registry.is_registered(model):
            missing[model._meta.label] = fields
    return missing


_loaded = False


def load() -> Registry:
    """Import every app's ``gdpr`` module once (each registers its models) and return the registry."""
    global _loaded
    if not _loaded:
        autodiscover_modules("gdpr")
        _loaded = True
    return registry
