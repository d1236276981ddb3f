"""``python manage.py import_inventory RESOURCE FILE [--dry-run] [--actor USERNAME]``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from inventory.resources import RESOURCES
from inventory.transfer import import_file

DEFAULT_ACTOR = "gov.admin"  # the demo governance admin


class Command(BaseCommand):
    help = ("Import use cases, vendors, registry models or vendor assessments from a CSV or XLSX file, every row "
            "through the services; a file with any refused row stores nothing.")

    def add_arguments(self, parser):
        parser.add_argument("resource", choices=list(RESOURCES))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; store nothing.")
        parser.add_argument("--actor", default=DEFAULT_ACTOR,
                            help=f"Username of the governance admin importing (default: {DEFAULT_ACTOR}).")

    def handle(self, *args, **options):
        actor = get_user_model().objects.filter(username=options["actor"]).first()
        if actor is None:
            raise CommandError(f"No user {options['actor']!r}; name a governance admin with --actor.")
        report = import_file(actor=actor, resource=options["resource"], path=options["file"],
                             dry_run=options["dry_run"])
        for problem in report.problems:
            self.stderr.write(str(problem))
        if report.problems:
            self.stderr.write("Refused: nothing from this file was stored.")
        elif report.dry_run:
            self.stdout.write("Dry run: nothing was stored.")
        self.stdout.write(report.summary())
        if report.problems:
            raise SystemExit(1)
