"""Everything Guildhall stores about one Discord user, from every registered model, as JSON.

A row is exported when any of its model's links names the member. Inside a row, the member's own
ids are theirs; another member's id in a linked field reads "another member" (an erased one's
"deleted member"), and the text another member owns (their description, their note) is left out:
an export holds nothing of anyone else."""

from __future__ import annotations

import json
import zoneinfo
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from config.gdpr import PersonalModel, load
from config.snowflakes import is_tombstone

FORMAT = "guildhall-personal-data/1"
ANOTHER_MEMBER = "another member"
DELETED_MEMBER = "deleted member"


def _person(value: Any, user_id: int) -> Any:
    if value is None:
        return None
    number = int(value)
    if number == user_id:
        return str(number)
    return DELETED_MEMBER if is_tombstone(number) else ANOTHER_MEMBER


def _stored(field: models.Field) -> models.Field:
    return field.target_field if isinstance(field, models.ForeignKey) else field


def export_row(entry: PersonalModel, row: models.Model, user_id: int) -> dict[str, Any]:
    """One row as JSON-ready values: ids as strings (JavaScript rounds big integers), other
    members' ids and their own words hidden."""
    direct_links = {link.lookup: link for link in entry.links if link.is_direct and not link.as_text}
    hidden: set[str] = set(entry.omit)
    for link in direct_links.values():
        value = getattr(row, entry.model._meta.get_field(link.lookup).attname)
        if value is not None and int(value) != user_id:
            hidden.update(link.owns)
    data: dict[str, Any] = {}
    for field in entry.model._meta.concrete_fields:
        if field.name in hidden:
            continue
        value = field.value_from_object(row)
        link = direct_links.get(field.name) or direct_links.get(field.attname)
        if link is not None and not isinstance(field, models.ForeignKey):
            value = _person(value, user_id)
        elif isinstance(value, int) and isinstance(_stored(field), models.BigIntegerField):
            value = str(value)
        data[field.attname if isinstance(field, models.ForeignKey) else field.name] = value
    return data


def export_data(user_id: int, *, now: datetime) -> dict[str, Any]:
    """Every registered model's rows about `user_id`, keyed by model label ("shifts.Shift"); a
    model with no rows is listed empty, so the member sees what is kept about anyone."""
    registry = load()
    data = {}
    for entry in registry.entries():
        rows = entry.rows_of(user_id).order_by("pk")
        data[entry.label] = [export_row(entry, row, user_id) for row in rows]
    return {
        "format": FORMAT,
        "user_id": str(user_id),
        "generated_at": now.isoformat(),
        "data": data,
    }


def counts(export: dict[str, Any]) -> dict[str, int]:
    """Rows per model of an export (for the audit log)."""
    return {label: len(rows) for label, rows in export["data"].items() if rows}


class ExportEncoder(DjangoJSONEncoder):
    """Django's encoder (instants, dates, decimals) plus time zones, written as their IANA name."""

    def default(self, o: Any) -> Any:
        if isinstance(o, zoneinfo.ZoneInfo):
            return o.key
        return super().default(o)


def as_json_bytes(export: dict[str, Any]) -> bytes:
    return json.dumps(export, cls=ExportEncoder, indent=2, ensure_ascii=False).encode()
