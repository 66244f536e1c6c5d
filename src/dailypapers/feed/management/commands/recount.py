from django.core.management.base import BaseCommand

from ...services import recount_all


class Command(BaseCommand):
    help = "Recompute every entry's upvote and comment counters from the votes and comments."

    def handle(self, *args, **options):
        self.stdout.write(f"fixed {recount_all()} entries")
