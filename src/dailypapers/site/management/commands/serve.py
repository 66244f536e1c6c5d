import os
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


def default_workers() -> int:
    """gunicorn's rule of thumb: two per core, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


class Command(BaseCommand):
    help = "Serve the site: Django's development server, or gunicorn with --prod."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument(
            "--prod",
            action="store_true",
            help="gunicorn with several workers, whitenoise and hardened settings",
        )
        parser.add_argument("--workers", type=int, default=default_workers())
        parser.add_argument("--timeout", type=int, default=60, help="seconds per request")

    def handle(self, *args, **options):
        if not options["prod"]:
            self.stdout.write(f"Serving dailypapers on http://{options['addr']}/")
            call_command("runserver", options["addr"], use_reloader=False)
            return
        os.environ["DAILYPAPERS_PRODUCTION"] = "1"
        # Settings are already loaded in this process; collectstatic must see production
        # storage (hashed, compressed names), so it runs in a child with the variable set.
        subprocess.run(
            [sys.executable, "-m", "dailypapers.cli", "collectstatic", "--noinput"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.stdout.write(
            f"Serving dailypapers on http://{options['addr']}/ "
            f"with {options['workers']} gunicorn workers"
        )
        sys.stdout.flush()
        os.execv(
            sys.executable,
            gunicorn_command(
                "dailypapers.wsgi:application",
                options["addr"],
                options["workers"],
                options["timeout"],
            ),
        )


def gunicorn_command(app: str, addr: str, workers: int, timeout: int = 60) -> list[str]:
    """The production gunicorn command line (bench/pages.py serves its baseline with it too)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        f"--bind={addr}",
        f"--workers={workers}",
        f"--timeout={timeout}",
        "--access-logfile=-",
        # One control socket per user by default: it would collide between instances.
        "--no-control-socket",
        # Recycle workers now and then, so a slow leak can never grow unbounded.
        "--max-requests=100000",
        "--max-requests-jitter=10000",
    ]
