"""Search speed at scale: latency per query class, index build rate, size and memory,
against three baselines (SQLite FTS5 ORDER BY bm25, bm25s, a numpy scan of the vectors).

    python bench/search_latency.py --sizes 100000 1000000 2700000 [--workdir DIR]
        [--neural-stand-in] [--home HOME]

Each size gets a folder under --workdir with its snapshot, database and index; finished steps
are reused, so a long run can be resumed. The snapshot is imported as a bulk load, with
DAILYPAPERS_AUTHORS_ON_IMPORT=0: author identities are not resolved (the search reads none).
Targets (issue 4): p95 <= 20 ms at 1M and <= 30 ms at 2.7M for every query class; index
build >= 1,500 papers/s; resident memory <= 4 GB at 2.7M.

The build line gives `reindex`'s wall and CPU time, then each phase as `reindex` prints it
(links; index; swap; since session 12 no authors, which `dailypapers authors` resolves), then
the HNSW graph that `reindex --incremental` builds after it, in the background, timed apart and
before any query; and the baselines' own build rates beside their latencies.

Last measured 30 November 2026, session 15 (docs/search.md), with --neural-stand-in: 100k
rebuilt in the run (`reindex` 2,044 papers/s) and session 11's 1M home (int8 rows) with
`--home`, in one run with the three baselines: p95 at most 15.9 ms at 100k and 18.2 ms at
1M (3-5 terms, phrases); search process 1,769 MiB at 1M. At 2.7M (`--home`, no baselines)
3,862 MiB after the queries, p95 8.4-31.5 ms.
"""

import argparse
import json
import os
import random
import re
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from common import resident, start_gunicorn
from corpus import write_snapshot

ROOT = Path(__file__).resolve().parent.parent
CLASSES = ("rare term", "common term", "3-5 terms", "phrase", "filtered", "semantic-only")


def run(home: Path, *args: str, env_extra=None) -> dict:
    """Runs a command; its wall and CPU seconds, the load average before it, and its
    output."""
    env = {**os.environ, "DAILYPAPERS_HOME": str(home), "DAILYPAPERS_INDEX_ON_IMPORT": "0"}
    env.update(env_extra or {})
    env.pop("DATABASE_URL", None)
    load = os.getloadavg()[0]
    before = os.times()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "dailypapers.cli", *args],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    after = os.times()
    cpu = after.children_user + after.children_system
    cpu -= before.children_user + before.children_system
    return {"seconds": time.perf_counter() - started, "cpu": cpu, "load": load, "out": done.stdout}


# `reindex` prints one line per phase (papers/progress.Phases).
PHASE = re.compile(r"^phase (.+?): ([\d.]+) s wall, ([\d.]+) s CPU", re.MULTILINE)


def prepare(folder: Path, size: int) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    facts_file = folder / "facts.json"
    facts = json.loads(facts_file.read_text()) if facts_file.exists() else {}
    snapshot = folder / "snapshot.jsonl"
    home = folder / "home"

    def save() -> None:  # after each step, so a stopped run resumes at the next one
        facts_file.write_text(json.dumps(facts))

    if "generated" not in facts:
        write_snapshot(snapshot, size, seed=size)
        facts["generated"] = True
        save()
    if "import_seconds" not in facts:
        run(home, "migrate", "-v0")
        # A bulk load: identities are left to `dailypapers authors` (the search reads none);
        # resolving them batch by batch took a 1M import to hours (docs/authors.md).
        imported = run(
            home, "import", str(snapshot), env_extra={"DAILYPAPERS_AUTHORS_ON_IMPORT": "0"}
        )
        facts["import_seconds"] = imported["seconds"]
        save()
    if "build_seconds" not in facts:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        build = run(home, "reindex")
        facts["build_seconds"] = build["seconds"]
        facts["build_cpu_seconds"] = build["cpu"]
        facts["build_load"] = build["load"]
        facts["build_peak_rss_mb"] = (
            max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        )
        facts["build_phases"] = [
            (name, float(wall), float(cpu)) for name, wall, cpu in PHASE.findall(build["out"])
        ]
        save()
    if "graph_seconds" not in facts:
        # The HNSW graph is built after the swap, in the background (`reindex
        # --incremental` from a timer); timed apart, and before the queries measure it.
        graph = run(home, "reindex", "--incremental")
        facts["graph_seconds"] = graph["seconds"]
        facts["graph_cpu_seconds"] = graph["cpu"]
        facts["graph_load"] = graph["load"]
    facts["index_mb"] = (
        sum(f.stat().st_size for f in (home / "search").rglob("*") if f.is_file()) / 2**20
    )
    save()
    return facts


