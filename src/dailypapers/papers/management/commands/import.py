import argparse

from django.core.management.base import BaseCommand, CommandError

from ...importer import BATCH_SIZE, StrictImportAborted, import_files
from ...progress import Progress
from ...signals import import_finished
from ...sources.files import FORMATS
from ...sources.xml import MalformedInput


def _positive(text: str) -> int:
    """argparse type: a batch of 0 used to import nothing and report success."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return number


class Command(BaseCommand):
    help = f"Import papers from files: {FORMATS}; gzip accepted."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="abort at the first malformed record instead of skipping it",
        )
        parser.add_argument("--batch-size", type=_positive, default=BATCH_SIZE, metavar="N")

    def handle(self, *args, **options):
        try:
            summary = import_files(
                options["paths"],
                strict=options["strict"],
                batch_size=options["batch_size"],
                progress_factory=lambda label, total: Progress(f"import {label}", total),
            )
        except (MalformedInput, StrictImportAborted) as error:
            raise CommandError(str(error)) from error
        for reject in summary.rejected[:20]:
            self.stderr.write(f"rejected {reject}")
        if len(summary.rejected) > 20:
            self.stderr.write(f"... and {len(summary.rejected) - 20} more rejected")
        self.stdout.write(summary.line())
        for _receiver, message in import_finished.send(sender=self.__class__, summary=summary):
            if message:
                self.stdout.write(message)
        if summary.failed:
            raise CommandError(
                f"could not read {len(summary.failed)} input(s): " + "; ".join(summary.failed)
            )
