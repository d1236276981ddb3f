from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("intake", "0013_use_case_external_id")]

    operations = []
