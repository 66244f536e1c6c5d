from django.core.management.base import BaseCommand

from ...first_run import first_run


class Command(BaseCommand):
    help = "Migrate, then fetch recent papers (or load the bundled sample when offline)."

    def handle(self, *args, **options):
        first_run(self.stdout.write)
