"""python manage.py restore DIR: the database and files of a backup made by ``manage.py backup`` (ops.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from ops.backup import BackupError, restore


class Command(BaseCommand):
    help = ("Replace the configured database with a backup's and write its files back to storage. "
            "Refuses a backup without a manifest or whose files do not match their checksums.")

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, metavar="DIR", help="One backup: DIR/manifest.json and its files.")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="Do not ask for confirmation.")

    def handle(self, *args, directory: Path, interactive: bool, **options):
        try:
            done = restore(directory, confirm=self._confirmed if interactive else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored the {done.vendor} database {done.database!r} from the backup of "
                          f"{done.created_at}.")
        self.stdout.write(f"Wrote {done.files_written} files to storage ({done.files_replaced} replaced "
                          "files of the same name).")
        if done.unapplied_migrations:
            self.stdout.write(f"The database lacks {done.unapplied_migrations} migrations of this version: "
                              "run `python manage.py migrate` before starting Stagegate.")

    def _confirmed(self, manifest: dict) -> bool:
        name = connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]
        question = (f"This replaces everything in the database {name!r} with the backup of "
                    f"{manifest.get('created_at')} and overwrites stored files of the same names.\n"
                    "Type 'yes' to continue: ")
        try:
            return input(question).strip().lower() == "yes"
        except EOFError:
            return False
