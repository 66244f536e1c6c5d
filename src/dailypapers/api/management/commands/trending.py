from django.core.management.base import BaseCommand

from ....feed import listing
from ...hf_shapes import items_for_entries
from .papers import print_items


class Command(BaseCommand):
    help = "Trending papers: dailypapers trending [--window day|week|month] [--json]"

    def add_arguments(self, parser):
        parser.add_argument(
            "--window",
            "--period",  # its older name
            choices=list(listing.TRENDING_WINDOWS),
            default=listing.DEFAULT_WINDOW,
        )
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, window, limit, json, **options):
        print_items(self.stdout, items_for_entries(listing.trending_entry_ids(window, limit)), json)
