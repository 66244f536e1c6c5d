import json

from django.core.management.base import BaseCommand, CommandError

from ...index import IndexMissing
from ...indexer import drift, graph_pending_count, neural_pending_count
from ...neural import available as neural_available


class Command(BaseCommand):
    help = (
        "Report papers missing from or stale in the search index (exits 1 on drift), and how "
        "many still wait for the background work: the HNSW graph (`reindex --incremental`) "
        "and their neural vector (`embed-neural`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        try:
            found = drift()
        except IndexMissing as error:
            raise CommandError(str(error)) from error
        pending = neural_pending_count() if neural_available() else None
        graph = graph_pending_count()
        if options["json"]:
            counts = {k: len(v) for k, v in found.items()}
            background = {"graph_pending": graph, "neural_pending": pending}
            self.stdout.write(json.dumps(counts | found | background))
        else:
            for kind, ids in found.items():
                shown = ", ".join(ids[:10]) + (" …" if len(ids) > 10 else "")
                self.stdout.write(f"{kind:>8}: {len(ids)}{'  ' + shown if ids else ''}")
            self.stdout.write(
                f"   graph: {graph} papers pending"
                + (" (`dailypapers reindex --incremental` adds them)" if graph else "")
            )
            self.stdout.write(
                "  neural: the model is not installed (`make neural-model`)"
                if pending is None
                else f"  neural: {pending} papers pending"
                + (" (`dailypapers embed-neural` computes them)" if pending else "")
            )
        if any(found.values()):
            raise CommandError(
                "the search index has drifted: run `dailypapers reindex --incremental`"
            )
        self.stdout.write("the search index matches the database")
