"""Speed and memory of "for you" at scale (issue 13), run by `bench/recommend.py --scale`.

    nice python bench/recommend.py --scale --papers 1000000 --home /tmp/rec-1m --parts build
    python bench/recommend.py --scale --papers 1000000 --home /tmp/rec-1m \
        [--subscribers 100000] [--parts foryou,digests,memory]

Last measured 29 November 2026 (docs/recommendations.md; 2 shared cores at load 11-20): at 1M
the /for-you engine p95 59.6 ms wall, 11.2 ms CPU a request; a fresh process 415 MB resident
(218 own + 197 mapped), peak 460 (100k: 357, peak 375). 2.7M not built yet (~40 min of CPU).

The corpus is bench/corpus.py's synthetic snapshot (numpy-drawn: 1M records in ~2 minutes),
streamed straight into an index folder (random unit vectors instead of wordllama's: the
recommender reads stored vectors only, and embedding speed is the search bench's business),
with its HNSW graph and its lexical rows; the last --day-papers are published on the newest
day, the rest of --window-papers over the six days before, the others 3,000 a day further
back. The database holds every paper: the window's and a pool of --pool older ones (the
libraries are drawn from it) through the papers store's write path, the rest through a
bench-only bulk insert (`_bulk_insert`). --home keeps all of it, and a rerun reuses or
completes what is built (`--parts build` only builds), so a 1M corpus is built once and
measured many times.

Parts:
- foryou: a user with 200 saved papers, the week's window: the engine call behind /for-you,
  and the /for-you page itself (Django's test client, in process), p50/p95; baseline: the
  window's first request after an index change (the held window built again).
- digests: --subscribers accounts with 20-200 saved papers each and "papers for you" on, the
  real `send-digests --period daily` in a subprocess, to a local aiosmtpd sink that discards
  (aiosmtpd on uvloop, bench/digests.py's); first its --dry-run (every digest composed, the
  "for you" ranking included, nothing sent: issue 13's "without SMTP"), then the real send in
  each of --processes processes (2 SMTP connections each); wall, CPU of the commands and of
  the sink, load average. Baseline in the same run: ranking 1,000 of those libraries one
  request at a time vs the batch path.
- memory: a fresh process that opens the index, runs searches, a /for-you ranking and a
  digest batch: its peak RSS (the search process's budget: 4 GB at 2.7M papers).
"""

import hashlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import resident
from corpus import arxiv_id_of

NEWEST = datetime(2026, 11, 27, 12, tzinfo=UTC)  # a Friday: a daily digest goes out for it
CHUNK = 2000


