from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("vendors", "0008_external_ids")]

    operations = []
