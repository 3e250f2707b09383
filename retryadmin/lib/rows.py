"""A model instance as the columns and values of a hand-written INSERT (for ON CONFLICT, INSERT ... SELECT)."""

from __future__ import annotations

from django.db import models


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
