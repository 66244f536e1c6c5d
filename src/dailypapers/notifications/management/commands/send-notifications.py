from django.core.management.base import BaseCommand, CommandError

from ...emails import send_pending


class Command(BaseCommand):
    help = (
        "Email the notifications that are due (right-away kinds now, hourly ones once their "
        "hour is over), each exactly once; safe to run from several hosts at once and to "
        "re-run after a crash. Run it every few minutes (docs/notifications.md)."
    )

    def handle(self, *args, **options):
        report = send_pending()
        self.stdout.write(report.line())
        if report.deferred or report.failed:
            raise CommandError("some emails were not delivered; re-run to retry deferred ones")
