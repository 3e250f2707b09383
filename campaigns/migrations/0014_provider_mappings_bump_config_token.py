# Provider mappings join the configuration the token versions (see 0005): the webhook path caches the
# mappings per process under the token, so a change to a mapping must give a new token like any other.

from django.db import migrations

FUNCTION = "campaigns_bump_scheduling_config"
VERSION_TABLE = "campaigns_schedulingconfigversion"


def _table(apps) -> str:
    return apps.get_model("strategies", "ProviderMapping")._meta.db_table


def create_trigger(apps, schema_editor):
    table = _table(apps)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f'CREATE TRIGGER "{table}_scheduling_config" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )
    elif vendor == "sqlite":
        for operation in ("insert", "update", "delete"):
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_scheduling_config_{operation}" AFTER {operation.upper()} ON "{table}" '
                f"BEGIN UPDATE {VERSION_TABLE} SET token = lower(hex(randomblob(16))) WHERE id = 1; END"
            )
    else:
        raise NotImplementedError(f"No scheduling configuration triggers for {vendor}.")


def drop_trigger(apps, schema_editor):
    table = _table(apps)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_scheduling_config" ON "{table}"')
    elif vendor == "sqlite":
        for operation in ("insert", "update", "delete"):
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_scheduling_config_{operation}"')


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0013_dispatch_dial_key_deadlines_and_blocked_campaigns"),
        ("strategies", "0005_outcome_no_dialer_result"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
