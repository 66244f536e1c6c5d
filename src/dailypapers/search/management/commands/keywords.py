import json
import sys

from django.core.management.base import BaseCommand, CommandError

from ...embeddings import embedder
from ...keywords import MAX_KEYWORDS, extract_many

BATCH = 64


class BadLine(ValueError):
    pass


def parse_line(line: str) -> dict:
    """One input record: a JSON object with string `title` and `abstract`."""
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as error:
        raise BadLine(f"not JSON ({error})") from None
    if not isinstance(record, dict):
        raise BadLine(f"expected a JSON object, got {type(record).__name__}")
    for field in ("title", "abstract"):
        if field not in record:
            raise BadLine(f"missing field {field!r}")
        if not isinstance(record[field], str):
            raise BadLine(f"field {field!r} must be a string")
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadLine("contains an unpaired surrogate (\\ud800-\\udfff)") from None
    return record


class Command(BaseCommand):
    help = (
        "Keywords of papers: reads JSON lines with `title` and `abstract` on stdin and prints "
        f"each line back with `keywords` (ranked, up to {MAX_KEYWORDS}) added. A bad line is "
        "reported on stderr with its number and skipped; the exit status is then 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=MAX_KEYWORDS, help="keywords per paper")

    def handle(self, *args, limit, **options):
        limit = max(1, min(limit, MAX_KEYWORDS))
        model = embedder()
        bad = 0
        batch: list[dict] = []
        stdin = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else sys.stdin
        for number, raw in enumerate(stdin, start=1):
            try:
                line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                if not line.strip():
                    continue
                batch.append(parse_line(line))
            except UnicodeDecodeError as error:
                bad += 1
                self.stderr.write(
                    f"line {number}: not UTF-8 ({error.reason} at byte {error.start})"
                )
                continue
            except BadLine as error:
                bad += 1
                self.stderr.write(f"line {number}: {error}")
                continue
            if len(batch) == BATCH:
                self._write(batch, model, limit)
                batch = []
        self._write(batch, model, limit)
        if bad:
            raise CommandError(f"{bad} bad line(s) skipped", returncode=1)

    @staticmethod
    def _json_line(record: dict) -> str:
        """One JSON line that every line reader keeps whole: JSON leaves U+0085, U+2028 and
        U+2029 unescaped, and Python's str.splitlines() (and JavaScript before ES2019) break
        lines there."""
        text = json.dumps(record, ensure_ascii=False)
        return (
            text.replace("\x85", "\\u0085")
            .replace("\u2028", "\\u2028")
            .replace("\u2029", "\\u2029")
        )

    def _write(self, batch: list[dict], model, limit: int) -> None:
        if not batch:
            return
        found = extract_many([(r["title"], r["abstract"]) for r in batch], model, limit)
        for record, words in zip(batch, found, strict=True):
            self.stdout.write(self._json_line({**record, "keywords": words}))
        self.stdout.flush()
