"""python manage.py seed_demo: idempotent demo data for every app (run by `make run`)."""

from django.core.management.base import BaseCommand

from demo.seed import seed_demo


class Command(BaseCommand):
    help = "Create the demo business units, users, vendors, use cases, reviews and gates (idempotent)."

    def handle(self, *args, **options):
        seed_demo(stdout=self.stdout)
