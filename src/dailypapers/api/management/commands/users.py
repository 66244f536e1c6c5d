import json

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from ....accounts.roles import is_curator


class Command(BaseCommand):
    help = "Users: dailypapers users ls [--json] | deactivate USERNAME | activate USERNAME"

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        ls = commands.add_parser("ls")
        ls.add_argument("--json", action="store_true")
        for name in ("deactivate", "activate"):
            commands.add_parser(name).add_argument("username")

    def handle(self, *args, action, **options):
        if action == "ls":
            rows = [
                {
                    "username": u.username,
                    "email": u.email,
                    "curator": is_curator(u),
                    "active": u.is_active,
                    "joined": u.date_joined.isoformat(),
                }
                for u in User.objects.order_by("username")
            ]
            if options["json"]:
                self.stdout.write(json.dumps(rows))
            for row in [] if options["json"] else rows:
                flags = " curator" if row["curator"] else ""
                flags += "" if row["active"] else " inactive"
                self.stdout.write(f"{row['username']:<24} {row['email']:<32}{flags}")
            return
        if not User.objects.filter(username=options["username"]).update(
            is_active=action == "activate"
        ):
            raise CommandError(f"no user {options['username']!r}")
        self.stdout.write(f"{options['username']} {action}d")
