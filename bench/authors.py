"""What resolving author identities on import costs: papers/s of `import` with and without
people's papers_written receiver, on the same files, in one run (the ratio is the result).

    python bench/authors.py                    # the bundled sample + 100,000 generated records
    python bench/authors.py --records 20000    # a smaller generated corpus

Each variant imports into a fresh SQLite home in its own process; the search index's first
build (an import_finished receiver) is left out of both, as bench/ingest.py's target does.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import write_snapshot

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "src" / "dailypapers" / "papers" / "sample" / "recent_papers.jsonl.gz"


def drive(path: str, with_authors: bool) -> None:
    """In a fresh process: migrate, import path, print {"papers": n, "seconds": s}."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
    django.setup()
    from django.core.management import call_command

    from dailypapers.papers.importer import import_files
    from dailypapers.papers.signals import import_finished, papers_written

    call_command("migrate", verbosity=0)
    import_finished.disconnect(dispatch_uid="search-first-index")
    if not with_authors:
        assert papers_written.disconnect(dispatch_uid="people-authors-on-import")
    started = time.perf_counter()
    summary = import_files([path])
    seconds = time.perf_counter() - started
    print(json.dumps({"papers": summary.counts.new, "seconds": seconds}))


def run(path: Path, with_authors: bool, home: Path) -> tuple[int, float]:
    env = {**os.environ, "DAILYPAPERS_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    flag = "--with-authors" if with_authors else "--without-authors"
    done = subprocess.run(
        [sys.executable, __file__, "--drive", str(path), flag],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["papers"], result["seconds"]


def compare(label: str, path: Path, workdir: Path) -> None:
    rates = {}
    for with_authors in (False, True):
        home = workdir / f"{label}-{with_authors}"
        papers, seconds = run(path, with_authors, home)
        rates[with_authors] = papers / seconds
        print(
            f"{label}: {papers:,} papers {'with' if with_authors else 'without'} authors "
            f"in {seconds:.1f}s = {rates[with_authors]:,.0f} papers/s"
        )
    print(f"{label}: with/without = {rates[True] / rates[False]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    parser.add_argument("--with-authors", dest="authors", action="store_true")
    parser.add_argument("--without-authors", dest="authors", action="store_false")
    args = parser.parse_args()
    if args.drive:
        drive(args.drive, args.authors)
        return
    with tempfile.TemporaryDirectory(prefix="dailypapers-bench-authors-") as tmp:
        workdir = Path(tmp)
        compare("sample", SAMPLE, workdir)
        if args.records:
            snapshot = write_snapshot(workdir / "snapshot.jsonl", args.records, seed=1)
            compare(f"generated {args.records:,}", snapshot, workdir)


if __name__ == "__main__":
    main()
