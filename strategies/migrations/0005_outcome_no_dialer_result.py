"""The outcome recorded when a dialer accepted a call and no telephony result came in time."""

from django.db import migrations

CODE = "platform.no_dialer_result"


def add_outcome(apps, schema_editor):
    Outcome = apps.get_model("strategies", "Outcome")
    Outcome.objects.update_or_create(
        code=CODE,
        defaults=dict(
            name="No Result From The Dialer",
            category="platform",
            description="The dialer accepted the call, but no telephony result came within DIALER_RESULT_TIMEOUT.",
            is_connected=False,
            is_final=False,
            sip_code=None,
            is_system=True,
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("strategies", "0004_do_not_call_call_result")]

    operations = [migrations.RunPython(add_outcome, migrations.RunPython.noop)]
