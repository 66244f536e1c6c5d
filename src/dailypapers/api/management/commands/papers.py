from datetime import date

from django.core.management.base import BaseCommand, CommandError

from ....feed import listing, periods
from ...hf_shapes import DAILY_ITEMS, items_for_entries


class Command(BaseCommand):
    help = "List a day's papers: dailypapers papers ls [--date YYYY-MM-DD] [--json]"

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        ls = commands.add_parser("ls", help="a day's list, most upvoted first")
        ls.add_argument("--date", type=date.fromisoformat, help="default: the newest day")
        ls.add_argument("--json", action="store_true")

    def handle(self, *args, date, json: bool = False, **options):
        day = date or listing.newest_day()
        if day is None:
            raise CommandError("no day has a list yet")
        items = items_for_entries(list(listing.entry_ids_in(periods.day_period(day))))
        print_items(self.stdout, items, json)


def print_items(stdout, items: list[dict], as_json: bool) -> None:
    if as_json:
        models = DAILY_ITEMS.validate_python(items)
        stdout.write(DAILY_ITEMS.dump_json(models, by_alias=True).decode())
        return
    for item in items:
        paper = item["paper"]
        stdout.write(f"{paper['upvotes']:>4} ▲  {paper['id']:<18} {paper['title'][:90]}")
