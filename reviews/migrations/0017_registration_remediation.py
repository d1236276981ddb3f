# Registration of existing systems: the register gate outcome and the remediation list.

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0012_eu_ai_act_applicability_answers'),
        ('reviews', '0016_checklist_review_functions_validated'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='gatedecision',
            name='outcome',
            field=models.CharField(choices=[('scale', 'Scale (advance to the next stage)'), ('pivot', 'Pivot (back to an earlier stage)'), ('pause', 'Pause'), ('kill', 'Kill (stop)'), ('retire', 'Retire (take out of service)'), ('register', 'Register (existing system placed at its stage)')], max_length=10),
        ),
        migrations.CreateModel(
            name='HistoricalRemediationItem',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('criterion_key', models.CharField(help_text="The gate criterion, as '<gate stage>:<key>'.", max_length=100)),
                ('criterion_label', models.CharField(max_length=300)),
                ('gate_stage', models.CharField(choices=[('exploration', 'Exploration'), ('pilot', 'Pilot'), ('controlled_rollout', 'Controlled rollout'), ('scaled', 'Scaled'), ('paused', 'Paused'), ('stopped', 'Stopped'), ('retired', 'Retired')], help_text='The stage whose gate asks for the criterion.', max_length=20)),
                ('due_on', models.DateField()),
                ('status', models.CharField(choices=[('open', 'Open'), ('done', 'Done')], default='open', max_length=10)),
                ('done_at', models.DateTimeField(blank=True, null=True)),
                ('note', models.TextField(blank=True, help_text='What closed the gap.', max_length=2000)),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('updated_at', models.DateTimeField(blank=True, db_index=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('decision', models.ForeignKey(blank=True, db_constraint=False, help_text='The registration that listed the criterion as missing.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reviews.gatedecision')),
                ('done_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('owner', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('use_case', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='intake.usecase')),
            ],
            options={
                'verbose_name': 'historical remediation item',
                'verbose_name_plural': 'historical remediation items',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='RemediationItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('criterion_key', models.CharField(help_text="The gate criterion, as '<gate stage>:<key>'.", max_length=100)),
                ('criterion_label', models.CharField(max_length=300)),
                ('gate_stage', models.CharField(choices=[('exploration', 'Exploration'), ('pilot', 'Pilot'), ('controlled_rollout', 'Controlled rollout'), ('scaled', 'Scaled'), ('paused', 'Paused'), ('stopped', 'Stopped'), ('retired', 'Retired')], help_text='The stage whose gate asks for the criterion.', max_length=20)),
                ('due_on', models.DateField()),
                ('status', models.CharField(choices=[('open', 'Open'), ('done', 'Done')], default='open', max_length=10)),
                ('done_at', models.DateTimeField(blank=True, null=True)),
                ('note', models.TextField(blank=True, help_text='What closed the gap.', max_length=2000)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True, db_index=True)),
                ('decision', models.ForeignKey(help_text='The registration that listed the criterion as missing.', on_delete=django.db.models.deletion.PROTECT, related_name='remediation_items', to='reviews.gatedecision')),
                ('done_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('use_case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='remediation_items', to='intake.usecase')),
            ],
            options={
                'ordering': ['due_on', 'id'],
                'indexes': [models.Index(fields=['status', 'due_on'], name='remediation_status_due_idx')],
                'constraints': [models.UniqueConstraint(fields=('decision', 'criterion_key'), name='uniq_remediation_criterion'), models.CheckConstraint(condition=models.Q(models.Q(('done_at__isnull', True), ('done_by__isnull', True), ('status', 'open')), models.Q(('done_at__isnull', False), ('done_by__isnull', False), ('status', 'done')), _connector='OR'), name='remediation_done_has_who_and_when')],
            },
        ),
    ]
