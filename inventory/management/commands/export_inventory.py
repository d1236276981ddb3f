"""``python manage.py export_inventory RESOURCE FILE``: what is there, in the columns the import reads."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from inventory.limits import FileRefused
from inventory.resources import RESOURCES
from inventory.transfer import export_file


class Command(BaseCommand):
    help = "Export use cases, vendors, registry models or vendor assessments to a .csv or .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("resource", choices=list(RESOURCES))
        parser.add_argument("file")

    def handle(self, *args, **options):
        try:
            rows = export_file(resource=options["resource"], path=options["file"])
        except FileRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"exported {rows} {options['resource']} to {options['file']}")
