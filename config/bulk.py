"""Writing many rows in one statement, for the hot paths that write thousands at a time (the
dispatcher, the outbox's bulk enqueue).

On PostgreSQL each is one ``INSERT … SELECT FROM unnest(…)`` or ``UPDATE … FROM unnest(…)`` with
one array parameter per column: the statement text does not grow with the rows, so neither Django
nor psycopg spends time building and parsing thousands of placeholders, which is what
``bulk_create`` with ``ignore_conflicts`` or database defaults, and ``bulk_update`` (a CASE per
field and row) do. Elsewhere (the SQLite quick start) they fall back to Django's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connections, models, router
from django.db.models.expressions import DatabaseDefault


def _connection(model: type[models.Model]):
    return connections[router.db_for_write(model)]


# Values psycopg adapts as they are; anything else goes through the field's get_db_prep_save.
_PLAIN = (str, int, float, bool, datetime, type(None))


def _column_values(column, values: list, connection) -> list:
    if all(type(value) in _PLAIN for value in values):
        return values
    return [column.get_db_prep_save(value, connection) for value in values]


def _array_types(columns, connection) -> str:
    return ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model], *, ignore_conflicts: bool = False) -> None:
    """Insert `objs` in one statement. Without ``ignore_conflicts`` their primary keys are set
    (RETURNING, in insertion order); with it, rows that conflict with a unique constraint are
    skipped (``ON CONFLICT DO NOTHING``) and no keys are set. Fields left to a database default
    (``db_default`` not overridden on the first object) are left to the database."""
    if not objs:
        return
    connection = _connection(model)
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, ignore_conflicts=ignore_conflicts)
        return
    first = objs[0]
    columns = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and not isinstance(getattr(first, field.attname), DatabaseDefault)
    ]
    arrays = [_column_values(column, [column.pre_save(obj, True) for obj in objs], connection) for column in columns]
    quote = connection.ops.quote_name
    names = ", ".join(quote(column.column) for column in columns)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) SELECT * FROM unnest({_array_types(columns, connection)})"
    )
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    else:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        if not ignore_conflicts:
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias


def bulk_update(model: type[models.Model], objs: Sequence[models.Model], field_names: Iterable[str]) -> None:
    """Write `field_names` of `objs` (matched by primary key) in one statement."""
    if not objs:
        return
    connection = _connection(model)
    fields = [model._meta.get_field(name) for name in field_names]
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, [field.name for field in fields])
        return
    pk = model._meta.pk
    columns = [pk, *fields]
    arrays = [_column_values(column, [getattr(obj, column.attname) for obj in objs], connection) for column in columns]
    quote = connection.ops.quote_name
    aliases = ", ".join(f"c{index}" for index in range(len(columns)))
    assignments = ", ".join(f"{quote(field.column)} = v.c{index}" for index, field in enumerate(fields, 1))
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} "
        f"FROM unnest({_array_types(columns, connection)}) AS v({aliases}) WHERE t.{quote(pk.column)} = v.c0"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
