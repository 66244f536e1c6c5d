from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database to PATH while the site runs (SQLite backup API or pg_dump)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path, **options):
        try:
            size = backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"backed up to {path} ({size / 1e6:.1f} MB)")
