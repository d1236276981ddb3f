import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0021_incident_review"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DependencyFlag',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('model', 'Model'), ('vendor', 'Vendor')], max_length=10)),
                ('object_id', models.PositiveBigIntegerField(help_text="The AI model's or vendor's id.")),
                ('name', models.CharField(help_text='The model or vendor as named when it was flagged.', max_length=300)),
                ('status', models.CharField(help_text='Its status: deprecated, banned, rejected, approval_expired...', max_length=30)),
                ('note', models.TextField(blank=True, help_text='Why the status changed, as given.', max_length=2000)),
                ('since', models.DateTimeField(default=django.utils.timezone.now)),
                ('cleared_at', models.DateTimeField(blank=True, help_text='Set when the model or vendor is restored.', null=True)),
                ('reviews', models.ManyToManyField(blank=True, help_text='The re-reviews the flag opened or reopened.', related_name='dependency_flags', to='reviews.review')),
                ('use_case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='dependency_flags', to='intake.usecase')),
            ],
            options={
                'ordering': ['-since', '-id'],
            },
        ),
        migrations.CreateModel(
            name='DependencyNotice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('recipients', models.JSONField(blank=True, default=list)),
                ('flag', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='notice', to='reviews.dependencyflag')),
            ],
        ),
        migrations.CreateModel(
            name='HistoricalDependencyFlag',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('kind', models.CharField(choices=[('model', 'Model'), ('vendor', 'Vendor')], max_length=10)),
                ('object_id', models.PositiveBigIntegerField(help_text="The AI model's or vendor's id.")),
                ('name', models.CharField(help_text='The model or vendor as named when it was flagged.', max_length=300)),
                ('status', models.CharField(help_text='Its status: deprecated, banned, rejected, approval_expired...', max_length=30)),
                ('note', models.TextField(blank=True, help_text='Why the status changed, as given.', max_length=2000)),
                ('since', models.DateTimeField(default=django.utils.timezone.now)),
                ('cleared_at', models.DateTimeField(blank=True, help_text='Set when the model or vendor is restored.', null=True)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('use_case', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='intake.usecase')),
            ],
            options={
                'verbose_name': 'historical dependency flag',
                'verbose_name_plural': 'historical dependency flags',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='MonitoringReminderLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('due_on', models.DateField(help_text='The review date it was overdue against.')),
                ('for_date', models.DateField(help_text='The day the reminder was sent for.')),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('recipients', models.JSONField(blank=True, default=list)),
                ('evidence', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='monitoring_reminders', to='reviews.evidence')),
            ],
            options={
                'ordering': ['-for_date', 'id'],
            },
        ),
        migrations.AddIndex(
            model_name='dependencyflag',
            index=models.Index(fields=['kind', 'object_id'], name='dependency_flag_object_idx'),
        ),
        migrations.AddConstraint(
            model_name='dependencyflag',
            constraint=models.UniqueConstraint(condition=models.Q(('cleared_at__isnull', True)), fields=('use_case', 'kind', 'object_id'), name='dependency_flag_once_while_open'),
        ),
        migrations.AddConstraint(
            model_name='monitoringreminderlog',
            constraint=models.UniqueConstraint(fields=('evidence', 'due_on'), name='monitoring_reminder_once'),
        ),
    ]
