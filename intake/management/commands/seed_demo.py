"""``python manage.py seed_demo``: load the demo data (safe to run again)."""

from django.core.management.base import BaseCommand

from intake.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Create the Stagegate demo data: business units, strategic outcomes, demo logins and use cases. "
        "Idempotent: creates only what is missing and never changes existing rows."
    )

    def handle(self, *args, **options) -> None:
        seed_demo(stdout=self.stdout)
