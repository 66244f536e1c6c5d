"""CPU per request of the day and paper pages, in-process: steadier than req/s on a shared
machine (docs/performance.md, "Uncached pages, second round" and "Third round").

    python bench/page_cpu.py [--home DIR] [--database sqlite|postgres] [--requests 150]
                             [--rounds 5] [--cached] [--profile day|paper]

Builds the bench's database in DIR once (bench/pages.py's prepare(): 1,000 papers on one day,
the search index, collectstatic), then calls the WSGI handler with production settings and the
page cache off (--cached: on, so every timed request is a hit), timing time.process_time() per
round and printing the best round and the median. With --database postgres (a private server
on $PGPORT_TESTS, as bench/pages.py starts it) the PostgreSQL backend's CPU for the same
requests (from /proc) is printed beside it: on a 2-core machine the server's work competes
with the workers'. The server stays up for the next run over the same --home; stop it with
`PGPORT_TESTS=... .ci/postgres.sh stop DIR/pg`. With --profile it prints cProfile's
cumulative listing instead. To compare with other code, run it again over the same --home
with PYTHONPATH pointing at that code's src/ (e.g. an export made with `git archive`),
alternating, so both see the same load.
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
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--cached", action="store_true", help="page cache on: time cache hits")
    parser.add_argument("--profile", choices=("day", "paper"))
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="dailypapers-cpu-"))
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        DAILYPAPERS_HOME=str(home),
        DJANGO_SETTINGS_MODULE="dailypapers.settings",
        DAILYPAPERS_PRODUCTION="1",
        DAILYPAPERS_SECURE_COOKIES="0",
        DAILYPAPERS_PAGE_CACHE_SECONDS="300" if args.cached else "0",
    )
    os.environ.pop("DATABASE_URL", None)
    if args.database == "postgres":
        from common import postgres_url

        home.chmod(0o755)  # the server runs as the postgres user, inside home/pg
        os.environ["DATABASE_URL"] = postgres_url(home, "dailypapers_cpu")
    marker = home / "paper_id"
    if not marker.exists():
        import pages
        from django.core.management import call_command

        paper_id = pages.prepare(home, 1000)
        call_command("collectstatic", interactive=False, verbosity=0)
        marker.write_text(paper_id)
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    from django.db import connection

    # One connection (one server process to read the CPU of) for the whole run, instead of a
    # new one each CONN_MAX_AGE seconds.
    connection.settings_dict["CONN_MAX_AGE"] = None
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
    server_cpu = _server_cpu_clock(args.database)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(lambda: [get(paths[args.profile]) for _ in range(args.requests)])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
        return
    for name, path in paths.items():
        rounds, server_rounds = [], []
        for _ in range(args.rounds):
            start, server_start = time.process_time(), server_cpu()
            for _ in range(args.requests):
                get(path)
            rounds.append((time.process_time() - start) / args.requests * 1000)
            server_rounds.append((server_cpu() - server_start) / args.requests * 1000)
        server = (
            f"; database server {min(server_rounds):.2f} ms best, "
            f"{statistics.median(server_rounds):.2f} ms median"
            if args.database == "postgres"
            else ""
        )
        print(
            f"{'cached' if args.cached else 'uncached'} {name}: best {min(rounds):.2f} ms, "
            f"median {statistics.median(rounds):.2f} ms CPU per request{server}"
        )


def _server_cpu_clock(database: str):
    """Seconds of CPU the PostgreSQL backend serving this process has used (0 on SQLite)."""
    if database != "postgres":
        return lambda: 0.0
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    ticks = os.sysconf("SC_CLK_TCK")

    def clock() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime

    return clock


if __name__ == "__main__":
    main()
