"""Load over real HTTP: the day page, paper pages and search, against `serve --prod`.

    python bench/load.py [--sizes 100000 1000000] [--databases sqlite postgres]
                         [--workers 4] [--seconds 10] [--connections 32]

For each size it reuses (or makes) bench/search_latency.py's corpus: the generated snapshot,
its SQLite database and its search index. For PostgreSQL it starts a private server from the
Debian package under --workdir (common.postgres_url: .ci/postgres.sh on $PGPORT_TESTS, default
55433) and imports the same snapshot into a database per size, searching the same index.
200 papers go on today's list.
wrk (Debian's `wrk`) drives each endpoint with --connections connections; paper pages rotate
over 500 papers and searches over 2,000 distinct queries, so caches cannot answer most of them.
Targets (issue 7): cached day page >= 1,000 req/s, search >= 150 req/s at 1M, zero errors.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from common import WRK_REPORT, postgres_url, run_wrk, start_gunicorn
from search_latency import prepare as prepare_corpus

ROOT = Path(__file__).resolve().parent.parent
LISTED = 200
WRK_ROTATE = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local i = 0
init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%%x+)"), 16) %% 100000)
  i = math.random(#paths)
end
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def dailypapers(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "dailypapers.cli", *args],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def prepare_database(env: dict, snapshot: Path, marker: Path) -> None:
    """Migrate and import the snapshot once (the marker file records that it finished)."""
    if marker.exists():
        return
    dailypapers(env, "migrate", "-v0")
    started = time.perf_counter()
    dailypapers({**env, "DAILYPAPERS_INDEX_ON_IMPORT": "0"}, "import", str(snapshot))
    marker.write_text(json.dumps({"import_seconds": time.perf_counter() - started}))


LIST_TODAY = f"""
import django
django.setup()
from django.utils import timezone
from dailypapers.feed.hotness import hotness
from dailypapers.feed.models import DailyEntry
from dailypapers.feed.generation import bump_generation
from dailypapers.papers.models import Paper
now = timezone.now()
ids = list(Paper.objects.order_by("-published").values_list("arxiv_id", flat=True)[:{LISTED}])
DailyEntry.objects.exclude(day=now.date()).delete()
DailyEntry.objects.bulk_create(
    [DailyEntry(paper_id=i, day=now.date(), submitted_at=now, hotness=hotness(0, now))
     for i in ids],
    ignore_conflicts=True,
)
bump_generation()
print("\\n".join(Paper.objects.order_by("?").values_list("arxiv_id", flat=True)[:500]))
"""


def list_today(env: dict) -> list[str]:
    """Put the newest papers on today's list; returns 500 random paper ids."""
    done = subprocess.run(
        [sys.executable, "-c", LIST_TODAY],
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "dailypapers.settings"},
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.split()


def search_queries(home: Path, count: int = 2000) -> list[str]:
    """Distinct two- and three-word queries (URL-encoded) from the corpus's title vocabulary."""
    import sqlite3

    with sqlite3.connect(home / "dailypapers.sqlite3") as db:
        titles = [t for (t,) in db.execute("SELECT title FROM papers_paper LIMIT 5000")]
    words = sorted({w.lower() for t in titles for w in re.findall(r"[A-Za-z]{4,}", t)})
    rng = random.Random(11)
    queries = {" ".join(rng.sample(words, rng.choice((2, 3)))) for _ in range(count * 2)}
    return [urllib.parse.quote_plus(q) for q in sorted(queries)[:count]]


def drive(base: str, paths: list[str], seconds: int, connections: int, scratch: Path) -> dict:
    paths_file = scratch / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    script = scratch / "rotate.lua"
    script.write_text(WRK_ROTATE % {"paths": paths_file} + WRK_REPORT)
    for path in paths[:8]:  # every worker answers once before the clock starts
        subprocess.run(["curl", "-s", "-o", "/dev/null", base + path], check=False)
    return run_wrk(base, script, seconds, connections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "out" / "search")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out" / "load")
    args = parser.parse_args()
    for tool in ("wrk", "curl"):
        if not shutil.which(tool):
            raise SystemExit(f"bench/load.py needs {tool}: apt-get install {tool}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(
        f"serve --prod with {args.workers} workers; wrk -c{args.connections} for "
        f"{args.seconds}s per row; {os.cpu_count()} cores"
    )
    print(
        f"{'database':<9} {'papers':>9}  {'endpoint':<26} {'req/s':>8} {'p95 ms':>8} {'errors':>6}"
    )
    for size in args.sizes:
        corpus = args.corpus / str(size)
        prepare_corpus(corpus, size)  # snapshot, SQLite database, index (reused when present)
        home = corpus / "home"
        queries = search_queries(home)
        for database in args.databases:
            env = {
                "DAILYPAPERS_HOME": str(home),
                "DAILYPAPERS_SEARCH_INDEX": str(home / "search"),
                # One client address sends every request here; a real crowd has many.
                "DAILYPAPERS_API_RATE_PER_IP": "100000000",
            }
            if database == "postgres":
                env["DATABASE_URL"] = postgres_url(args.workdir, f"dailypapers_{size}")
                marker = args.workdir / f"postgres-{size}.json"
                prepare_database(env, corpus / "snapshot.jsonl", marker)
            paper_ids = list_today(env)
            server, base = start_gunicorn(home, args.workers, "/about", **env)
            try:
                rows = [
                    ("day page (cached)", ["/"], 1000),
                    ("paper pages (500)", [f"/papers/{i}" for i in paper_ids], None),
                    ("search page (2,000 q)", [f"/search?q={q}" for q in queries], 150),
                    (
                        "search API (2,000 q)",
                        [f"/api/papers/search?limit=20&q={q}" for q in queries],
                        150,
                    ),
                ]
                for name, paths, target in rows:
                    result = drive(base, paths, args.seconds, args.connections, args.workdir)
                    verdict = ""
                    if target and (size >= 1_000_000 or "day" in name):
                        verdict = "ok" if result["rps"] >= target else "BELOW TARGET"
                        verdict = f"(target {target:,}: {verdict})"
                    print(
                        f"{database:<9} {size:>9,}  {name:<26} {result['rps']:8,.0f} "
                        f"{result['p95']:8.1f} {result['errors']:6d} {verdict}",
                        flush=True,
                    )
            finally:
                server.terminate()
                server.wait()


if __name__ == "__main__":
    main()
