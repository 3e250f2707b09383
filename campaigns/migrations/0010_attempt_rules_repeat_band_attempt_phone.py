# The attempt rules of PRODUCT.md rule 9 and their change log, the repeat band (rule 10) on the campaign, and
# the number dialled on each attempt with a (phone, started_at) index, so the attempts to a batch of numbers
# across campaigns are one indexed query. Existing attempts get their contact's number. The attempt rule
# table joins the tables whose changes give the scheduling configuration a new token (see migration 0005:
# processes cache each campaign's rules under it).

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

FUNCTION = "campaigns_bump_scheduling_config"
VERSION_TABLE = "campaigns_schedulingconfigversion"
RULE_TABLE = "campaigns_attemptrule"


def copy_contact_phones(apps, schema_editor):
    attempt = apps.get_model("campaigns", "Attempt")
    contact = apps.get_model("campaigns", "Contact")
    attempt.objects.filter(phone="").update(
        phone=Subquery(contact.objects.filter(pk=OuterRef("contact_id")).values("phone")[:1])
    )


def create_rule_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f'CREATE TRIGGER "{RULE_TABLE}_scheduling_config" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
            f'ON "{RULE_TABLE}" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()'
        )
    elif vendor == "sqlite":
        for operation in ("insert", "update", "delete"):
            schema_editor.execute(
                f'CREATE TRIGGER "{RULE_TABLE}_scheduling_config_{operation}" AFTER {operation.upper()} '
                f'ON "{RULE_TABLE}" BEGIN UPDATE {VERSION_TABLE} SET token = lower(hex(randomblob(16))) WHERE id = 1; END'
            )
    else:
        raise NotImplementedError(f"No scheduling configuration triggers for {vendor}.")


def drop_rule_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{RULE_TABLE}_scheduling_config" ON "{RULE_TABLE}"')
    elif vendor == "sqlite":
        for operation in ("insert", "update", "delete"):
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{RULE_TABLE}_scheduling_config_{operation}"')


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0009_contact_status_idle'),
        ('strategies', '0002_load_catalog'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AttemptRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(blank=True, help_text='Shown in explanations; empty: described.', max_length=120)),
                ('max_attempts', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='at most')),
                ('within_amount', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='within')),
                ('within_unit', models.CharField(choices=[('h', 'hours'), ('d', 'days')], default='d', max_length=1)),
                ('count', models.CharField(choices=[('all', 'All attempts'), ('connected', 'Connected calls'), ('outcomes', 'Attempts with given outcomes')], default='all', max_length=10)),
                ('outcome_codes', models.JSONField(blank=True, default=list, help_text="Outcome codes counted by 'given outcomes'.")),
                ('scope', models.CharField(choices=[('contact', 'This contact in this campaign'), ('number', 'This phone number in any campaign')], default='contact', max_length=10)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'ordering': ['campaign_id', 'id'],
                'permissions': [('manage_required_rules', "Can change the organisation's required attempt rules")],
            },
        ),
        migrations.CreateModel(
            name='AttemptRuleChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('changed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('action', models.CharField(choices=[('added', 'Added'), ('changed', 'Changed'), ('removed', 'Removed')], max_length=10)),
                ('before', models.JSONField(blank=True, null=True)),
                ('after', models.JSONField(blank=True, null=True)),
            ],
            options={
                'ordering': ['-changed_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='attempt',
            name='phone',
            field=models.CharField(blank=True, db_default='', default='', max_length=20),
        ),
        migrations.AddField(
            model_name='campaign',
            name='avoid_repeat_hours',
            field=models.PositiveSmallIntegerField(db_default=0, default=0, help_text='After an unanswered call at 11:17, avoid this many hours either side of 11:17 for the next one. 0 = off, at most 11.', validators=[django.core.validators.MaxValueValidator(11)], verbose_name='repeat band (h)'),
        ),
        migrations.RunPython(copy_contact_phones, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='attempt',
            index=models.Index(fields=['phone', 'started_at'], name='attempt_phone_started'),
        ),
        migrations.AddField(
            model_name='attemptrule',
            name='campaign',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='attempt_rules', to='campaigns.campaign'),
        ),
        migrations.AddField(
            model_name='attemptrulechange',
            name='campaign',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='attempt_rule_changes', to='campaigns.campaign'),
        ),
        migrations.AddField(
            model_name='attemptrulechange',
            name='changed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='attemptrulechange',
            name='rule',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='changes', to='campaigns.attemptrule'),
        ),
        migrations.AddIndex(
            model_name='attemptrule',
            index=models.Index(fields=['campaign', 'id'], name='attempt_rule_campaign'),
        ),
        migrations.AddIndex(
            model_name='attemptrulechange',
            index=models.Index(fields=['campaign', '-changed_at'], name='attempt_rule_change_campaign'),
        ),
        migrations.RunPython(create_rule_triggers, drop_rule_triggers),
    ]
