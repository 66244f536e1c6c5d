from django.core.management.base import BaseCommand

from ....feed import listing
from ...hf_shapes import items_for_entries
from .papers import print_items


class Command(BaseCommand):
    help = (
        "Trending papers: dailypapers trending [--window day|week|month] [--by upvotes|code] "
        "[--json]; --by code ranks by GitHub stars gained in the window"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--window",
            "--period",  # its older name
            choices=list(listing.TRENDING_WINDOWS),
            default=listing.DEFAULT_WINDOW,
        )
        parser.add_argument("--by", choices=listing.TRENDING_BY, default=listing.TRENDING_BY[0])
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, window, by, limit, json, **options):
        ids = listing.trending_entry_ids(window, limit, by)
        print_items(self.stdout, items_for_entries(ids), json)
