"""CPU per request of the uncached day and paper pages, in-process: steadier than req/s on a
shared machine (docs/performance.md, "Uncached pages, second round").

    python bench/page_cpu.py [--home DIR] [--requests 150] [--rounds 5] [--profile day|paper]

Builds the bench's database in DIR once (bench/pages.py's prepare(): 1,000 papers on one day,
the search index, collectstatic), then calls the WSGI handler with production settings and the
page cache off, timing time.process_time() per round and printing the best round and the
median. With --profile it prints cProfile's cumulative listing instead. To compare with other
code, run it again over the same --home with PYTHONPATH pointing at that code's src/
(e.g. an export made with `git archive`), alternating, so both see the same load.
The trivial view for scale (bench/trivial_site.py) costs about 0.05 ms this way.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="reuse (or create) the database here")
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", choices=("day", "paper"))
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="dailypapers-cpu-"))
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        DAILYPAPERS_HOME=str(home),
        DJANGO_SETTINGS_MODULE="dailypapers.settings",
        DAILYPAPERS_PRODUCTION="1",
        DAILYPAPERS_SECURE_COOKIES="0",
        DAILYPAPERS_PAGE_CACHE_SECONDS="0",
    )
    os.environ.pop("DATABASE_URL", None)
    marker = home / "paper_id"
    if not marker.exists():
        import pages
        from django.core.management import call_command

        paper_id = pages.prepare(home, 1000)
        call_command("collectstatic", interactive=False, verbosity=0)
        marker.write_text(paper_id)
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    paths = {"day": "/", "paper": f"/papers/{marker.read_text().strip()}"}

    def get(path: str) -> None:
        statuses = []
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        b"".join(application(environ, lambda status, headers, exc=None: statuses.append(status)))
        if not statuses[0].startswith("200"):
            raise SystemExit(f"{path} answered {statuses[0]}")

    for name, path in paths.items():
        # The first request also fills the per-process caches (templates, key sentences and
        # keywords of the cards: docs/search.md), so it is reported apart.
        start = time.process_time()
        get(path)
        print(f"first {name} request: {(time.process_time() - start) * 1000:.0f} ms CPU")
        for _ in range(20):  # templates compiled, connections open, index loaded
            get(path)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(lambda: [get(paths[args.profile]) for _ in range(args.requests)])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
        return
    for name, path in paths.items():
        rounds = []
        for _ in range(args.rounds):
            start = time.process_time()
            for _ in range(args.requests):
                get(path)
            rounds.append((time.process_time() - start) / args.requests * 1000)
        print(
            f"uncached {name}: best {min(rounds):.2f} ms, "
            f"median {statistics.median(rounds):.2f} ms CPU per request"
        )


if __name__ == "__main__":
    main()
