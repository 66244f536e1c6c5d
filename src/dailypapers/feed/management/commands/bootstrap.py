from django.core.management.base import BaseCommand

from ....papers.first_run import first_run
from ...seed import seed_daily_lists


class Command(BaseCommand):
    help = (
        "Migrate, fetch recent papers (or load the bundled sample when offline), "
        "and seed the first daily lists of a fresh install."
    )

    def handle(self, *args, **options):
        first_run(self.stdout.write)
        if seeded := seed_daily_lists():
            self.stdout.write(f"Put the {seeded} newest papers on the last few days' lists.")
