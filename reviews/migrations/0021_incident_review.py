# After an incident: its owner, the post-incident review's due date, the review, its actions and their reminders.

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

OWNER_HELP = "Who sees the incident through its post-incident review."
REVIEW_DUE_HELP = ("When the post-incident review is due: unless set, 14 days after the day it occurred at "
                   "severity 1 or 2, 30 days at severity 3 or 4.")
HISTORY_OPTIONS = {"ordering": ("-history_date", "-history_id"), "get_latest_by": ("history_date", "history_id")}
ACTION_STATUSES = [("open", "Open"), ("done", "Done")]
REMINDER_KINDS = [("action_due_soon", "Action due soon"), ("action_overdue", "Action overdue"),
                  ("review_overdue", "Post-incident review overdue")]


def _history_fields():
    return [
        ("history_id", models.AutoField(primary_key=True, serialize=False)),
        ("history_date", models.DateTimeField(db_index=True)),
        ("history_change_reason", models.CharField(max_length=100, null=True)),
        ("history_type", models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                          max_length=1)),
        ("history_user", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                           to=settings.AUTH_USER_MODEL)),
    ]


def _historical_fk(to, **kwargs):
    return models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING,
                             related_name="+", to=to, **kwargs)


def _user(**kwargs):
    return models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                             to=settings.AUTH_USER_MODEL, **kwargs)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0020_cost_category"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="owner",
            field=_user(blank=True, null=True, help_text=OWNER_HELP),
        ),
        migrations.AddField(
            model_name="incident",
            name="review_due",
            field=models.DateField(blank=True, null=True, help_text=REVIEW_DUE_HELP),
        ),
        migrations.AddField(
            model_name="historicalincident",
            name="owner",
            field=_historical_fk(settings.AUTH_USER_MODEL, help_text=OWNER_HELP),
        ),
        migrations.AddField(
            model_name="historicalincident",
            name="review_due",
            field=models.DateField(blank=True, null=True, help_text=REVIEW_DUE_HELP),
        ),
        migrations.CreateModel(
            name="PostIncidentReview",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("cause", models.TextField(max_length=5000)),
                ("impact", models.TextField(max_length=5000)),
                ("lessons", models.TextField(max_length=5000)),
                ("completed_at", models.DateTimeField()),
                ("updated_at", models.DateTimeField(auto_now=True, db_index=True)),
                ("completed_by", _user()),
                ("incident", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE,
                                                  related_name="post_incident_review", to="reviews.incident")),
            ],
            options={"ordering": ["-completed_at", "id"]},
        ),
        migrations.CreateModel(
            name="HistoricalPostIncidentReview",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("cause", models.TextField(max_length=5000)),
                ("impact", models.TextField(max_length=5000)),
                ("lessons", models.TextField(max_length=5000)),
                ("completed_at", models.DateTimeField()),
                ("updated_at", models.DateTimeField(blank=True, db_index=True, editable=False)),
                *_history_fields(),
                ("completed_by", _historical_fk(settings.AUTH_USER_MODEL)),
                ("incident", _historical_fk("reviews.incident")),
            ],
            options={"verbose_name": "historical post incident review",
                     "verbose_name_plural": "historical post incident reviews", **HISTORY_OPTIONS},
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="IncidentAction",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("description", models.TextField(max_length=1000)),
                ("due_date", models.DateField()),
                ("status", models.CharField(choices=ACTION_STATUSES, default="open", max_length=10)),
                ("done_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True, db_index=True)),
                ("created_by", _user()),
                ("done_by", _user(blank=True, null=True)),
                ("incident", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="actions",
                                               to="reviews.incident")),
                ("owner", _user()),
            ],
            options={
                "ordering": ["due_date", "id"],
                "indexes": [models.Index(fields=["status", "due_date"], name="incident_action_status_due_idx")],
                "constraints": [models.CheckConstraint(
                    condition=models.Q(models.Q(("done_at__isnull", True), ("done_by__isnull", True),
                                                ("status", "open")),
                                       models.Q(("done_at__isnull", False), ("done_by__isnull", False),
                                                ("status", "done")), _connector="OR"),
                    name="incident_action_done_has_who_and_when")],
            },
        ),
        migrations.CreateModel(
            name="HistoricalIncidentAction",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("description", models.TextField(max_length=1000)),
                ("due_date", models.DateField()),
                ("status", models.CharField(choices=ACTION_STATUSES, default="open", max_length=10)),
                ("done_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("updated_at", models.DateTimeField(blank=True, db_index=True, editable=False)),
                *_history_fields(),
                ("created_by", _historical_fk(settings.AUTH_USER_MODEL)),
                ("done_by", _historical_fk(settings.AUTH_USER_MODEL)),
                ("incident", _historical_fk("reviews.incident")),
                ("owner", _historical_fk(settings.AUTH_USER_MODEL)),
            ],
            options={"verbose_name": "historical incident action",
                     "verbose_name_plural": "historical incident actions", **HISTORY_OPTIONS},
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="IncidentActionReminderLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=REMINDER_KINDS, max_length=20)),
                ("for_date", models.DateField(help_text="The day the reminder was due for.")),
                ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("recipients", models.JSONField(blank=True, default=list, help_text="Email addresses it was sent to.")),
                ("action", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                             related_name="reminders", to="reviews.incidentaction")),
                ("incident", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="reminders",
                                               to="reviews.incident")),
            ],
            options={
                "ordering": ["-for_date", "incident", "kind"],
                "constraints": [
                    models.UniqueConstraint(condition=models.Q(("action__isnull", False)),
                                            fields=("action", "kind", "for_date"),
                                            name="incident_action_reminder_once_a_day"),
                    models.UniqueConstraint(condition=models.Q(("action__isnull", True)),
                                            fields=("incident", "kind", "for_date"),
                                            name="incident_review_reminder_once_a_day"),
                ],
            },
        ),
    ]
