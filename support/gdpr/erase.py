"""Erasing one Discord user from every registered model, in the caller's transaction.

Per model: rows a DELETE link names the member in are deleted, except those the model's
`keep_when` says other members depend on, which are anonymised instead; every ANONYMISE link
naming the member takes their tombstone id and blanks the fields it owns; FOLLOWS links go with
the row they follow (a cascade, or that row's anonymisation); KEEP links stay (the documented
exceptions). A model with its own `eraser` does its own. Afterwards nothing but a KEEP link may
still name the member, or the whole erasure fails (and its transaction rolls back)."""

from __future__ import annotations

from django.db import models

from config.gdpr import Erase, PersonalModel, load


class ErasureIncomplete(RuntimeError):
    """Rows still name the member after every eraser ran: a registration is wrong."""


def _blank(field: models.Field):
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    return field.get_default()


def _anonymise(entry: PersonalModel, rows: models.QuerySet, field_name: str, owns: tuple[str, ...], tombstone: int):
    meta = entry.model._meta
    values = {meta.get_field(field_name).attname: tombstone}
    values.update({meta.get_field(name).attname: _blank(meta.get_field(name)) for name in owns})
    return rows.update(**values)


def erase_entry(entry: PersonalModel, user_id: int, tombstone: int) -> dict[str, int]:
    """Erase the member from one model; returns how many rows were deleted and anonymised."""
    linked = entry.rows_of(user_id)
    if entry.eraser is not None:
        return entry.eraser(linked, user_id, tombstone)
    result = {"deleted": 0, "anonymised": 0}
    manager = entry.model._base_manager
    for link in entry.links:
        if link.erase != Erase.DELETE:
            continue
        rows = manager.filter(link.matches(user_id))
        if entry.keep_when is not None:
            kept = rows.filter(entry.keep_when(user_id))
            result["anonymised"] += _anonymise(entry, kept, link.lookup, link.owns, tombstone)
            rows = rows.exclude(entry.keep_when(user_id))
        deleted, _ = rows.filter(link.matches(user_id)).delete()
        result["deleted"] += deleted
    for link in entry.links:
        if link.erase == Erase.ANONYMISE:
            result["anonymised"] += _anonymise(
                entry, manager.filter(link.matches(user_id)), link.lookup, link.owns, tombstone
            )
    return result


def remaining(entry: PersonalModel, user_id: int) -> int:
    """Rows still naming the member through a link that is not a documented exception."""
    total = 0
    for link in entry.links:
        if link.erase != Erase.KEEP:
            total += entry.model._base_manager.filter(link.matches(user_id)).count()
    return total


def erase_subject(user_id: int, *, tombstone: int) -> dict[str, dict[str, int]]:
    """Erase `user_id` from every registered model (run inside a transaction); per model label,
    the rows deleted and anonymised and those kept as documented exceptions."""
    registry = load()
    summary: dict[str, dict[str, int]] = {}
    for entry in registry.entries():
        done = erase_entry(entry, user_id, tombstone)
        kept = sum(
            entry.model._base_manager.filter(link.matches(user_id)).count()
            for link in entry.links
            if link.erase == Erase.KEEP
        )
        if kept:
            done["kept"] = kept
        if any(done.values()):
            summary[entry.label] = done
    leftovers = {entry.label: n for entry in registry.entries() if (n := remaining(entry, user_id))}
    if leftovers:
        raise ErasureIncomplete(f"rows still name the member after erasure: {leftovers}")
    return summary
