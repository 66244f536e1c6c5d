from datetime import date

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from ....accounts.roles import is_curator
from ....papers.arxiv_ids import InvalidArxivId
from ...services import FeedError, submit


class Command(BaseCommand):
    help = "Put papers on a day's list as a curator, fetching unknown papers from arXiv."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="+", metavar="ID")
        parser.add_argument("--as", dest="username", required=True, metavar="USERNAME")
        parser.add_argument("--date", type=date.fromisoformat, metavar="YYYY-MM-DD")

    def handle(self, *args, ids, username, date, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        if not is_curator(user):
            raise CommandError(
                f"{username} is not a curator (dailypapers createcurator {username})"
            )
        failures = 0
        for text in ids:
            try:
                entry = submit(user, text, day=date, patient=True)
            except (FeedError, InvalidArxivId) as error:
                failures += 1
                self.stderr.write(f"{text}: {error}")
            else:
                self.stdout.write(f"{entry.paper_id} is on the list for {entry.day}")
        if failures:
            raise CommandError(f"{failures} of {len(ids)} papers were not submitted")