def rate(papers: int, seconds: float) -> str:
    """Papers a second, or "-" for a phase too short to time (the swap: a few ms)."""
    return f"{papers / seconds:,.0f}" if seconds >= 0.05 else "-"


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return pick(0.5) * 1000, pick(0.95) * 1000, pick(0.99) * 1000


def use_home(home: Path) -> None:
    """Set this process up as a site whose DAILYPAPERS_HOME is home (once per process:
    Django's settings are per process, so each measurement runs in a child of its own)."""
    os.environ["DAILYPAPERS_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dailypapers.settings"
    import django

    django.setup()


def query_sets(per_class: int) -> tuple[dict[str, list], list[str]]:
    """The timed queries of each class (text, filters, mode), and the warm-up's texts, drawn
    from 2,000 titles. The same every run over one home, titles included, so an A/B of two
    code lines times the same queries (until session 15 the titles came from ORDER BY
    RANDOM()). The titles are picked by a hash of the row id in SQL: a list of every id in
    this process would stay in its memory figure."""
    from datetime import date

    from django.db import connection

    from dailypapers.papers.models import Paper

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT title FROM {Paper._meta.db_table} "
            "ORDER BY (rowid * 2654435761) % 4294967311, rowid LIMIT 2000"
        )
        titles = [title for (title,) in cursor.fetchall()]
    rng = random.Random(5)
    words = [w.lower() for t in titles for w in re.findall(r"[A-Za-z]{4,}", t)]
    by_count: dict[str, int] = {}
    for w in words:
        by_count[w] = by_count.get(w, 0) + 1
    ranked = sorted(by_count, key=lambda w: (-by_count[w], w))
    rare = [w for w in ranked if by_count[w] == 1] or ranked
    queries = {
        "rare term": [(rng.choice(rare), {}, "hybrid") for _ in range(per_class)],
        "common term": [
            (rng.choice(["learning", "model", "network", "data", "method"]), {}, "hybrid")
            for _ in range(per_class)
        ],
        "3-5 terms": [
            (" ".join(rng.sample(ranked[:3000], rng.randint(3, 5))), {}, "hybrid")
            for _ in range(per_class)
        ],
        "phrase": [],
        "filtered": [
            (
                " ".join(rng.sample(ranked[:500], 2)),
                {"category": "cs.LG", "published_from": date(2017, 1, 1)},
                "hybrid",
            )
            for _ in range(per_class)
        ],
        "semantic-only": [
            (" ".join(rng.sample(ranked[:3000], 3)), {}, "semantic") for _ in range(per_class)
        ],
    }
    for title in rng.sample(titles, per_class):
        parts = title.lower().split()
        start = rng.randrange(max(1, len(parts) - 1))
        queries["phrase"].append((f'"{" ".join(parts[start : start + 2])}"', {}, "hybrid"))
    # The warm-up's own queries: a serving process is warm, and the first touches of a
    # multi-GiB memory map measure the disk, not the search.
    warm_rng = random.Random(6)
    warm = []
    for _ in range(per_class):
        warm.append(" ".join(warm_rng.sample(ranked[:3000], 3)))
        warm.append(warm_rng.choice(rare))
        words = warm_rng.choice(titles).lower().split()[:2]
        warm.append(f'"{" ".join(words)}"')
    return queries, warm


