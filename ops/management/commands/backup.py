"""python manage.py backup --into DIR: the database and the file store, with a manifest (ops.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, backup


class Command(BaseCommand):
    help = ("Back up the database (pg_dump, or a copy of the SQLite file) and every stored file into "
            "DIR/<UTC timestamp>/, with a manifest of checksums.")

    def add_arguments(self, parser):
        parser.add_argument("--into", required=True, type=Path, metavar="DIR",
                            help="Directory that receives the backup (created if missing).")

    def handle(self, *args, into: Path, **options):
        try:
            done = backup(into)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backed up the {done.vendor} database and {done.files} files ({done.bytes} bytes) "
                          f"into {done.directory}")
