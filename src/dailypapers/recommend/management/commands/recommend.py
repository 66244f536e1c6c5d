import json

from django.core.management.base import BaseCommand, CommandError

from ....papers.models import Paper
from ....search.folder import IndexMissing
from ...service import DEFAULT_WINDOW, MAX_LIMIT, WINDOWS, as_json, recommendations


class Command(BaseCommand):
    help = (
        "New papers ranked for a library: dailypapers recommend --ids ID... [--not ID...] "
        "[--window day|week|month|all] [--limit N] [--json]"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ids", nargs="+", required=True, metavar="ID", help="arXiv ids of the library"
        )
        parser.add_argument(
            "--not",
            nargs="+",
            default=[],
            dest="negative",
            metavar="ID",
            help="arXiv ids the user is not interested in",
        )
        parser.add_argument("--window", choices=list(WINDOWS), default=DEFAULT_WINDOW)
        parser.add_argument("--limit", type=int, default=20, help=f"1 to {MAX_LIMIT}")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, ids, negative, window, limit, **options):
        if not 1 <= limit <= MAX_LIMIT:
            raise CommandError(f"--limit must be between 1 and {MAX_LIMIT}")
        known = set(Paper.objects.filter(arxiv_id__in=ids).values_list("arxiv_id", flat=True))
        if unknown := [i for i in ids if i not in known]:
            raise CommandError(f"no such papers: {' '.join(unknown)}")
        try:
            found = recommendations(ids, negative, window=window, limit=limit)
        except IndexMissing as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(as_json(found)))
            return
        papers = Paper.objects.in_bulk([r.arxiv_id for r in found])
        for r in found:
            self.stdout.write(f"{r.arxiv_id:<18} {r.score:7.3f}  {papers[r.arxiv_id].title[:90]}")
            why = f"because {', '.join(r.because)}" if r.because else ""
            self.stdout.write(f"{'':<27}{why}; {', '.join(r.terms)}")