def setup_django(home: Path) -> None:
    os.environ["DAILYPAPERS_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dailypapers.settings"
    os.environ["DAILYPAPERS_INDEX_ON_IMPORT"] = "0"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


def published(args, n: int) -> datetime:
    """Record n of the snapshot: the last ones are the newest."""
    age = args.papers - 1 - n
    if age < args.day_papers:
        days = 0
    elif age < args.window_papers:
        span = max(1, args.window_papers - args.day_papers)
        days = 1 + 6 * (age - args.day_papers) // span
    else:
        days = 7 + (age - args.window_papers) // 3000
    return NEWEST - timedelta(days=days)


def records(args, snapshot: Path, start: int = 0):
    """(n, record) of the corpus, streamed: the snapshot's records, or with --texts-from,
    that snapshot's records over and over, each with the id of its place (as corpus.py
    numbers them)."""
    if not args.texts_from:
        with snapshot.open() as lines:
            for n, line in enumerate(lines):
                if n >= start:
                    yield n, json.loads(line)
        return
    n = 0
    while True:
        with args.texts_from.open() as lines:
            for line in lines:
                if n >= args.papers:
                    return
                if n >= start:
                    yield n, {**json.loads(line), "id": arxiv_id_of(n)}
                n += 1


def build(args, home: Path) -> None:
    from corpus import write_snapshot

    from dailypapers.search import index

    home.mkdir(parents=True, exist_ok=True)
    snapshot = home / "corpus.jsonl"
    if not snapshot.exists() and not args.texts_from:
        started = time.perf_counter()
        write_snapshot(home / "corpus.partial", args.papers).rename(snapshot)
        seconds = time.perf_counter() - started
        print(f"generated {args.papers:,} papers in {seconds:.0f}s", flush=True)
    if not index.current_link().exists():
        _index(args, snapshot)
    _lexical_rows(args, snapshot)
    _database(args, snapshot)
    _hnsw()


def _index(args, snapshot: Path) -> None:
    from dailypapers.search import index
    from dailypapers.search.folder import IndexFolder
    from dailypapers.search.schema import PaperDoc

    def chunks():
        chunk = []
        for n, record in records(args, snapshot):
            day = published(args, n)
            chunk.append(
                PaperDoc(
                    record["id"],
                    record["title"],
                    record["abstract"],
                    [],
                    record["categories"].split(),
                    day,
                    day,
                    "",
                )
            )
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    started = time.perf_counter()
    index.root().mkdir(parents=True, exist_ok=True)
    embedder = RandomEmbedder()
    folder = IndexFolder.create(index.root() / f"build-scale-{os.getpid()}", embedder)
    folder.bulk_load(chunks(), embedder, progress=_progress("indexed", args.papers, started))
    index.open_index.swap_in(folder.path)
    print(f"indexed in {time.perf_counter() - started:.0f}s", flush=True)


def _hnsw() -> None:
    """The HNSW graph `reindex --incremental` builds, so that search's memory and speed can be
    measured on this folder too (`bench/search_latency.py --home`)."""
    from dailypapers.search import index

    folder = index.open_index.get()
    if not folder.graph_pending:
        return
    started = time.perf_counter()
    folder.extend_hnsw()
    print(f"HNSW graph in {time.perf_counter() - started:.0f}s", flush=True)


def _lexical_rows(args, snapshot: Path) -> None:
    """The rows the first request after a build would add, from the snapshot in order (the
    database holds only some of the papers)."""
    from dailypapers.recommend.features import LexicalFeatures
    from dailypapers.search import index

    features = LexicalFeatures(index.open_index.get())
    if features.is_current():
        return
    stream = records(args, snapshot, start=features.count)

    def texts(ids: list[str]) -> dict:
        found = {}
        for arxiv_id in ids:
            n, record = next(stream)
            assert record["id"] == arxiv_id, (n, record["id"], arxiv_id)
            found[arxiv_id] = (record["title"], record["abstract"], published(args, n).date())
        return found

    started = time.perf_counter()
    added = features.extend(texts, progress=_progress("lexical rows", args.papers, started))
    print(
        f"lexical rows for {added:,} papers in {time.perf_counter() - started:.0f}s "
        f"({features.meta['entries']:,} entries, {len(features.vocabulary):,} terms)",
        flush=True,
    )


def _database(args, snapshot: Path) -> None:
    """Every paper of the corpus. The window's papers and the library pool go through the
    store's write path (`upsert_papers`: links and author identities too, as an import
    writes them); the older papers, which no page here shows, go in through the bench's own
    fast path (`_bulk_insert`), so that the database is the corpus's size."""
    from django.core.management import call_command

    from dailypapers.papers.models import Paper
    from dailypapers.papers.store import upsert_papers

    call_command("migrate", verbosity=0)
    first = args.papers - args.window_papers - args.pool
    if Paper.objects.count() >= args.papers:
        return
    started = time.perf_counter()
    _bulk_insert(args, snapshot, first)
    batch = []
    for n, record in records(args, snapshot, start=first):
        batch.append(_record_of(args, n, record))
        if len(batch) == CHUNK:
            upsert_papers(batch)
            batch = []
    if batch:
        upsert_papers(batch)
    print(
        f"database: {Paper.objects.count():,} papers (of which the window and a pool of "
        f"{args.pool:,} for libraries through the store) in {time.perf_counter() - started:.0f}s",
        flush=True,
    )


def _bulk_insert(args, snapshot: Path, stop: int) -> None:
    """Records 0..stop as rows of the papers table, 20,000 a transaction, in one executemany
    each: a bench-only fast path for new rows of a fresh database, without the store's
    validation, version checks and papers_written receivers (links, author identities), and
    with a digest of the snapshot line as content hash (this index has none to compare).
    Measured: the store path writes ~300-400 papers a second at load 15-18 (40+ minutes for
    1M); this one ~20x faster. A rerun resumes after the last committed transaction (ids
    sort in record order)."""
    from django.db import connection, transaction

    from dailypapers.papers.models import Paper
    from dailypapers.papers.store import STORED_FIELDS

    done = Paper.objects.filter(arxiv_id__lt=arxiv_id_of(stop)).count() if stop else 0
    if done >= stop:
        return
    fields = [Paper._meta.get_field(name) for name in ["arxiv_id", *STORED_FIELDS]]
    table = connection.ops.quote_name(Paper._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    insert = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    stored_day = {}  # a day as the datetime column stores it (a few hundred distinct days)

    def day_of(n: int):
        day = published(args, n)
        if day not in stored_day:
            stored_day[day] = Paper._meta.get_field("published").get_db_prep_save(day, connection)
        return stored_day[day]

    now = Paper._meta.get_field("imported_at").get_db_prep_save(datetime.now(UTC), connection)
    started = time.perf_counter()
    progress = _progress("database, older papers", stop, started)
    rows = []
    for n, record in records(args, snapshot, start=done):
        if n >= stop:
            break
        day = day_of(n)
        categories = record["categories"].split()
        authors = [f"{first} {last}".strip() for last, first, _ in record["authors_parsed"]]
        text = f"{record['title']}\n{record['abstract']}".encode()
        rows.append(
            (record["id"], 1, record["title"], record["abstract"], json.dumps(authors))
            + (json.dumps(categories), categories[0], day, day, "", "", "", "", False)
            + (hashlib.blake2b(text, digest_size=16).hexdigest(), now)
        )
        if len(rows) == 20_000 or n == stop - 1:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(insert, rows)
            rows = []
            progress(n + 1)


def _record_of(args, n: int, record: dict):
    from dailypapers.papers.records import build_record

    day = published(args, n)
    return build_record(
        arxiv_id=record["id"],
        version=1,
        title=record["title"],
        abstract=record["abstract"],
        authors=[f"{first} {last}".strip() for last, first, _ in record["authors_parsed"]],
        categories=record["categories"].split(),
        primary_category=record["categories"].split()[0],
        published=day,
        updated=day,
    )


def _progress(what: str, total: int, started: float):
    """A log line every 10% (benches run unattended; their output goes to files)."""
    step = max(1, total // 10)
    state = {"next": step}

    def report(done: int) -> None:
        if done >= state["next"]:
            state["next"] += step
            rate = done / max(1e-9, time.perf_counter() - started)
            print(f"  {what}: {done:,}/{total:,} ({rate:,.0f}/s)", flush=True)

    return report


class RandomEmbedder:
    """Random unit vectors, recorded under the configured model's name: the index refuses a
    folder built by another model (search/index.py), and the recommender reads only the
    stored vectors. 256 dimensions, wordllama's (the default)."""

    dimensions = 256

    def __init__(self):
        import numpy as np
        from django.conf import settings

        from dailypapers.search.embeddings import model_name

        self.name = model_name(settings.SEARCH_EMBEDDING_MODEL)
        self.np = np
        self.rng = np.random.default_rng(13)

    def encode(self, texts: list[str]):
        vectors = self.rng.standard_normal((len(texts), self.dimensions)).astype("float32")
        return vectors / self.np.linalg.norm(vectors, axis=1, keepdims=True)


def pool_ids(args) -> list[str]:
    """The library pool's arXiv ids: the --pool papers just older than the window (written
    through the store). Libraries drawn from the whole corpus instead touch rows all over
    the index files (docs/recommendations.md measures both)."""
    from dailypapers.papers.models import Paper

    first = arxiv_id_of(args.papers - args.window_papers - args.pool)
    newest_older = (NEWEST - timedelta(days=7)).date()
    return sorted(
        Paper.objects.filter(arxiv_id__gte=first, published__date__lte=newest_older).values_list(
            "arxiv_id", flat=True
        )
    )


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- for you --------------------------------------------------------------------------------


def for_you(args) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from dailypapers.library.models import SavedPaper
    from dailypapers.papers.models import Paper
    from dailypapers.recommend.engine import Ranker, Window, recommend
    from dailypapers.recommend.features import LexicalFeatures
    from dailypapers.search import index

    folder = index.open_index.get()
    features = LexicalFeatures(folder)
    rng = random.Random(13)
    pool = pool_ids(args)
    week = Window((NEWEST - timedelta(days=6)).date(), NEWEST.date())
    recommend(folder, rng.sample(pool, 200), window=week, limit=20)  # the window's first
    latencies, cpu = [], time.process_time()
    for _ in range(args.requests):
        library = rng.sample(pool, 200)
        began = time.perf_counter()
        found = recommend(folder, library, window=week, limit=20)
        latencies.append(1000 * (time.perf_counter() - began))
    cpu = 1000 * (time.process_time() - cpu) / args.requests
    assert len(found) == 20 and all(r.because and r.terms for r in found)
    cold = []
    for _ in range(3):
        began = time.perf_counter()
        window_size = len(Ranker(folder, features, week).candidates)
        cold.append(1000 * (time.perf_counter() - began))
    print(
        f"/for-you ranking (engine), 200 saved papers, week window of {window_size:,} in "
        f"{folder.count:,}: p50 {percentile(latencies, 0.5):.1f} ms, p95 "
        f"{percentile(latencies, 0.95):.1f} ms (target p95 <= 100 ms), {cpu:.1f} ms CPU; "
        f"baseline, the window's first request after an index change: +"
        f"{statistics.median(cold):.0f} ms; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )

    user, _ = get_user_model().objects.get_or_create(username="bench-for-you")
    SavedPaper.objects.filter(user=user).delete()
    SavedPaper.objects.bulk_create(SavedPaper(user=user, paper_id=i) for i in rng.sample(pool, 200))
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    assert client.get("/for-you").status_code == 200
    pages, cpu = [], time.process_time()
    for _ in range(args.requests):
        began = time.perf_counter()
        response = client.get("/for-you")
        pages.append(1000 * (time.perf_counter() - began))
    cpu = 1000 * (time.process_time() - cpu) / args.requests
    assert response.status_code == 200 and b'class="why"' in response.content
    print(
        f"/for-you page (test client, signed in, 200 saved, week, database of "
        f"{Paper.objects.count():,} papers): p50 "
        f"{percentile(pages, 0.5):.1f} ms, p95 {percentile(pages, 0.95):.1f} ms, {cpu:.1f} ms "
        f"CPU; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )


# --- digests --------------------------------------------------------------------------------


def digests(args, home: Path) -> None:
    from digests import forget_subscribers, give_libraries, send, show, start_sink

    from dailypapers.digests.compose import period_for
    from dailypapers.digests.models import Delivery, SentPaper, Subscriber
    from dailypapers.site.serving import free_port

    rng = random.Random(17)
    pool = pool_ids(args)
    started = time.perf_counter()
    if Subscriber.objects.filter(for_you__gt=0).count() != args.subscribers:
        forget_subscribers()
        Subscriber.objects.bulk_create(
            (
                Subscriber(email=f"reader{i}@example.org", frequency="daily")
                for i in range(args.subscribers)
            ),
            batch_size=5000,
        )
        saved = give_libraries(list(Subscriber.objects.values_list("pk", flat=True)), pool, rng)
        print(
            f"{args.subscribers:,} accounts subscribed with papers for you, {saved:,} saved "
            f"papers, in {time.perf_counter() - started:.0f}s",
            flush=True,
        )
    Delivery.objects.all().delete()
    SentPaper.objects.all().delete()

    baseline(args, pool)

    # Without SMTP (issue 13's target): the command's dry run composes every digest, the
    # "for you" ranking included, and sends nothing.
    edition = period_for("daily", NEWEST.date())
    command = [sys.executable, "-m", "dailypapers.cli", "send-digests", "--period", "daily"]
    command += ["--date", NEWEST.date().isoformat(), "--dry-run"]
    load = os.getloadavg()[0]
    before = os.times()
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - began
    after = os.times()
    if done.returncode:
        raise SystemExit(f"send-digests --dry-run failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.children_user + after.children_system) - (
        before.children_user + before.children_system
    )
    print(
        f"send-digests --period daily --dry-run (no SMTP), {args.subscribers:,} subscribers "
        f"with papers for you (5 each) over {args.day_papers:,} new papers: {wall:.0f}s wall "
        f"({wall / 60:.1f} min; target <= 10 min), {cpu:.0f}s CPU "
        f"({1000 * cpu / args.subscribers:.2f} ms a subscriber); load average {load:.1f} "
        f"before, {os.getloadavg()[0]:.1f} after",
        flush=True,
    )

    port = free_port()
    sink = start_sink(port)
    try:
        for processes in [int(p) for p in args.processes.split(",")]:
            run = send(edition, sink, port, processes, workers=2)
            show(run, f"{SentPaper.objects.count():,} papers mailed")
    finally:
        sink.terminate()
        sink.wait()


def baseline(args, pool: list[str]) -> None:
    """1,000 of the run's libraries (same sizes), ranked one request at a time and in
    batches, over the same day."""
    from dailypapers.recommend.engine import Ranker, Window
    from dailypapers.recommend.features import LexicalFeatures
    from dailypapers.search import index

    folder = index.open_index.get()
    day = Window(NEWEST.date(), NEWEST.date())
    ranker = Ranker(folder, LexicalFeatures(folder), day).for_many_users()
    rng = random.Random(19)
    requests = [(rng.sample(pool, rng.randint(20, 200)), [], 10, set()) for _ in range(1000)]
    ranker.rank_many(requests[:10])
    timings = {}
    for name, run in (
        ("one at a time", lambda: [ranker.rank(*request) for request in requests]),
        ("batched", lambda: ranker.rank_many(requests)),
    ):
        began = time.process_time()
        run()
        timings[name] = 1000 * (time.process_time() - began) / len(requests)
    print(
        f"ranking 1,000 digest libraries over {len(ranker.candidates):,} papers: one at a time "
        f"{timings['one at a time']:.2f} ms CPU each (baseline), batched "
        f"{timings['batched']:.2f} ms ({timings['batched'] / timings['one at a time']:.2f}x)",
        flush=True,
    )


# --- memory ---------------------------------------------------------------------------------


def memory(args, home: Path) -> None:
    """Runs in a fresh process (`--parts rss`), so the figure is the search process's."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("recommend.py")), "--scale"]
        + ["--parts", "rss", "--home", str(home), "--papers", str(args.papers)]
        + ["--window-papers", str(args.window_papers), "--pool", str(args.pool)],
        capture_output=True,
        text=True,
        check=True,
    )
    print(done.stdout.strip().splitlines()[-1], flush=True)


def rss(args) -> None:
    from dailypapers.recommend.engine import Window, ranker_for, recommend
    from dailypapers.search import index
    from dailypapers.search.query import compile_query
    from dailypapers.search.service import ranked_ids

    rng = random.Random(23)
    folder = index.open_index.get()
    words = ["network", "learning", "quantum", "graph", "theory", "model", "data", "method"]
    # Keyword searches only: search's own memory, every query class, is measured on this
    # folder by `bench/search_latency.py --home`.
    for _ in range(100):
        ranked_ids(compile_query(" ".join(rng.sample(words, 2))), 20, "keyword")
    searching = resident()
    pool = pool_ids(args)
    week = Window((NEWEST - timedelta(days=6)).date(), NEWEST.date())
    for _ in range(20):
        recommend(folder, rng.sample(pool, 200), window=week, limit=20)
    day = ranker_for(folder, Window(NEWEST.date(), NEWEST.date())).for_many_users()
    day.rank_many([(rng.sample(pool, 100), [], 10, set()) for _ in range(500)])
    recommending = resident()
    size = sum(f.stat().st_size for f in folder.path.rglob("*") if f.is_file()) / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"memory at {folder.count:,} papers (MB, resident: own + mapped index files): after "
        f"100 keyword searches {searching['VmRSS']:,.0f} ({searching['RssAnon']:,.0f} + "
        f"{searching['RssFile']:,.0f}); after 20 /for-you rankings and 500 digest libraries "
        f"{recommending['VmRSS']:,.0f} ({recommending['RssAnon']:,.0f} + "
        f"{recommending['RssFile']:,.0f}); peak {peak:,.0f}; index folder with lexical rows "
        f"{size:,.0f} on disk"
    )


def run(args) -> None:
    import tempfile

    parts = set(args.parts.split(","))
    if unknown := parts - {"build", "foryou", "digests", "memory", "rss"}:
        raise SystemExit(f"unknown parts: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="dailypapers-recommend-scale-") as tmp:
        home = Path(args.home or tmp)
        setup_django(home)
        if "rss" in parts:
            return rss(args)
        build(args, home)
        if "foryou" in parts:
            for_you(args)
        if "digests" in parts:
            digests(args, home)
        if "memory" in parts:
            memory(args, home)
