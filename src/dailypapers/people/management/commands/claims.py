"""`dailypapers claims ls|approve|reject`: the curators' queue from the command line."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ...claims import ClaimError, decide, queue
from ...models import Claim


class Command(BaseCommand):
    help = "List authorship claims, and verify or reject them as a curator."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("ls", help="list claims (pending by default)")
        listing.add_argument(
            "--status", default=Claim.Status.PENDING, choices=[*Claim.Status.values, "all"]
        )
        for name, verb in (("approve", "verify"), ("reject", "reject")):
            action = actions.add_parser(name, help=f"{verb} pending claims")
            action.add_argument("ids", nargs="+", type=int, metavar="ID")
            action.add_argument("--as", dest="curator", required=True, help="curator's username")

    def handle(self, *args, action: str, **options):
        if action == "ls":
            for found in queue(options["status"], limit=10_000):
                self.stdout.write(
                    f"{found.pk}\t{found.status}\t{found.paper_id}\t#{found.position + 1} "
                    f"{found.name}\t{found.user.username}\t{found.created_at:%Y-%m-%d %H:%M}"
                )
            return
        curator = get_user_model().objects.filter(username=options["curator"]).first()
        if curator is None:
            raise CommandError(f"no user {options['curator']!r}")
        failed = False
        for claim_id in options["ids"]:
            try:
                decided = decide(curator, claim_id, verify=action == "approve")
            except ClaimError as error:
                self.stderr.write(str(error))
                failed = True
            else:
                self.stdout.write(f"claim {decided.pk} {decided.status}")
        if failed:
            raise CommandError("some claims were not decided")
