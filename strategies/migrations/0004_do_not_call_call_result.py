"""Load the "Do Not Call" call result (rule 8) added to strategies/catalog/call_results.csv after 0002 ran."""

from django.db import migrations

from strategies.catalog import read_call_results

CODE = "do_not_call"


def load_do_not_call(apps, schema_editor):
    CallResult = apps.get_model("strategies", "CallResult")
    rows = read_call_results()
    position = next(index for index, row in enumerate(rows, start=1) if row.code == CODE)
    row = rows[position - 1]
    CallResult.objects.update_or_create(
        code=row.code,
        defaults=dict(
            name=row.name, handling=row.handling, description=row.description, position=position, is_system=True
        ),
    )


def unload_do_not_call(apps, schema_editor):
    CallResult = apps.get_model("strategies", "CallResult")
    CallResult.objects.filter(code=CODE, attempts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("strategies", "0003_outcome_category_labels")]

    operations = [migrations.RunPython(load_do_not_call, unload_do_not_call)]
