import json
import sys

from django.core.management.base import BaseCommand, CommandError

from ...index import IndexMissing
from ...query import compile_query
from ...service import ranked_ids


class Command(BaseCommand):
    help = (
        'Search papers: dailypapers search "QUERY" [--limit N] [--json]. Without QUERY, reads '
        "one query per line from stdin and prints one JSON line per query."
    )

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="?")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--mode", choices=["hybrid", "keyword", "semantic"], default="hybrid")

    def handle(self, *args, query, limit, mode, **options):
        limit = max(1, min(limit, 200))
        try:
            if query is None:
                for line in sys.stdin:
                    text = line.rstrip("\n")
                    ids = ranked_ids(compile_query(text), limit, mode)
                    self.stdout.write(json.dumps({"query": text, "ids": ids}))
                return
            ids = ranked_ids(compile_query(query), limit, mode)
        except IndexMissing as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps({"query": query, "ids": ids}))
            return
        from ....papers.models import Paper

        papers = Paper.objects.in_bulk(ids)
        for arxiv_id in ids:
            self.stdout.write(f"{arxiv_id:<18} {papers[arxiv_id].title[:100]}")
