"""Digest speed: 100k confirmed subscribers with 1-3 topics each, over a large corpus, sent to
a local aiosmtpd sink that discards. Reports composition rate and end-to-end messages/s.

    python bench/digests.py --home bench/out/search/1000000/home [--subscribers 100000]

--home is a DAILYPAPERS_HOME holding papers and a built search index (bench/search_latency.py
makes one per size). The run adds digest tables and subscribers to that database. Target
(issue 5): 100k digests in <= 10 minutes on 2 cores; identical topics searched once.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path


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
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--topics", type=int, default=300, help="distinct topics in the mix")
    parser.add_argument("--week-of", type=date.fromisoformat, default=date(2015, 1, 2))
    parser.add_argument("--port", type=int, default=2525)
    args = parser.parse_args()

    os.environ["DAILYPAPERS_HOME"] = str(args.home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dailypapers.settings"
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{args.port}"
    os.environ["DAILYPAPERS_INDEX_ON_IMPORT"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    from dailypapers.digests.compose import Composer, period_for
    from dailypapers.digests.models import Delivery, SentPaper, Subscriber
    from dailypapers.digests.sending import send_digests
    from dailypapers.papers.models import Paper

    call_command("migrate", verbosity=0)
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

    sink = start_sink(args.port)
    try:
        started = time.perf_counter()
        report = send_digests(period)
        seconds = time.perf_counter() - started
    finally:
        sink.terminate()
        sink.wait()
    print(report.line())
    print(
        f"end to end: {report.sent / seconds:,.0f} messages/s; {report.sent:,} digests in "
        f"{seconds / 60:.1f} min (target: 100,000 in <= 10 min)"
    )


if __name__ == "__main__":
    main()
