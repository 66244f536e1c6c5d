from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace the database with a backup made by `dailypapers backup`, then rebuild the "
        "search index with `dailypapers reindex`."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="confirm: everything written since is lost"
        )

    def handle(self, *args, path, yes, **options):
        if not yes:
            raise CommandError(
                "restore replaces every vote, list and subscriber written since the backup; "
                "run again with --yes to go ahead"
            )
        try:
            restore(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored from {path}; now run `dailypapers reindex`")
