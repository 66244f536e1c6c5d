from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the site (development server)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to listen on")

    def handle(self, *args, **options):
        self.stdout.write(f"Serving dailypapers on http://{options['addr']}/")
        call_command("runserver", options["addr"], use_reloader=False)
