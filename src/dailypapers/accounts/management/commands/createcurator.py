import getpass
import os

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from ...roles import make_curator


class Command(BaseCommand):
    help = "Make USERNAME a curator, creating the account if it does not exist."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password",
            help="for a new account; else $DAILYPAPERS_CURATOR_PASSWORD, else asked on a terminal",
        )

    def handle(self, *args, username, email, password, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            password = password or os.environ.get("DAILYPAPERS_CURATOR_PASSWORD")
            if not password and os.isatty(0):
                password = getpass.getpass(f"Password for {username}: ")
            user = User(username=username, email=email)
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            try:
                user.full_clean(exclude=["password"])
            except Exception as error:
                raise CommandError(f"cannot create {username!r}: {error}") from error
            user.save()
            created = "created and "
        else:
            created = ""
        make_curator(user)
        self.stdout.write(f"{username} {created}made a curator")
        if not user.has_usable_password():
            self.stdout.write(
                f"{username} has no password yet: run `dailypapers changepassword {username}`"
            )
