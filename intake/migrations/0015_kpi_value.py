from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("intake", "0014_pilot_dates")]

    operations = []
