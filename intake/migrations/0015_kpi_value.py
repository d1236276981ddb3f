import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CADENCES = [("weekly", "Weekly"), ("monthly", "Monthly"), ("quarterly", "Quarterly")]
VALUE_TYPES = [("cost", "Cost"), ("speed", "Speed"), ("quality", "Quality"), ("revenue", "Revenue"),
               ("risk", "Risk")]
CADENCE_HELP = "How often it is measured; blank follows the governance policy."
OWNER_HELP = "Who measures it and is reminded of a missing measurement."
UNIT_VALUE_HELP = "What one unit of improvement is worth; blank when it has no monetary value."


def _fields(historical: bool) -> list[tuple[str, models.Field]]:
    if historical:
        owner = models.ForeignKey(blank=True, db_constraint=False, help_text=OWNER_HELP, null=True,
                                  on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                  to=settings.AUTH_USER_MODEL)
    else:
        owner = models.ForeignKey(blank=True, help_text=OWNER_HELP, null=True,
                                  on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                  to=settings.AUTH_USER_MODEL)
    return [
        ("cadence", models.CharField(blank=True, choices=CADENCES, help_text=CADENCE_HELP, max_length=10,
                                     verbose_name="measurement cadence")),
        ("owner", owner),
        ("value_type", models.CharField(blank=True, choices=VALUE_TYPES, max_length=10)),
        ("unit_value", models.DecimalField(blank=True, decimal_places=4, help_text=UNIT_VALUE_HELP, max_digits=14,
                                           null=True, validators=[django.core.validators.MinValueValidator(0)],
                                           verbose_name="monetary value per unit")),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0014_pilot_dates"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(model_name=model, name=name, field=field)
        for model, historical in (("kpi", False), ("historicalkpi", True))
        for name, field in _fields(historical)
    ]
