"""Load the shipped catalog (strategies/catalog/*.csv) into a fresh database.

Rows loaded here are system rows: they can be disabled in the admin, never deleted.
"""

from django.db import migrations

from strategies.catalog import (
    read_auto_classifications,
    read_call_results,
    read_outcomes,
    read_provider_mappings,
)


def load_catalog(apps, schema_editor):
    Outcome = apps.get_model("strategies", "Outcome")
    CallResult = apps.get_model("strategies", "CallResult")
    ProviderMapping = apps.get_model("strategies", "ProviderMapping")
    AutoClassification = apps.get_model("strategies", "AutoClassification")

    outcomes = {}
    for row in read_outcomes():
        outcomes[row.code], _ = Outcome.objects.update_or_create(
            code=row.code,
            defaults=dict(
                name=row.name,
                category=row.category,
                description=row.description,
                is_connected=row.is_connected,
                is_final=row.is_final,
                sip_code=row.sip_code,
                is_system=True,
            ),
        )
    results = {}
    for position, row in enumerate(read_call_results(), start=1):
        results[row.code], _ = CallResult.objects.update_or_create(
            code=row.code,
            defaults=dict(
                name=row.name, handling=row.handling, description=row.description, position=position, is_system=True
            ),
        )
    for row in read_provider_mappings():
        ProviderMapping.objects.update_or_create(
            provider=row.provider,
            raw=row.raw,
            defaults=dict(outcome=outcomes[row.outcome], note=row.note, is_system=True),
        )
    for row in read_auto_classifications():
        AutoClassification.objects.update_or_create(
            outcome=outcomes[row.outcome], defaults=dict(call_result=results[row.call_result], is_system=True)
        )


class Migration(migrations.Migration):
    dependencies = [("strategies", "0001_initial")]

    operations = [migrations.RunPython(load_catalog, migrations.RunPython.noop)]