def measure(home: Path, per_class: int) -> dict:
    """Runs inside a fresh process so its memory figure is the search process's own."""
    use_home(home)
    from dailypapers.search import index
    from dailypapers.search.query import compile_query
    from dailypapers.search.service import ranked_ids

    queries, warm = query_sets(per_class)
    folder = index.open_index.get()
    loaded = resident()
    for text in warm:  # untimed
        ranked_ids(compile_query(text), 20)
    report = {"papers": folder.count}
    cpu = {}
    for name in CLASSES:
        samples = []
        cpu_started = time.process_time()
        for text, filters, mode in queries[name]:
            started = time.perf_counter()
            ranked_ids(compile_query(text, **filters), 20, mode)
            samples.append(time.perf_counter() - started)
        report[name] = percentiles(samples)
        cpu[name] = 1000 * (time.process_time() - cpu_started) / len(samples)
    report["cpu_ms"] = cpu
    report["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["resident"] = {"index open": loaded, "after the queries": resident()}
    report["baseline_queries"] = [
        q for name in ("common term", "3-5 terms") for q, _, _ in queries[name]
    ]
    return report


def neural_stand_in(home: Path) -> int:
    """Bench-only: a neural row for every paper of the home's index that has none (random
    unit rows, written through the folder's one neural writer with each paper's current
    content hash), so that each hybrid query pays MiniLM's query embedding and the neural
    fusion, as on a site whose `embed-neural` has caught up: hours of MiniLM at 1M. For
    latency and memory only: the rows are not MiniLM's. Returns how many rows it wrote."""
    use_home(home)
    import numpy as np

    from dailypapers.search import index
    from dailypapers.search.neural import DIMENSIONS

    folder = index.open_index.get()
    if folder.has_neural_rows:
        return 0
    rng = np.random.default_rng(1)
    with folder.locked() as fresh:
        for start in range(0, fresh.count, 100_000):
            ordinals = list(range(start, min(fresh.count, start + 100_000)))
            rows = rng.standard_normal((len(ordinals), DIMENSIONS)).astype(np.float32)
            hashes = [bytes(h).rstrip(b"\0").decode() for h in fresh.hashes[ordinals]]
            fresh.write_neural(ordinals, rows, hashes)
        fresh.record_neural_fusion()
        fresh.save_meta()
    return folder.count


def measure_baseline(home: Path, name: str, texts: list[str]) -> tuple:
    use_home(home)
    from dailypapers.search import index
    from dailypapers.search.query import compile_query

    return BASELINES[name](home, index.open_index.get(), texts, compile_query)


def fts5_baseline(home, folder, texts, compile_query) -> tuple:
    """p50, p95, p99 and the build rate in papers/s (None when the table was built before)."""
    db = sqlite3.connect(home / "fts5.sqlite3")
    rate = None
    if not db.execute("SELECT name FROM sqlite_master WHERE name='papers_fts'").fetchone():
        started = time.perf_counter()
        db.execute(
            "CREATE VIRTUAL TABLE papers_fts USING fts5(arxiv_id UNINDEXED, title, abstract, "
            "tokenize='porter')"
        )
        db.execute(f"ATTACH '{home / 'dailypapers.sqlite3'}' AS main_db")
        db.execute(
            "INSERT INTO papers_fts SELECT arxiv_id, title, abstract FROM main_db.papers_paper"
        )
        db.commit()
        rate = folder.count / (time.perf_counter() - started)
    samples = []
    for text in texts:
        match = " OR ".join(compile_query(text).terms) or "x"
        started = time.perf_counter()
        db.execute(
            "SELECT arxiv_id FROM papers_fts WHERE papers_fts MATCH ? ORDER BY bm25(papers_fts) "
            "LIMIT 20",
            (match,),
        ).fetchall()
        samples.append(time.perf_counter() - started)
    return (*percentiles(samples), rate)


def bm25s_baseline(home, folder, texts, compile_query) -> tuple:
    import bm25s

    from dailypapers.papers.models import Paper

    started = time.perf_counter()
    corpus = [
        f"{t} {a}" for t, a in Paper.objects.values_list("title", "abstract").iterator(10_000)
    ]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False
    )
    rate = len(corpus) / (time.perf_counter() - started)
    del corpus
    samples = []
    for text in texts:
        tokens = bm25s.tokenize([text], stopwords="en", show_progress=False)
        started = time.perf_counter()
        retriever.retrieve(tokens, k=20, show_progress=False)
        samples.append(time.perf_counter() - started)
    return (*percentiles(samples), rate)


def numpy_baseline(home, folder, texts, compile_query) -> tuple:
    import numpy as np

    from dailypapers.search.embeddings import embedder

    matrix = folder.vectors_of(np.arange(folder.count))  # unit float32 rows
    samples = []
    for text in texts:
        started = time.perf_counter()
        vector = embedder().encode([text])[0]
        scores = matrix @ vector
        np.argpartition(-scores, 20)[:20]
        samples.append(time.perf_counter() - started)
    return (*percentiles(samples), None)  # it has no index to build


BASELINES = {"fts5": fts5_baseline, "bm25s": bm25s_baseline, "numpy": numpy_baseline}


