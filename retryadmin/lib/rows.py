"""Model instances and hand-written SQL: an instance as the columns and values of a hand-written INSERT (for
ON CONFLICT, INSERT ... SELECT), and the rows of a hand-written SELECT read back into instances."""

from __future__ import annotations

import weakref

from django.db import connections, models


def insert_values(instance: models.Model, connection) -> dict[str, object]:
    """{quoted column name: database value} of every concrete field but the primary key, as Model.save would
    INSERT them: each field's pre_save runs (auto_now_add fills in) and its get_db_prep_save adapts the value."""
    fields = [f for f in instance._meta.concrete_fields if not f.primary_key]
    return {
        connection.ops.quote_name(f.column): f.get_db_prep_save(f.pre_save(instance, add=True), connection)
        for f in fields
    }


def mark_inserted(instance: models.Model, pk, connection) -> None:
    """Give `instance` the primary key its hand-written INSERT returned, as Model.save would."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias


# --- reading rows of a hand-written SELECT back into instances ----------------------------------------------


def column_list(model: type[models.Model], alias: str, connection) -> str:
    """`alias`."column", ... of every concrete field of `model`, in field order: a SELECT list that
    `instance_from_row` reads back."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


# Per database connection (converters are bound to its backend) and model: what instance_from_row needs.
_readers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _reader(model: type[models.Model], connection) -> tuple[list[str], list, int]:
    """(attnames, [(column, converters)] per concrete field, index of the primary key). The converters are the
    ones Django's compiler would apply to the column (the backend's, then the field's own from_db_value): JSON
    text to objects, SQLite's integers to booleans, and so on."""
    # The thread's own wrapper: `django.db.connection` is a proxy to it, and cannot be a dictionary key.
    per_model = _readers.setdefault(connections[connection.alias], {})
    if model not in per_model:
        fields = model._meta.concrete_fields
        columns = []
        for field in fields:
            column = field.get_col(model._meta.db_table)
            columns.append((column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
        pk_index = [f.primary_key for f in fields].index(True)
        per_model[model] = ([f.attname for f in fields], columns, pk_index)
    return per_model[model]


def instance_from_row(model: type[models.Model], row, start: int, connection) -> tuple[models.Model | None, int]:
    """The `model` instance whose `column_list` begins at `row[start]`, and where the next one begins.

    The instance is None when its primary key is NULL (a LEFT JOIN that found nothing).
    """
    attnames, columns, pk_index = _reader(model, connection)
    end = start + len(attnames)
    raw = row[start:end]
    if raw[pk_index] is None:
        return None, end
    values = []
    for value, (column, converters) in zip(raw, columns, strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        values.append(value)
    return model.from_db(connection.alias, attnames, values), end
