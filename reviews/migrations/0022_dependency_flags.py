from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reviews", "0021_incident_review")]

    operations = []
