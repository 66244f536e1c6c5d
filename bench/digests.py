"""Digest speed: confirmed subscribers with 1-3 topics each, --for-you of them with an account,
a library of 20-200 saved papers and 5 "papers for you", sent by the real `send-digests`
command (1 or more processes, each with --workers SMTP connections) to a local SMTP sink that
discards: Postfix's `smtp-sink` (C; Debian's `postfix` package) when installed, else
aiosmtpd 1.4's Sink handler on uvloop's event loop (`--sink`). Reports composition rate, and
end-to-end messages/s as ratios to a baseline measured in the same run: raw smtplib sends of
the same messages over one connection (what any sender pays for SMTP alone). CPU is reported
per digest for the senders and per message for the sink: those are what the shared bench
machines cannot skew.

    python bench/digests.py [--home HOME] [--papers 3000] [--subscribers 100000]
                            [--for-you 50000] [--workers 1,2,4] [--processes 1,2]
                            [--baseline-messages 2000] [--frequency weekly --date DAY]
                            [--sink smtp-sink|aiosmtpd] [--set-up-only]

At 100k with papers for you, on a `bench/recommend.py --scale` home (100k papers, a day of
2,000 on 2026-11-27): `--home HOME --frequency daily --date 2026-11-27 --subscribers 100000
--for-you 100000`. The subscribers (and their 11M saved papers) are a cached step: a run with
the same options reuses the ones a previous run left in --home (`--set-up-only` makes them
and stops; 300 s wall, 142 s CPU, cold, at load 11). Each cell of the grid empties the digest
ledger with two plain DELETEs and sends all 100k again.

--home is a DAILYPAPERS_HOME holding papers and a built search index (bench/search_latency.py
makes one per size); without it the run makes one under a temporary folder from --papers
synthetic papers (bench/corpus.py). The run adds digest tables, accounts and subscribers to
that database. Targets: issue 5, 100k digests in <= 10 minutes on 2 cores, identical topics
searched once; issue 16, 100k in <= 5 minutes, including the "for you" sections. The
machine's CPUs and load average are printed with the results (the bench machines are shared).
Measurements, the 100k command and what they mean: docs/recommendations.md, "Digests with
papers for you, end to end".
"""

import argparse
import json
import os
import random
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from corpus import write_snapshot

# The sinks. smtp-sink is Postfix's SMTP benchmark sink (Debian's `postfix` package, not
# started as a mail system: `apt-get install postfix` with "No configuration"), in C: 0.05-0.2
# ms of CPU a digest. aiosmtpd's own command line with its Sink handler, on uvloop's event
# loop, costs ~1 ms a digest (it reads the DATA line by line), which on two shared cores is a
# fifth of the send's CPU and is not the product's cost.
SMTP_SINK = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
AIOSMTPD_SINK = (
    "import asyncio, sys, uvloop; asyncio.set_event_loop_policy(uvloop.EventLoopPolicy()); "
    "from aiosmtpd.main import main; main(sys.argv[1:])"
)


def bigrams(title: str):
    words = re.findall(r"[a-z]{4,}", title.lower())
    return (" ".join(pair) for pair in zip(words, words[1:], strict=False))


