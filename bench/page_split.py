"""Where a page's time goes under the bench, end to end: CPU per request of every process
that serves it (gunicorn's workers, the PostgreSQL backends, wrk), their context switches,
and how busy the machine's cores were (docs/performance.md, "Sixth round").

    python bench/page_split.py --home DIR [--database sqlite|postgres] [--path /]
                               [--seconds 8] [--workers 2] [--connections 32] [--cached]
                               [--trivial]

(--path /papers/PAPER: the bench's paper page.) Prints one JSON object: req/s, and for each
of workers, gunicorn master, postgres backends, postgres other and wrk its CPU ms and
context switches per request; ours_cpu_ms, their sum; machine_busy_ms and machine_idle_ms,
the whole machine's core time per request (other jobs included).

Builds the bench's database in DIR once (as bench/page_cpu.py does, and shares it with it),
starts `dailypapers serve --prod` with the page cache off (bench/pages.py's "uncached" rows;
--cached: on), or bench/trivial_site.py with --trivial, drives PATH with wrk as
bench/pages.py does, and reads /proc before and after: utime+stime and voluntary /
involuntary context switches of each worker and of every PostgreSQL process, wrk's from
wait4(), and the cores' busy and idle time from /proc/stat. On a 2-core machine the sum of
everyone's CPU per request over the two cores is what bounds req/s, and idle cores while
the bench runs mean it waits rather than computes. Run it next to other code by pointing
PYTHONPATH at that code's src/, alternating, as with page_cpu.py.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from common import WRK_REPORT, postgres_url, run_wrk, start_gunicorn, start_trivial_django
from pages import drive

TICKS = os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def process_clock(pid: int) -> tuple[float, int, int]:
    """(CPU seconds, voluntary, involuntary context switches) of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    status = dict(
        line.split(":\t") for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return (
        (int(fields[11]) + int(fields[12])) / TICKS,
        int(status["voluntary_ctxt_switches"]),
        int(status["nonvoluntary_ctxt_switches"]),
    )


def cores_clock() -> tuple[float, float]:
    """(busy, idle) core-seconds of the whole machine so far (iowait counts as idle)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / TICKS, idle / TICKS


def postgres_processes(home: Path) -> dict[int, str]:
    """The PostgreSQL server's processes: {pid: 'backend' or 'other'}."""
    postmaster = int((home / "pg" / "data" / "postmaster.pid").read_text().split()[0])
    kinds = {}
    for pid in children(postmaster):
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except FileNotFoundError:
            continue
        # A backend's title is "postgres: USER DATABASE [local] STATE".
        kinds[pid] = "backend" if "[local]" in title or "idle" in title else "other"
    return kinds


def snapshot(groups: dict[str, list[int]]) -> dict[str, list[float]]:
    totals = {}
    for name, pids in groups.items():
        total = [0.0, 0, 0]
        for pid in pids:
            try:
                for index, value in enumerate(process_clock(pid)):
                    total[index] += value
            except FileNotFoundError:
                pass
        totals[name] = total
    return totals


def run(args, home: Path, base: str, server_pid: int) -> dict:
    script = home / "report.lua"
    script.write_text(WRK_REPORT)
    url = base + args.path
    drive(url, 1, args.connections, script)  # every worker and backend exists and is warm
    groups = {"workers": children(server_pid), "gunicorn master": [server_pid]}
    if args.database == "postgres" and not args.trivial:
        kinds = postgres_processes(home)
        groups["postgres backends"] = [p for p, k in kinds.items() if k == "backend"]
        groups["postgres other"] = [p for p, k in kinds.items() if k == "other"]
    before, cores_before, wall = snapshot(groups), cores_clock(), time.monotonic()
    driven = run_wrk(url, script, args.seconds, args.connections)
    wall = time.monotonic() - wall
    after, cores_after = snapshot(groups), cores_clock()
    requests = driven["requests"]
    per = 1000 / requests
    split = {
        name: {
            "cpu_ms": round((after[name][0] - before[name][0]) * per, 3),
            "voluntary_switches": round((after[name][1] - before[name][1]) / requests, 2),
            "involuntary_switches": round((after[name][2] - before[name][2]) / requests, 2),
        }
        for name in groups
    }
    split["wrk"] = {
        "cpu_ms": round(driven["cpu_seconds"] * per, 3),
        "voluntary_switches": round(driven["voluntary_switches"] / requests, 2),
        "involuntary_switches": round(driven["involuntary_switches"] / requests, 2),
    }
    busy = cores_after[0] - cores_before[0]
    idle = cores_after[1] - cores_before[1]
    ours = sum(part["cpu_ms"] for part in split.values())
    return {
        "path": args.path,
        "rps": round(requests / wall, 1),
        "processes": split,
        "ours_cpu_ms": round(ours, 3),
        "machine_busy_ms": round(busy * per, 3),  # everyone's, others' jobs included
        "machine_idle_ms": round(idle * per, 3),
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--path", default="/")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--cached", action="store_true")
    parser.add_argument("--trivial", action="store_true", help="the trivial view instead")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="dailypapers-split-"))
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o755)  # the server runs as the postgres user, inside home/pg
    os.environ.pop("DATABASE_URL", None)
    if args.database == "postgres":
        os.environ["DATABASE_URL"] = postgres_url(home, "dailypapers_cpu")
    if not (home / "paper_id").exists():
        import pages

        (home / "paper_id").write_text(pages.prepare(home, 1000))
    args.path = args.path.replace("PAPER", (home / "paper_id").read_text().strip())
    if args.trivial:
        server, base = start_trivial_django(args.workers)
    else:
        server, base = start_gunicorn(
            home,
            args.workers,
            "/about",
            DAILYPAPERS_PAGE_CACHE_SECONDS="300" if args.cached else "0",
        )
    try:
        result = run(args, home, base, server.pid)
    finally:
        server.terminate()
        server.wait()
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
