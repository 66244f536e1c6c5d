"""Digest speed: 100k confirmed subscribers with 1-3 topics each, sent to a local aiosmtpd sink
that discards. Reports composition rate, and end-to-end messages/s for 1, 2 and 4 workers
(`send-digests --workers N`) as ratios to a baseline measured in the same run: raw smtplib
sends of the same messages over one connection (what any sender pays for SMTP alone).

    python bench/digests.py [--home HOME] [--papers 10000] [--subscribers 100000]
                            [--workers 1,2,4] [--baseline-messages 2000]

--home is a DAILYPAPERS_HOME holding papers and a built search index (bench/search_latency.py
makes one per size); without it the run makes one under a temporary folder from --papers
synthetic papers (bench/corpus.py). The run adds digest tables and subscribers to that
database. Targets: issue 5, 100k digests in <= 10 minutes on 2 cores, identical topics
searched once; issue 16, 100k in <= 5 minutes. The machine's CPUs and load average are
printed with the results (the bench machines are shared).

Last measured 2026-11-28 on 2 shared cores at load average 15-22 (`--papers 5000
--subscribers 5000 --baseline-messages 1000`, SQLite): composition 297 digests/s; baseline
381 messages/s; 1 worker 27/s (0.07x), 2 workers 55/s (0.14x), 4 workers 56/s (0.15x).
Under that load every step is CPU-starved (a profile spends ~45% in SMTP I/O and message
flattening, ~25% composing, ~20% rendering); the 5-minute target is not shown here.
After stencilled rendering and one ledger read per claimed batch (`--home` of 3,000 papers,
`--subscribers 2000 --baseline-messages 500`, load average 5-6, the code before and after
run alternately twice against the same home): CPU per digest 4.6/5.1/4.2/4.2 ms before,
4.9/4.4/3.7/3.9 ms after (1 and 2 workers); these digests have no for-you section, where the
rendering gain is largest (docs/recommendations.md). The rest is SMTP and message flattening
and three ledger statements per digest (sending, sent, papers), kept per digest so a crash
duplicates at most one message per worker.
"""

import argparse
import os
import random
import re
import smtplib
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from corpus import write_snapshot


def bigrams(title: str):
    words = re.findall(r"[a-z]{4,}", title.lower())
    return (" ".join(pair) for pair in zip(words, words[1:], strict=False))


def start_sink(port: int) -> subprocess.Popen:
    sink = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ]
    )
    time.sleep(1.0)
    return sink


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path)
    parser.add_argument("--papers", type=int, default=10_000, help="without --home")
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2,4", help="comma-separated worker counts")
    parser.add_argument("--baseline-messages", type=int, default=2000)
    parser.add_argument("--topics", type=int, default=300, help="distinct topics in the mix")
    parser.add_argument("--week-of", type=date.fromisoformat, default=date(2015, 1, 2))
    parser.add_argument("--port", type=int, default=2525)
    args = parser.parse_args()

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

    from dailypapers.digests.compose import Composer, period_for
    from dailypapers.digests.models import Delivery, SentPaper, Subscriber
    from dailypapers.digests.sending import MessageBuilder, send_digests
    from dailypapers.papers.models import Paper

    call_command("migrate", verbosity=0)
    if made_home:
        snapshot = write_snapshot(home / "snapshot.jsonl", args.papers)
        call_command("import", str(snapshot), verbosity=0)
        call_command("reindex", verbosity=0)
        print(f"made {home} (reuse it with --home; delete it when done)")
    period = period_for("weekly", args.week_of)
    rng = random.Random(11)
    titles = Paper.objects.order_by("?").values_list("title", flat=True)[:5000]
    pairs = Counter(pair for title in titles for pair in bigrams(title))
    mix = [topic for topic, _ in pairs.most_common(args.topics)]
    weights = [1 / (rank + 1) for rank in range(len(mix))]  # a few popular topics, a long tail

    Delivery.objects.all().delete()
    SentPaper.objects.all().delete()
    Subscriber.objects.all().delete()
    Subscriber.objects.bulk_create(
        (
            Subscriber(
                email=f"reader{i}@example.org",
                frequency="weekly",
                trending=False,
                topics=list(dict.fromkeys(rng.choices(mix, weights, k=rng.randint(1, 3)))),
            )
            for i in range(args.subscribers)
        ),
        batch_size=5000,
    )
    distinct = len({t for s in Subscriber.objects.values_list("topics", flat=True) for t in s})
    print(
        f"{args.subscribers:,} subscribers, {distinct} distinct topics, period {period.key}, "
        f"{Paper.objects.count():,} papers"
    )

    composer = Composer(period)
    started = time.perf_counter()
    sizes = []
    for subscriber in Subscriber.objects.iterator(chunk_size=2000):
        sizes.append(len(composer.compose(subscriber, set()).items))
    compose_seconds = time.perf_counter() - started
    print(
        f"composition: {args.subscribers / compose_seconds:,.0f} digests/s "
        f"({compose_seconds:.0f}s; {sum(sizes) / len(sizes):.1f} papers per digest; "
        f"{len(composer._topic_hits)} topic searches)"
    )

    print(f"machine: {os.cpu_count()} CPUs, load average {_load()} before sending")
    sink = start_sink(args.port)
    try:
        baseline = _baseline(args, period, composer, MessageBuilder, settings, Subscriber)
        print(
            f"baseline: raw smtplib, one connection: {baseline:,.0f} messages/s "
            f"({args.baseline_messages:,} of the same digests)"
        )
        for workers in [int(w) for w in args.workers.split(",")]:
            Delivery.objects.all().delete()
            SentPaper.objects.all().delete()
            cpu, started = time.process_time(), time.perf_counter()
            report = send_digests(period, workers=workers)
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            rate = report.sent / seconds
            print(
                f"{workers} worker{'s' if workers > 1 else ''}: {rate:,.0f} messages/s "
                f"({rate / baseline:.2f}x baseline); {report.sent:,} digests in "
                f"{seconds / 60:.1f} min, CPU {cpu / seconds:.0%} of one core "
                f"({cpu * 1000 / max(report.sent, 1):.1f} ms per digest), load {_load()}; "
                f"100k would take {100_000 / rate / 60:.1f} min (target <= 5)"
            )
    finally:
        sink.terminate()
        sink.wait()


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _baseline(args, period, composer, message_builder, settings, subscriber_model) -> float:
    """Messages/s of smtplib alone, sending the first subscribers' digests (built beforehand,
    so only SMTP is timed) over one connection."""
    builder = message_builder(period)
    messages = []
    for subscriber in subscriber_model.objects.order_by("pk")[: args.baseline_messages]:
        digest = composer.compose(subscriber, set())
        if digest.items:
            message = builder.build(subscriber, digest).message()
            messages.append((subscriber.email, message.as_bytes(linesep="\r\n")))
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", args.port) as smtp:
        for to, data in messages:
            smtp.sendmail(settings.DEFAULT_FROM_EMAIL, [to], data)
    return len(messages) / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
