"""Page speed as a ratio to Django itself: the day page and a paper page, uncached and cached.

    python bench/pages.py [--database sqlite|postgres] [--papers 1000] [--workers 2]
                          [--seconds 10] [--rounds 4] [--connections 32] [--json]

Loads N generated papers onto one day in a fresh database (SQLite under a temporary home, or
a fresh database on a private PostgreSQL server started from the Debian package), builds the
search index (so the paper page shows its similar papers), starts `dailypapers serve --prod`
on loopback and drives it with wrk (Debian's `wrk`, -t2). In the same run it serves
bench/trivial_site.py (an HttpResponse of 12 kB, no middleware) with the same gunicorn command
line, and reports every page as a ratio to it: steadier than raw req/s, though not the same
on every machine (compare ratios taken on one machine). Each page runs in --rounds short
runs (--seconds split between them, in whole seconds: 10 in 4 rounds is 4 runs of 2 s), each
right after a run of the trivial view; its ratio is the median of the rounds' ratios, so a
burst of load on one run moves one round, not the result. --json prints one object (each page
also carries its round_ratios, errors and the baseline_rps it was divided by):
{"baseline_rps": ..., "pages": {"<name>": {"rps": ..., "p95_ms": ..., "ratio": ...}}}.

Targets (issue 12): cached pages >= 0.6x the trivial view, uncached day page >= 0.15x,
uncached paper page (with similar papers) >= 0.12x, on SQLite and on PostgreSQL.
Last measured 2026-11-30 19:45-20:44 UTC, quiet, session 18's code, --seconds 8, rounds 4, on
a machine whose trivial view served about 4,000-4,500 req/s: PostgreSQL (twelve runs) uncached
day 0.190-0.232x, uncached paper 0.143-0.181x, cached 0.632-0.720x; SQLite (five runs) uncached
day 0.218-0.260x, uncached paper 0.194-0.224x, cached 0.751-0.840x. Session 17's machine
(2,000-2,700 req/s) gave the PostgreSQL day page 0.130-0.168x: ratios differ between machines.
Every round, the method, the profile and what is left: docs/performance.md.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from common import (
    WRK_REPORT,
    postgres_url,
    run_wrk,
    start_gunicorn,
    start_trivial_django,
    stop_postgres,
)
from corpus import write_snapshot

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"uncached day": 0.15, "uncached paper": 0.12, "cached day": 0.6, "cached paper": 0.6}


def prepare(home: Path, papers: int) -> str:
    """A database with `papers` papers on one day and its search index; returns the id of the
    paper in the middle."""
    os.environ["DAILYPAPERS_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dailypapers.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from dailypapers.feed.hotness import hotness
    from dailypapers.feed.models import DailyEntry
    from dailypapers.papers.importer import import_files
    from dailypapers.papers.models import Paper
    from dailypapers.search.indexer import rebuild

    call_command("migrate", verbosity=0)
    snapshot = write_snapshot(home / "papers.jsonl", papers, seed=7)
    import_files([snapshot])
    now = timezone.now()
    DailyEntry.objects.bulk_create(
        DailyEntry(paper=p, day=now.date(), submitted_at=now, hotness=hotness(0, now))
        for p in Paper.objects.all()
    )
    rebuild()
    from django.db import connection

    if connection.vendor == "postgresql":
        # As pgbench does before each run: measure the tables as a running site's autovacuum
        # keeps them, not as a bulk load leaves them. Without statistics (autoanalyze comes
        # within a minute, often after the uncached day page's rounds, and then replans them)
        # the day's count fetched every entry from the heap; autovacuum never vacuums a load
        # of 1,000 rows. The day page's server CPU in-process: 0.80-0.90 ms a request before,
        # 0.40-0.65 after (docs/performance.md, "Twelfth round").
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return Paper.objects.order_by("arxiv_id").values_list("arxiv_id", flat=True)[papers // 2]


def warm(url: str, connections: int, script: Path) -> None:
    """Every worker answers, then a second of load that is not counted: without it, the
    first round of 7 pages' runs in 52 came out at 0.49-0.63 of the other rounds' median."""
    for _ in range(3 * connections):
        urllib.request.urlopen(url).read()
    run_wrk(url, script, 1, connections)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait()


def paired(baseline_url: str, page_url: str, args, script: Path) -> dict:
    """The page and the trivial view in turns, `args.rounds` short runs each, the baseline
    right before each page run: the ratio is the median of the rounds' ratios, so a burst
    of load that lands on one run moves one round, not the result."""
    warm(baseline_url, args.connections, script)
    warm(page_url, args.connections, script)
    seconds = args.seconds // args.rounds
    rounds = []
    for _ in range(args.rounds):
        baseline = run_wrk(baseline_url, script, seconds, args.connections)
        page = run_wrk(page_url, script, seconds, args.connections)
        rounds.append((baseline, page))
    ratios = [page["rps"] / baseline["rps"] for baseline, page in rounds]
    return {
        "rps": round(statistics.median(page["rps"] for _, page in rounds), 1),
        "p95_ms": statistics.median(page["p95"] for _, page in rounds),
        "ratio": round(statistics.median(ratios), 3),
        "round_ratios": [round(ratio, 3) for ratio in ratios],
        "errors": sum(page["errors"] for _, page in rounds),
        "baseline_rps": round(statistics.median(baseline["rps"] for baseline, _ in rounds), 1),
    }


def measure(args, home: Path, paper_id: str) -> dict:
    """Each page paired with the trivial view (paired()), both servers up throughout: on a
    shared, noisy machine the pair sees about the same load, so the ratio is steadier than
    req/s."""
    script = home / "report.lua"
    script.write_text(WRK_REPORT)
    trivial, trivial_base = start_trivial_django(args.workers)
    pages = {}
    try:
        for mode, cache_seconds in (("uncached", 0), ("cached", 300)):
            server, base = start_gunicorn(
                home, args.workers, "/about", DAILYPAPERS_PAGE_CACHE_SECONDS=str(cache_seconds)
            )
            try:
                for page, path in (("day", "/"), ("paper", f"/papers/{paper_id}")):
                    pages[f"{mode} {page}"] = paired(trivial_base + "/", base + path, args, script)
            finally:
                stop(server)
    finally:
        stop(trivial)
    baselines = [page["baseline_rps"] for page in pages.values()]
    return {"baseline_rps": round(statistics.median(baselines), 1), "pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument(
        "--seconds", type=int, default=10, help="per page, split into rounds of whole seconds"
    )
    parser.add_argument("--rounds", type=int, default=4, help="page and baseline runs in turn")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not 1 <= args.rounds <= args.seconds:
        parser.error("--rounds must be from 1 to --seconds (wrk runs for whole seconds)")
    if not shutil.which("wrk"):
        raise SystemExit("bench/pages.py needs wrk: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="dailypapers-pages-") as tmp:
        home = Path(tmp)
        home.chmod(0o755)  # the PostgreSQL server runs as the postgres user, inside home/pg
        os.environ.pop("DATABASE_URL", None)
        try:
            if args.database == "postgres":
                os.environ["DATABASE_URL"] = postgres_url(home, "dailypapers_pages", fresh=True)
            paper_id = prepare(home, args.papers)
            result = measure(args, home, paper_id)
        finally:
            if args.database == "postgres":
                stop_postgres(home)
    if args.json:
        json.dump(result, sys.stdout)
        print()
        return
    print(
        f"{args.papers:,} papers on one day, {args.database}; gunicorn with {args.workers} "
        f"workers; wrk -t2 -c{args.connections}, each page {args.rounds} rounds of "
        f"{args.seconds // args.rounds}s, each right after one of the trivial view"
    )
    print(
        f"trivial Django view  {result['baseline_rps']:8,.0f} req/s  "
        "(median of the pages' baselines)"
    )
    for name, page in result["pages"].items():
        verdict = "ok" if page["ratio"] >= TARGETS[name] else "BELOW TARGET"
        print(
            f"{name:<20} {page['rps']:8,.0f} req/s  {page['ratio']:5.2f}x of "
            f"{page['baseline_rps']:,.0f}  p95 {page['p95_ms']:7.1f} ms  errors {page['errors']}  "
            f"(target {TARGETS[name]:.2f}x: {verdict}; rounds {page['round_ratios']})"
        )


if __name__ == "__main__":
    main()
