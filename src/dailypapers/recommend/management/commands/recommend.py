import json

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from ....papers.models import Paper
from ....search.folder import IndexMissing
from ...foryou import for_user, why_text
from ...service import DEFAULT_WINDOW, MAX_LIMIT, WINDOWS, as_json, recommendations


class Command(BaseCommand):
    help = (
        "New papers ranked for a library: dailypapers recommend (--user U [--tag T] | "
        "--ids ID... [--not ID...]) [--window day|week|month|all] [--limit N] [--json]"
    )

    def add_arguments(self, parser):
        library = parser.add_mutually_exclusive_group(required=True)
        library.add_argument(
            "--user", metavar="U", help="a user's library, dismissals and (unless off) upvotes"
        )
        library.add_argument("--ids", nargs="+", metavar="ID", help="arXiv ids of the library")
        parser.add_argument("--tag", metavar="T", help="with --user: rank for this tag alone")
        parser.add_argument(
            "--not",
            nargs="+",
            default=[],
            dest="negative",
            metavar="ID",
            help="with --ids: arXiv ids the user is not interested in",
        )
        parser.add_argument("--window", choices=list(WINDOWS), default=DEFAULT_WINDOW)
        parser.add_argument("--limit", type=int, default=20, help=f"1 to {MAX_LIMIT}")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, user, ids, tag, negative, window, limit, **options):
        if not 1 <= limit <= MAX_LIMIT:
            raise CommandError(f"--limit must be between 1 and {MAX_LIMIT}")
        if user is not None:
            found, say_why = self._for_user(user, tag, window, limit)
        else:
            if tag is not None:
                raise CommandError("--tag needs --user")
            found, say_why = self._for_ids(ids, negative, window, limit)
        if options["json"]:
            self.stdout.write(json.dumps(as_json(found)))
            return
        papers = Paper.objects.in_bulk([r.arxiv_id for r in found])
        for r in found:
            self.stdout.write(f"{r.arxiv_id:<18} {r.score:7.3f}  {papers[r.arxiv_id].title[:90]}")
            self.stdout.write(f"{'':<27}{say_why(r)}")

    def _for_user(self, username, tag, window, limit):
        account = User.objects.filter(username=username).first()
        if account is None:
            raise CommandError(f"no such user: {username}")
        result = for_user(account, tag=tag, window=window, limit=limit)
        if result.index_missing:
            raise CommandError("the search index is not built yet: run `dailypapers reindex`")
        if not result.has_library:
            what = f"no papers tagged {tag!r}" if tag else "an empty library"
            self.stderr.write(f"{username} has {what}: nothing to rank for")
        return result.found, lambda r: why_text(r, result.signals)

    def _for_ids(self, ids, negative, window, limit):
        known = set(Paper.objects.filter(arxiv_id__in=ids).values_list("arxiv_id", flat=True))
        if unknown := [i for i in ids if i not in known]:
            raise CommandError(f"no such papers: {' '.join(unknown)}")
        try:
            found = recommendations(ids, negative, window=window, limit=limit)
        except IndexMissing as error:
            raise CommandError(str(error)) from error

        def say_why(r):
            why = f"because {', '.join(r.because)}" if r.because else ""
            return f"{why}; {', '.join(r.terms)}"

        return found, say_why
