from django.core.management.base import BaseCommand, CommandError

from ....papers.progress import Progress
from ...index import IndexMissing
from ...indexer import NEURAL_CHUNK, NeuralBusy, embed_pending, neural_pending_count


class Command(BaseCommand):
    help = (
        "Compute the background neural vectors (all-MiniLM-L6-v2, int8 ONNX) of the indexed "
        "papers that have none or an outdated one, newest first. Resumable: stop it at any "
        "time, run it again (from cron or a timer) and it continues; search uses the vectors "
        "as they land."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, help="stop after this many papers")
        parser.add_argument(
            "--chunk", type=int, default=NEURAL_CHUNK, help="papers per committed step"
        )

    def handle(self, *args, limit: int | None, chunk: int, **options):
        try:
            pending = neural_pending_count()
            total = pending if limit is None else min(limit, pending)
            progress = Progress("embed-neural", total, unit="papers")
            try:
                done = embed_pending(limit, lambda n: progress.update(n, n), chunk)
            finally:
                progress.close()
        except (IndexMissing, NeuralBusy) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"computed {done} neural vectors; {neural_pending_count()} papers pending"
        )