def start_sink(kind: str, port: int) -> subprocess.Popen:
    if kind == "smtp-sink":
        # smtp-sink refuses to run as root without a user to switch to.
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        command = [SMTP_SINK, *user, f"127.0.0.1:{port}", "1000"]
    else:
        command = [sys.executable, "-c", AIOSMTPD_SINK, "-n", "-l", f"127.0.0.1:{port}"]
        command += ["-c", "aiosmtpd.handlers.Sink"]
    sink = subprocess.Popen(command)
    time.sleep(1.0)
    if sink.poll() is not None:
        raise SystemExit(f"the {kind} sink did not start (exit {sink.returncode})")
    return sink


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process (the sink's, which runs through every send)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def give_libraries(subscriber_ids: list[int], pool: list[str], rng, picks: int = 5) -> int:
    """An account for each of these subscribers, with 20-200 papers of `pool` saved, and
    `picks` papers for you in the digest. Millions of rows: executemany, not model instances
    (a setup, not the thing measured). Returns the number of saved papers."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from dailypapers.digests.models import Subscriber
    from dailypapers.library.models import SavedPaper

    User = get_user_model()
    User.objects.bulk_create(
        (User(username=f"digest-reader-{i}", password="!") for i in subscriber_ids), batch_size=5000
    )
    accounts = User.objects.filter(username__startswith="digest-reader-")
    users = dict(accounts.values_list("username", "pk"))
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    saved = 0
    if connection.vendor == "sqlite":
        # SQLite's default 2 MB page cache spills the saved-papers indexes to the WAL again
        # and again at 100k subscribers (11M rows: 50 GB written in 20 minutes, unfinished);
        # 2 GB holds them.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -2000000")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Subscriber._meta.db_table} SET user_id = %s, for_you = %s WHERE id = %s",
            [(users[f"digest-reader-{i}"], picks, i) for i in subscriber_ids],
        )
        insert = (
            f"INSERT INTO {SavedPaper._meta.db_table} (user_id, paper_id, saved_at, note) "
            "VALUES (%s, %s, %s, '')"
        )
        for i in subscriber_ids:
            library = rng.sample(pool, min(len(pool), rng.randint(20, 200)))
            cursor.executemany(insert, [(users[f"digest-reader-{i}"], p, now) for p in library])
            saved += len(library)
    return saved


def forget_subscribers() -> None:
    """The digest tables and the accounts give_libraries made, emptied."""
    from django.contrib.auth import get_user_model

    from dailypapers.digests.models import Delivery, SentPaper, Subscriber
    from dailypapers.library.models import SavedPaper

    Delivery.objects.all().delete()
    SentPaper.objects.all().delete()
    Subscriber.objects.all().delete()
    SavedPaper.objects.filter(user__username__startswith="digest-reader-").delete()
    get_user_model().objects.filter(username__startswith="digest-reader-").delete()


def send(period, sink: subprocess.Popen, port: int, processes: int, workers: int) -> dict:
    """`processes` concurrent `send-digests` commands with `workers` SMTP connections each,
    on an empty ledger: wall seconds, digests sent, CPU ms per digest of the commands and of
    the sink, and the commands' report lines."""
    from django.db import connection, transaction

    from dailypapers.digests.models import Delivery, SentPaper

    with transaction.atomic(), connection.cursor() as cursor:
        # Plain DELETEs: the ORM's cascade loaded every Delivery of the last cell first
        # (100k model instances, and a query per batch of them).
        for model in (SentPaper, Delivery):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{port}"}
    command = [sys.executable, "-m", "dailypapers.cli", "send-digests"]
    command += ["--period", period.frequency, "--date", period.start.isoformat()]
    command += ["--workers", str(workers)]
    before, sink_cpu = os.times(), cpu_seconds(sink.pid)
    began = time.perf_counter()
    runs = [
        subprocess.Popen(
            command, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(processes)
    ]
    outputs = [run.communicate() for run in runs]
    seconds = time.perf_counter() - began
    after, sink_cpu = os.times(), cpu_seconds(sink.pid) - sink_cpu
    for run, (out, err) in zip(runs, outputs, strict=True):
        if run.returncode:
            raise SystemExit(f"send-digests failed:\n{out}\n{err}")
    cpu = (after.children_user + after.children_system) - (
        before.children_user + before.children_system
    )
    sent = Delivery.objects.filter(state=Delivery.State.SENT).count()
    assert SentPaper.objects.values("delivery").distinct().count() == sent
    return {
        "processes": processes,
        "workers": workers,
        "seconds": seconds,
        "sent": sent,
        "cpu_ms": 1000 * cpu / max(sent, 1),
        "sink_ms": 1000 * sink_cpu / max(sent, 1),
        "lines": [out.strip().splitlines()[-1] for out, _ in outputs],
    }


def show(run: dict, comparison: str) -> None:
    """A send()'s figures on one line, then its commands' report lines."""
    processes, workers = run["processes"], run["workers"]
    print(
        f"{processes} send-digests process{'es' if processes > 1 else ''} x {workers} "
        f"worker{'s' if workers > 1 else ''}: {run['sent'] / run['seconds']:,.0f} messages/s, "
        f"{run['sent']:,} digests in {run['seconds']:.0f}s; CPU {run['cpu_ms']:.2f} ms per "
        f"digest (senders), {run['sink_ms']:.2f} ms (sink); load {_load()}; {comparison}",
        flush=True,
    )
    for line in run["lines"]:
        print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path)
    parser.add_argument("--papers", type=int, default=3000, help="without --home")
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument(
        "--for-you", type=int, help="subscribers with a library (default: half of them)"
    )
    parser.add_argument("--workers", default="1,2,4", help="comma-separated worker counts")
    parser.add_argument("--processes", default="1,2", help="comma-separated process counts")
    parser.add_argument("--baseline-messages", type=int, default=2000)
    parser.add_argument("--topics", type=int, default=300, help="distinct topics in the mix")
    parser.add_argument("--frequency", default="weekly", choices=["daily", "weekly"])
    parser.add_argument(
        "--date",
        "--week-of",
        type=date.fromisoformat,
        default=date(2015, 1, 2),
        help="a day of the edition (2026-11-27 for bench/recommend.py --scale homes)",
    )
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument(
        "--sink",
        choices=["smtp-sink", "aiosmtpd"],
        default="smtp-sink" if Path(SMTP_SINK).exists() else "aiosmtpd",
        help="the SMTP server the digests go to (default: Postfix's smtp-sink if installed)",
    )
    parser.add_argument(
        "--set-up-only", action="store_true", help="make the subscribers in --home and stop"
    )
    args = parser.parse_args()
    for_you = args.subscribers // 2 if args.for_you is None else args.for_you

    made_home = args.home is None
    home = Path(tempfile.mkdtemp(prefix="bench-digests-")) if made_home else args.home
    os.environ["DAILYPAPERS_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dailypapers.settings"
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{args.port}"
    os.environ["DAILYPAPERS_INDEX_ON_IMPORT"] = "0"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from dailypapers.digests.compose import period_for
    from dailypapers.digests.models import Subscriber
    from dailypapers.library.models import SavedPaper
    from dailypapers.papers.models import Paper

    call_command("migrate", verbosity=0)
    if made_home:
        snapshot = write_snapshot(home / "snapshot.jsonl", args.papers)
        call_command("import", str(snapshot), verbosity=0)
        call_command("reindex", verbosity=0)
        print(f"made {home} (reuse it with --home; delete it when done)")
    period = period_for(args.frequency, args.date)
    started = time.perf_counter()
    made = subscribe(args, for_you)
    saved = SavedPaper.objects.filter(user__username__startswith="digest-reader-").count()
    distinct = len({t for s in Subscriber.objects.values_list("topics", flat=True) for t in s})
    print(
        f"{args.subscribers:,} subscribers, {distinct} distinct topics, {for_you:,} of them with "
        f"a library ({saved:,} saved papers) and 5 papers for you, period {period.key}, "
        f"{Paper.objects.count():,} papers; "
        + (f"made in {time.perf_counter() - started:.0f}s" if made else "reused from --home")
    )
    if args.set_up_only:
        return
    print(f"machine: {os.cpu_count()} CPUs, load average {_load()} before sending")
    print(f"sink: {args.sink}")
    sink = start_sink(args.sink, args.port)
    try:
        messages = _messages(args, period, Subscriber)
        sink_cpu = cpu_seconds(sink.pid)
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", args.port) as smtp:
            for to, data in messages:
                smtp.sendmail(settings.DEFAULT_FROM_EMAIL, [to], data)
        baseline = len(messages) / (time.perf_counter() - started)
        sink_cpu = cpu_seconds(sink.pid) - sink_cpu
        print(
            f"baseline: raw smtplib, one connection: {baseline:,.0f} messages/s "
            f"({len(messages):,} of the same digests, built beforehand; sink "
            f"{1000 * sink_cpu / len(messages):.2f} ms CPU a message), load {_load()}"
        )
        for processes in [int(p) for p in args.processes.split(",")]:
            for workers in [int(w) for w in args.workers.split(",")]:
                run = send(period, sink, args.port, processes, workers)
                rate = run["sent"] / run["seconds"]
                show(
                    run,
                    f"{rate / baseline:.2f}x baseline; 100k would take "
                    f"{100_000 / rate / 60:.1f} min (target <= 5)",
                )
    finally:
        sink.terminate()
        sink.wait()


def subscribe(args, for_you: int) -> bool:
    """The run's subscribers, or the ones a run with the same options left in --home: their
    set-up (millions of saved papers at 100k) is a cached step, recorded in a file of the home
    once it is complete. Returns whether it made them."""
    from dailypapers.digests.models import Subscriber
    from dailypapers.papers.models import Paper

    made_for = json.dumps(
        {"subscribers": args.subscribers, "for_you": for_you, "topics": args.topics}
        | {"frequency": args.frequency, "papers": Paper.objects.count()}
    )
    marker = Path(os.environ["DAILYPAPERS_HOME"]) / "bench-digests-subscribers.json"
    if marker.exists() and marker.read_text() == made_for:
        return False
    marker.unlink(missing_ok=True)
    rng = random.Random(11)
    titles = Paper.objects.order_by("?").values_list("title", flat=True)[:5000]
    pairs = Counter(pair for title in titles for pair in bigrams(title))
    mix = [topic for topic, _ in pairs.most_common(args.topics)]
    weights = [1 / (rank + 1) for rank in range(len(mix))]  # a few popular topics, a long tail
    forget_subscribers()
    Subscriber.objects.bulk_create(
        (
            Subscriber(
                email=f"reader{i}@example.org",
                frequency=args.frequency,
                trending=False,
                topics=list(dict.fromkeys(rng.choices(mix, weights, k=rng.randint(1, 3)))),
            )
            for i in range(args.subscribers)
        ),
        batch_size=5000,
    )
    ids = list(Subscriber.objects.order_by("pk").values_list("pk", flat=True))
    pool = list(Paper.objects.values_list("arxiv_id", flat=True))
    give_libraries(rng.sample(ids, for_you), pool, rng)
    marker.write_text(made_for)
    return True


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _messages(args, period, subscriber_model) -> list[tuple[str, bytes]]:
    """The first --baseline-messages subscribers' digests as bytes, composed (for you in
    batches, as send-digests does) and built; prints the composition rate."""
    from dailypapers.digests.compose import Composer
    from dailypapers.digests.sending import CLAIM_BATCH, MessageBuilder, smtp_bytes

    composer, builder = Composer(period), MessageBuilder(period)
    subscribers = list(
        subscriber_model.objects.select_related("user").order_by("pk")[: args.baseline_messages]
    )
    started, cpu = time.perf_counter(), time.process_time()
    digests = []
    for first in range(0, len(subscribers), CLAIM_BATCH):
        batch = subscribers[first : first + CLAIM_BATCH]
        composer.prepare(batch)
        digests += [(subscriber, composer.compose(subscriber, set())) for subscriber in batch]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    sizes = [len(digest.items) for _, digest in digests]
    print(
        f"composition: {len(digests) / seconds:,.0f} digests/s, {1000 * cpu / len(digests):.2f} "
        f"ms CPU each ({sum(sizes) / len(sizes):.1f} papers per digest; "
        f"{len(composer._topic_hits)} topic searches)"
    )
    return [
        (subscriber.email, smtp_bytes(builder.build(subscriber, digest)))
        for subscriber, digest in digests
        if digest.items
    ]


if __name__ == "__main__":
    main()
