"""python manage.py load_framework FILE.json: load or upgrade a framework (docs/frameworks.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from compliance.library import LibraryError
from compliance.services import framework_load


class Command(BaseCommand):
    help = "Load or upgrade a framework from its JSON file; a file with any error is refused whole."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            text = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            report = framework_load(text=text, actor=None)
        except LibraryError as error:
            lines = "\n".join(f"  - {problem}" for problem in error.errors)
            count = len(error.errors)
            raise CommandError(f"Refused {file.name}, nothing loaded ({count} problems):\n{lines}") from None
        for line in report.lines():
            self.stdout.write(line)
