from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reviews", "0020_cost_category")]

    operations = []
