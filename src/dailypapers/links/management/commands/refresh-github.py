from django.core.management.base import BaseCommand, CommandError

from ....papers.progress import Progress
from ...github import GitHubUnavailable, refresh


class Command(BaseCommand):
    help = (
        "Read the stars of the GitHub repositories papers link to (GET /repos/{owner}/{repo}) "
        "and record today's count, once a day per repository; renamed and gone repositories "
        "are marked. Stays within GitHub's rate limit: stops when it is reached (--wait: "
        "sleeps until it resets). Safe to re-run or kill: a re-run the same day only does "
        "what is left."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            type=int,
            metavar="DAYS",
            help="only repositories of papers published in the last DAYS days",
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="when the rate limit is reached, wait for its reset and go on",
        )

    def handle(self, *args, since: int | None, wait: bool, **options):
        if since is not None and since < 0:
            raise CommandError("--since must be 0 or more days")
        bar: Progress | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = Progress("refresh-github", total, unit="repositories")
            bar.update(done, done)

        try:
            summary = refresh(since, wait=wait, progress=progress)
        except GitHubUnavailable as error:
            raise CommandError(f"{error}; what was checked so far is kept") from error
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(summary.line())
