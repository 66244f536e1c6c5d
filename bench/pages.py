"""Page speed as a ratio to Django itself: the day page and a paper page, uncached and cached.

    python bench/pages.py [--database sqlite|postgres] [--papers 1000] [--workers 2]
                          [--seconds 10] [--connections 32] [--json]

Loads N generated papers onto one day in a fresh database (SQLite under a temporary home, or
a fresh database on a private PostgreSQL server started from the Debian package), builds the
search index (so the paper page shows its similar papers), starts `dailypapers serve --prod`
on loopback and drives it with wrk (Debian's `wrk`, -t2). In the same run it serves
bench/trivial_site.py (an HttpResponse of 12 kB, no middleware) with the same gunicorn command
line, measured right before each page, and reports every page as a ratio to its baseline,
which holds from one machine to the next where raw req/s do not. --json prints one object
(each page also carries its errors and the baseline_rps it was divided by):
{"baseline_rps": ..., "pages": {"<name>": {"rps": ..., "p95_ms": ..., "ratio": ...}}}.

Targets (issue 12): cached pages >= 0.6x the trivial view, uncached day page >= 0.15x,
uncached paper page (with similar papers) >= 0.12x, on SQLite and on PostgreSQL.
Last measured idle (load 0.6-1.9), 2026-11-29 08:13-08:17, main e8a0c03, --seconds 8 (trivial
view 3,600-4,450 req/s): SQLite uncached day 0.164x, uncached paper 0.163x, cached day 0.814x,
cached paper 0.760x (all met); PostgreSQL 0.131x (not met), 0.130x, 0.605x, 0.647x.
Again 15:23-15:51 the same day, main 323931f, quiet: PostgreSQL uncached day 0.105-0.135x in
four runs (577-595 req/s after the first), cached day 0.596-0.665x; SQLite uncached day
0.133x and 0.211x in two runs (not met in one).
On 30 November, a slower day for this machine (trivial view 2,000-2,200 req/s), main b78aed8
(the cards read their papers' text once per process): PostgreSQL uncached day 0.121-0.126x
(not met; 0.104-0.120x before that change the same day), uncached paper 0.124-0.129x, cached
0.558-0.755x; SQLite uncached day 0.154x and 0.175x (0.126-0.149x that morning, but its paper
page rose as much and the paired runs put that change inside SQLite's noise), uncached paper
0.148-0.158x, cached 0.679-0.791x.
Every round, the method, the profile and what is left: docs/performance.md.
"""

import argparse
import json
import os
import shutil
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
    return Paper.objects.order_by("arxiv_id").values_list("arxiv_id", flat=True)[papers // 2]


def drive(url: str, seconds: int, connections: int, script: Path) -> dict:
    for _ in range(3 * connections):  # every worker answers (and warms up) before the clock
        urllib.request.urlopen(url).read()
    return run_wrk(url, script, seconds, connections)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait()


def measure(args, home: Path, paper_id: str) -> dict:
    """Each page right after its own baseline run, both servers up throughout: on a shared,
    noisy machine the pair sees about the same load, so the ratio holds where req/s do not."""
    script = home / "report.lua"
    script.write_text(WRK_REPORT)
    trivial, trivial_base = start_trivial_django(args.workers)
    baselines, pages = [], {}
    try:
        for mode, cache_seconds in (("uncached", 0), ("cached", 300)):
            server, base = start_gunicorn(
                home, args.workers, "/about", DAILYPAPERS_PAGE_CACHE_SECONDS=str(cache_seconds)
            )
            try:
                for page, path in (("day", "/"), ("paper", f"/papers/{paper_id}")):
                    baseline = drive(trivial_base + "/", args.seconds, args.connections, script)
                    result = drive(base + path, args.seconds, args.connections, script)
                    baselines.append(baseline["rps"])
                    pages[f"{mode} {page}"] = {
                        "rps": round(result["rps"], 1),
                        "p95_ms": result["p95"],
                        "ratio": round(result["rps"] / baseline["rps"], 3),
                        "errors": result["errors"],
                        "baseline_rps": round(baseline["rps"], 1),
                    }
            finally:
                stop(server)
    finally:
        stop(trivial)
    return {"baseline_rps": round(sum(baselines) / len(baselines), 1), "pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
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
        f"workers; wrk -t2 -c{args.connections} for {args.seconds}s per row"
    )
    print(f"trivial Django view  {result['baseline_rps']:8,.0f} req/s  (mean of the baselines)")
    for name, page in result["pages"].items():
        verdict = "ok" if page["ratio"] >= TARGETS[name] else "BELOW TARGET"
        print(
            f"{name:<20} {page['rps']:8,.0f} req/s  {page['ratio']:5.2f}x of "
            f"{page['baseline_rps']:,.0f}  p95 {page['p95_ms']:7.1f} ms  errors {page['errors']}  "
            f"(target {TARGETS[name]:.2f}x: {verdict})"
        )


if __name__ == "__main__":
    main()
