from django.core.management.base import BaseCommand, CommandError

from ...addresses import AddressError
from ...subscriptions import mark_failing


class Command(BaseCommand):
    help = "Stop sending digests to an address that bounces."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--reason", default="bounced (reported by an operator)")

    def handle(self, *args, email, reason, **options):
        try:
            found = mark_failing(email, reason)
        except AddressError as error:
            raise CommandError(str(error)) from error
        if not found:
            raise CommandError(f"no subscriber {email}")
        self.stdout.write(f"{email} disabled: {reason}")
