"""Page speed: the day page and a paper page under gunicorn, uncached and cached.

    python bench/pages.py [--papers 1000] [--workers 4] [--seconds 10] [--connections 32]

Loads N generated papers onto one day in a fresh SQLite database, starts gunicorn on
loopback, and drives it with wrk (Debian's `wrk`). Prints requests/s, p95 latency and errors.
Targets (issue 3): >= 300 req/s uncached and >= 1,500 req/s cached.
"""

import argparse
import os
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from common import WRK_REPORT, run_wrk, start_gunicorn
from corpus import write_snapshot

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"uncached": 300, "cached": 1500}


def prepare(home: Path, papers: int) -> str:
    """A database with `papers` papers on one day; returns one paper's id."""
    os.environ["DAILYPAPERS_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dailypapers.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from dailypapers.feed.hotness import hotness
    from dailypapers.feed.models import DailyEntry
    from dailypapers.papers.importer import import_files
    from dailypapers.papers.models import Paper

    call_command("migrate", verbosity=0)
    snapshot = write_snapshot(home / "papers.jsonl", papers, seed=7)
    import_files([snapshot])
    now = timezone.now()
    DailyEntry.objects.bulk_create(
        DailyEntry(paper=p, day=now.date(), submitted_at=now, hotness=hotness(0, now))
        for p in Paper.objects.all()
    )
    return Paper.objects.order_by("arxiv_id").values_list("arxiv_id", flat=True)[papers // 2]


def serve(home: Path, workers: int, cache_seconds: int) -> tuple[subprocess.Popen, str]:
    return start_gunicorn(
        home, workers, "/about", DAILYPAPERS_PAGE_CACHE_SECONDS=str(cache_seconds)
    )


def drive(url: str, seconds: int, connections: int, script: Path) -> dict:
    for _ in range(3):  # warm every worker
        urllib.request.urlopen(url).read()
    return run_wrk(url, script, seconds, connections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench/pages.py needs wrk: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="dailypapers-pages-") as tmp:
        home = Path(tmp)
        paper_id = prepare(home, args.papers)
        script = home / "report.lua"
        script.write_text(WRK_REPORT)
        print(
            f"{args.papers:,} papers on one day; gunicorn with {args.workers} workers; "
            f"wrk -c{args.connections} for {args.seconds}s per row"
        )
        for mode, cache_seconds in (("uncached", 0), ("cached", 300)):
            server, base = serve(home, args.workers, cache_seconds)
            try:
                for name, path in (("day page", "/"), ("paper page", f"/papers/{paper_id}")):
                    result = drive(base + path, args.seconds, args.connections, script)
                    verdict = "ok" if result["rps"] >= TARGETS[mode] else "BELOW TARGET"
                    print(
                        f"{mode:>8} {name:<10} {result['rps']:8,.0f} req/s  "
                        f"p95 {result['p95']:7.1f} ms  errors {result['errors']}  "
                        f"(target {TARGETS[mode]:,}: {verdict})"
                    )
            finally:
                server.terminate()
                server.wait()


if __name__ == "__main__":
    main()
