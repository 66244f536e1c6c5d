from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from ...emails import LEASE, send_pending


class Command(BaseCommand):
    help = (
        "Email the notifications that are due (right-away kinds now, hourly ones once their "
        "hour is over), each exactly once; safe to run from several hosts at once and to "
        "re-run after a crash. Run it every few minutes (docs/notifications.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--lease",
            type=float,
            default=LEASE.total_seconds(),
            metavar="SECONDS",
            help="send again an email another sender claimed this long ago and never "
            f"finished (it died); default {LEASE.total_seconds():.0f}",
        )

    def handle(self, *args, lease, **options):
        report = send_pending(lease=timedelta(seconds=lease))
        self.stdout.write(report.line())
        if report.deferred or report.failed:
            raise CommandError("some emails were not delivered; re-run to retry deferred ones")
