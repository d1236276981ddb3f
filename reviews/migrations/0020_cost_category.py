from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reviews", "0019_policy_between_gates")]

    operations = []
