import json

from django.core.management.base import BaseCommand

from ...store import paper_stats


class Command(BaseCommand):
    help = "Counts of what the database holds."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        stats = paper_stats()
        if options["json"]:
            self.stdout.write(json.dumps(stats, sort_keys=True))
        else:
            for name, value in stats.items():
                self.stdout.write(f"{name:>20}: {value}")
