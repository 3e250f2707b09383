"""Create the persona groups of PRODUCT.md with their permissions (table in retryadmin/lib/personas.py)."""

from django.db import migrations

from retryadmin.lib.personas import sync_personas


def create_personas(apps, schema_editor):
    sync_personas(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("wrapup", "0001_initial"),
        ("campaigns", "0001_initial"),
        ("strategies", "0002_load_catalog"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_personas, migrations.RunPython.noop)]
