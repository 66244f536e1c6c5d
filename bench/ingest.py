"""Ingest speed: `dailypapers import` of a generated snapshot into a fresh SQLite database.

    python bench/ingest.py --records 100000            # generate, import, report papers/s
    python bench/ingest.py --records 1000000 --out big.jsonl.gz --no-import   # just generate

Target (issue 2): at least 3,000 papers/s for 100k records on the 2-core machine,
search indexing excluded.
"""

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import write_snapshot

TARGET = 3000


def dailypapers(home: Path, *args: str) -> tuple[float, str]:
    env = {**os.environ, "DAILYPAPERS_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "dailypapers.cli", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="keep the generated snapshot here")
    parser.add_argument("--no-import", action="store_true", help="only generate the snapshot")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dailypapers-bench-") as tmp:
        snapshot = args.out or Path(tmp) / "snapshot.jsonl"
        started = time.perf_counter()
        write_snapshot(snapshot, args.records, seed=args.seed)
        print(
            f"generated {args.records:,} records ({snapshot.stat().st_size / 2**20:,.1f} MiB) "
            f"in {time.perf_counter() - started:.1f}s: {snapshot}"
        )
        if args.no_import:
            return
        home = Path(tmp) / "home"
        dailypapers(home, "migrate", "-v0")
        seconds, summary = dailypapers(home, "import", str(snapshot))
        new = int(re.search(r"imported (\d+) new", summary).group(1))
        rate = new / seconds
        print(f"first import:  {summary} in {seconds:.1f}s = {rate:,.0f} papers/s")
        again, summary = dailypapers(home, "import", str(snapshot))
        print(f"second import: {summary} in {again:.1f}s = {args.records / again:,.0f} papers/s")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        size = (home / "dailypapers.sqlite3").stat().st_size / 2**20
        print(f"peak RSS of the import process: {peak:,.0f} MiB; database: {size:,.0f} MiB")
        verdict = "meets" if rate >= TARGET else "MISSES"
        print(f"{verdict} the target of {TARGET:,} papers/s")


if __name__ == "__main__":
    main()
