import json as json_module

from django.core.management.base import BaseCommand, CommandError

from ...addresses import AddressError, clean_address, clean_options
from ...models import Frequency, Subscriber
from ...subscriptions import save_subscriber


class Command(BaseCommand):
    help = "Manage digest subscribers: add, ls, remove."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        add = commands.add_parser("add", help="add or update a subscriber")
        add.add_argument("email")
        add.add_argument(
            "--confirmed",
            action="store_true",
            help="skip double opt-in (required: without it, use the subscribe form)",
        )
        add.add_argument("--weekly", action="store_true")
        add.add_argument("--topic", action="append", default=[])
        add.add_argument("--category", action="append", default=[])
        add.add_argument("--no-trending", action="store_true")
        listing = commands.add_parser("ls", help="list subscribers")
        listing.add_argument("--json", action="store_true")
        remove = commands.add_parser("remove", help="delete a subscriber and its history")
        remove.add_argument("email")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"do_{action}")(**options)
        except AddressError as error:
            raise CommandError(str(error)) from error

    def do_add(self, email, confirmed, weekly, topic, category, no_trending, **_):
        if not confirmed:
            raise CommandError(
                "operators add confirmed subscribers only (--confirmed); people subscribe "
                "through the site, which mails them a confirmation link"
            )
        options = clean_options(
            Frequency.WEEKLY if weekly else Frequency.DAILY, topic, category, not no_trending
        )
        subscriber = save_subscriber(clean_address(email), options)
        self.stdout.write(f"{subscriber.email}: {subscriber.frequency}, active")

    def do_ls(self, json: bool = False, **_):
        rows = list(
            Subscriber.objects.order_by("email").values(
                "email", "frequency", "trending", "topics", "categories", "status"
            )
        )
        if json:
            self.stdout.write(json_module.dumps(rows))
            return
        for row in rows:
            extras = "; ".join(row["topics"] + row["categories"])
            trending = " +trending" if row["trending"] else ""
            self.stdout.write(
                f"{row['email']:<40} {row['frequency']:<7} {row['status']:<12}{trending} {extras}"
            )

    def do_remove(self, email, **_):
        deleted, _ = Subscriber.objects.filter(email=clean_address(email)).delete()
        if not deleted:
            raise CommandError(f"no subscriber {email}")
        self.stdout.write(f"removed {email}")
