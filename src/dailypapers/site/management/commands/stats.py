import json

from django.apps import apps
from django.core.management.base import BaseCommand

from ....papers.store import paper_stats

# Counted when their apps are installed: the papers app does not depend on them.
COUNTED = {
    "entries": "feed.DailyEntry",
    "votes": "feed.Vote",
    "comments": "feed.Comment",
    "subscribers": "digests.Subscriber",
    "users": "auth.User",
}


class Command(BaseCommand):
    help = "Counts of what the database holds."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        stats = paper_stats()
        for name, label in COUNTED.items():
            try:
                stats[name] = apps.get_model(label).objects.count()
            except LookupError:
                continue
        if options["json"]:
            self.stdout.write(json.dumps(stats, sort_keys=True))
        else:
            for name, value in stats.items():
                self.stdout.write(f"{name:>20}: {value}")