def http_latency(home: Path, requests: int = 200) -> tuple:
    import urllib.parse
    import urllib.request

    server, base = start_gunicorn(home, 2, "/api/papers/search?q=warm")
    try:
        rng = random.Random(9)
        words = ["learning", "model", "graph", "quantum", "neural", "theory", "data", "network"]
        samples = []
        for _ in range(requests):
            query = urllib.parse.urlencode({"q": " ".join(rng.sample(words, 2)), "limit": 20})
            started = time.perf_counter()
            urllib.request.urlopen(f"{base}/api/papers/search?{query}", timeout=10).read()
            samples.append(time.perf_counter() - started)
        return percentiles(samples)
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out" / "search")
    parser.add_argument("--queries", type=int, default=40, help="queries per class")
    parser.add_argument("--baselines", default="fts5,bm25s,numpy")
    parser.add_argument(
        "--home",
        type=Path,
        action="append",
        default=[],
        help="also measure a DAILYPAPERS_HOME built elsewhere, e.g. by bench/recommend.py "
        "--scale --parts build (its 2.7M corpus), without a build rate",
    )
    parser.add_argument(
        "--neural-stand-in",
        action="store_true",
        help="give every paper a stand-in neural row before the queries (random rows, "
        "for latency and memory: as a site whose embed-neural has caught up)",
    )
    parser.add_argument("--stand-in", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", help=argparse.SUPPRESS)
    args = parser.parse_args()
    baselines = [b for b in args.baselines.split(",") if b]
    if args.measure and args.baseline:
        texts = json.loads(sys.stdin.read())
        print(json.dumps(measure_baseline(args.measure, args.baseline, texts)))
        return
    if args.measure:
        print(json.dumps(measure(args.measure, args.queries)))
        return
    if args.stand_in:
        print(json.dumps(neural_stand_in(args.stand_in)))
        return
    for size in args.sizes:
        folder = args.workdir / str(size)
        facts = prepare(folder, size)
        print(f"\n== {size:,} papers ==")
        print(
            f"import {facts['import_seconds']:.0f}s; `reindex` {facts['build_seconds']:.0f}s = "
            f"{size / facts['build_seconds']:,.0f} papers/s (target 1,500); "
            f"{facts['build_cpu_seconds']:,.0f}s CPU = "
            f"{size / facts['build_cpu_seconds']:,.0f} papers per CPU-second; load average "
            f"{facts['build_load']:.1f} before; build peak RSS "
            f"{facts['build_peak_rss_mb']:,.0f} MiB; index on disk {facts['index_mb']:,.0f} MiB"
        )
        phases = facts.get("build_phases", []) + [
            (
                "then in the background: HNSW graph",
                facts["graph_seconds"],
                facts["graph_cpu_seconds"],
            )
        ]
        for name, wall, cpu in phases:
            print(
                f"  {name:<36} {wall:7.1f}s wall {rate(size, wall):>9} papers/s "
                f"{cpu:7.1f}s CPU {rate(size, cpu):>9} papers per CPU-second"
            )
        if args.neural_stand_in:
            give_neural_stand_in(folder / "home")
        measure_home(
            folder / "home",
            args.queries,
            baselines,
            http=size <= 100_000,
            build_rate=size / facts["build_seconds"],
        )
    for home in args.home:
        print(f"\n== {home} (built elsewhere: no build rate) ==")
        if args.neural_stand_in:
            give_neural_stand_in(home)
        measure_home(home, args.queries, baselines, http=False)


def in_child(*args: str):
    """This script run again with args, in a process of its own: what it printed last, as
    JSON."""
    done = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def give_neural_stand_in(home: Path) -> None:
    """neural_stand_in() in a process of its own (Django settings are per process)."""
    written = in_child("--stand-in", str(home))
    print(f"neural stand-in rows: {written:,} written" if written else "neural rows: present")


def measure_home(
    home: Path, queries: int, baselines: list[str], http: bool, build_rate: float | None = None
) -> None:
    """Latency per query class and the search process's memory, in a fresh process; then each
    baseline in its own."""
    report = in_child("--measure", str(home), "--queries", str(queries))
    memory = "; ".join(
        f"{when} {mb['VmRSS']:,.0f} ({mb['RssAnon']:,.0f} own + {mb['RssFile']:,.0f} mapped)"
        for when, mb in report["resident"].items()
    )
    print(
        f"search process at {report['papers']:,} papers, resident MiB: {memory}; peak "
        f"{report['rss_mb']:,.0f} (target <= 4 GB at 2.7M); load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'query class':<15} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'CPU ms':>8}")
    for name in CLASSES:
        p50, p95, p99 = report[name]
        print(f"{name:<15} {p50:8.1f} {p95:8.1f} {p99:8.1f} {report['cpu_ms'][name]:8.1f}")
    ours = max(report[c][1] for c in ("common term", "3-5 terms"))
    for name in baselines:
        # Each baseline in its own process: one that runs out of memory is reported, not fatal.
        done = subprocess.run(
            [sys.executable, __file__, "--measure", str(home), "--baseline", name],
            input=json.dumps(report["baseline_queries"]),
            capture_output=True,
            text=True,
        )
        if done.returncode:
            reason = (done.stderr.strip().splitlines() or ["killed"])[-1][:200]
            print(f"baseline {name:<6} failed (exit {done.returncode}): {reason}")
            continue
        p50, p95, p99, rate = json.loads(done.stdout.strip().splitlines()[-1])
        built = ""
        if rate and build_rate:
            built = f"; its index built at {rate:,.0f} papers/s = {rate / build_rate:,.2f}x ours"
        print(
            f"baseline {name:<6} p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms "
            f"(p95 {p95 / ours:,.1f}x ours on common and multi-term queries{built})"
        )
    if http:
        p50, p95, p99 = http_latency(home)
        print(f"HTTP /api/papers/search: p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
