import json

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from ....accounts.models import ApiToken
from ....accounts.tokens import create_token, revoke


class Command(BaseCommand):
    help = "API tokens: dailypapers tokens create USERNAME [--name N] | ls [--json] | revoke ID"

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        create = commands.add_parser("create", help="prints the token once")
        create.add_argument("username")
        create.add_argument("--name", default="")
        ls = commands.add_parser("ls")
        ls.add_argument("--json", action="store_true")
        commands.add_parser("revoke").add_argument("id", type=int)

    def handle(self, *args, action, **options):
        if action == "create":
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"no user {options['username']!r}")
            row, token = create_token(user, options["name"])
            self.stdout.write(token)
            return
        if action == "revoke":
            row = ApiToken.objects.filter(pk=options["id"]).select_related("user").first()
            if row is None or not revoke(row.user, row.pk):
                raise CommandError(f"no active token {options['id']}")
            self.stdout.write(f"revoked token {options['id']}")
            return
        rows = [
            {
                "id": t.pk,
                "user": t.user.username,
                "name": t.name,
                "prefix": t.prefix,
                "created": t.created_at.isoformat(),
                "lastUsed": t.last_used_at.isoformat() if t.last_used_at else None,
                "revoked": t.revoked_at is not None,
            }
            for t in ApiToken.objects.select_related("user").order_by("pk")
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows))
            return
        for row in rows:
            state = "revoked" if row["revoked"] else "active"
            self.stdout.write(
                f"{row['id']:>4} {row['user']:<20} {row['prefix']}… {state} {row['name']}"
            )
