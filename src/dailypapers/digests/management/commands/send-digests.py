from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ....feed.recent import listed_between
from ....thumbnails.drawing import draw_thumbnails, due
from ...compose import period_for
from ...models import Frequency
from ...sending import send_digests


class Command(BaseCommand):
    help = (
        "Send the digests of a period, exactly once per subscriber; safe to re-run after a "
        "crash. Daily digests cover one day's papers (default: yesterday, weekdays only); "
        "weekly ones the ISO week containing --date (default: last week)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", choices=Frequency.values, required=True)
        parser.add_argument("--date", type=date.fromisoformat, metavar="YYYY-MM-DD")
        parser.add_argument("--dry-run", action="store_true", help="compose, send nothing")
        parser.add_argument("--to", metavar="EMAIL", help="only this subscriber (no channels)")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            metavar="N",
            help="send over N SMTP connections at once (default 1)",
        )

    def handle(self, *args, period, date, dry_run, to, workers, **options):
        if not 1 <= workers <= 64:
            raise CommandError("--workers is between 1 and 64")
        today = timezone.now().date()
        day = date or (today - timedelta(days=1 if period == Frequency.DAILY else 7))
        if period == Frequency.DAILY and day.weekday() >= 5:
            self.stdout.write(f"{day} is a weekend day: daily digests go out on weekdays only")
            return
        edition = period_for(period, day)
        if settings.THUMBNAILS_WITH_DIGESTS and not dry_run:
            span = edition.period
            drawn = draw_thumbnails(due(listed_between(span.start, span.end)))
            self.stdout.write(f"thumbnails: {drawn['drawn']} drawn, {drawn['skipped']} skipped")
        report = send_digests(
            edition, only=to, dry_run=dry_run, say=self.stdout.write, workers=workers
        )
        self.stdout.write(report.line())
        if report.deferred or report.failed:
            raise CommandError("some digests were not delivered; re-run to retry the deferred ones")
        if report.channels and report.channels.failed:
            raise CommandError(
                "some channel posts failed; they are retried with backoff (`channels ls`)"
            )
