# One progress event per (provider, call id, SequenceNumber): the webhook stores a progress callback in one
# INSERT ... ON CONFLICT DO NOTHING against this partial unique index (campaigns.telephony.progress).
#
# Copies stored as progress before (same SequenceNumber, another body) would make the index fail: the later
# copies are relabelled duplicate first, as the webhook now labels them.

from django.db import migrations, models
from django.db.models import Exists, OuterRef


def relabel_repeated_progress(apps, schema_editor):
    event_model = apps.get_model("campaigns", "WebhookEvent")
    earlier_copy = event_model.objects.filter(
        provider=OuterRef("provider"),
        call_id=OuterRef("call_id"),
        sequence_number=OuterRef("sequence_number"),
        status="progress",
        pk__lt=OuterRef("pk"),
    )
    event_model.objects.filter(status="progress", sequence_number__isnull=False).filter(Exists(earlier_copy)).update(
        status="duplicate", error="The same callback was already received."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0015_redial_scheduled_campaign_due"),
        ("strategies", "0005_outcome_no_dialer_result"),
    ]

    operations = [
        migrations.RunPython(relabel_repeated_progress, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="webhookevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "progress")),
                fields=("provider", "call_id", "sequence_number"),
                name="event_one_progress_per_sequence",
            ),
        ),
    ]
