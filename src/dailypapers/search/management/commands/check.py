import json

from django.core.management.base import BaseCommand, CommandError

from ...index import IndexMissing
from ...indexer import drift


class Command(BaseCommand):
    help = "Report papers missing from or stale in the search index; exits 1 on drift."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        try:
            found = drift()
        except IndexMissing as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps({k: len(v) for k, v in found.items()} | found))
        else:
            for kind, ids in found.items():
                shown = ", ".join(ids[:10]) + (" …" if len(ids) > 10 else "")
                self.stdout.write(f"{kind:>8}: {len(ids)}{'  ' + shown if ids else ''}")
        if any(found.values()):
            raise CommandError(
                "the search index has drifted: run `dailypapers reindex --incremental`"
            )
        self.stdout.write("the search index matches the database")
