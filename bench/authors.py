"""What resolving author identities on import costs: papers/s of `import` with and without
people's papers_written receiver, on the same files, in one run (the ratio is the result).

    python bench/authors.py                    # the bundled sample + 100,000 generated records
    python bench/authors.py --records 20000    # a smaller generated corpus

Each variant imports into its own SQLite home, in a fresh process per part: the input is cut
into --parts parts, imported alternately without and with authors, so that both variants
meet the same load on a shared machine. The rates are from each import's CPU time (the
process's own, which other processes' load barely moves) and, for reference, wall time.
The search index's first build (an import_finished receiver) is left out of both, as
bench/ingest.py's target does.
"""

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
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
    started, cpu = time.perf_counter(), time.process_time()
    summary = import_files([path])
    print(
        json.dumps(
            {
                "papers": summary.counts.new,
                "seconds": time.perf_counter() - started,
                "cpu": time.process_time() - cpu,
            }
        )
    )


def run(path: Path, with_authors: bool, home: Path) -> dict:
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
    return json.loads(done.stdout.strip().splitlines()[-1])


def split(path: Path, parts: int, workdir: Path) -> list[Path]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as source:
        lines = source.readlines()
    size = -(-len(lines) // parts)
    pieces = []
    for n in range(parts):
        piece = workdir / f"{path.stem}.part{n}.jsonl"
        piece.write_text("".join(lines[n * size : (n + 1) * size]), encoding="utf-8")
        pieces.append(piece)
    return pieces


def compare(label: str, path: Path, workdir: Path, parts: int) -> None:
    totals = {False: Counter(), True: Counter()}
    for piece in split(path, parts, workdir):
        for with_authors in (False, True):
            home = workdir / f"{label}-{with_authors}"
            totals[with_authors].update(run(piece, with_authors, home))
    rates = {}
    for with_authors, total in totals.items():
        rates[with_authors] = total["papers"] / total["cpu"]
        print(
            f"{label}: {total['papers']:,} papers {'with' if with_authors else 'without'} "
            f"authors: {total['cpu']:.1f}s CPU = {rates[with_authors]:,.0f} papers/s "
            f"(wall {total['seconds']:.1f}s = {total['papers'] / total['seconds']:,.0f}/s)"
        )
    print(f"{label}: with/without (CPU) = {rates[True] / rates[False]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--parts", type=int, default=4, help="alternations per corpus")
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    parser.add_argument("--with-authors", dest="authors", action="store_true")
    parser.add_argument("--without-authors", dest="authors", action="store_false")
    args = parser.parse_args()
    if args.drive:
        drive(args.drive, args.authors)
        return
    with tempfile.TemporaryDirectory(prefix="dailypapers-bench-authors-") as tmp:
        workdir = Path(tmp)
        compare("sample", SAMPLE, workdir, parts=2)
        if args.records:
            snapshot = write_snapshot(workdir / "snapshot.jsonl", args.records, seed=1)
            compare(f"generated {args.records:,}", snapshot, workdir, args.parts)


if __name__ == "__main__":
    main()
