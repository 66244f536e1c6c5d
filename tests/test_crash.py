"""kill -9 during a long import, then a re-run, ends with the same database as one clean run."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from conftest import SNAPSHOT_200

COLUMNS = (
    "arxiv_id, version, title, abstract, authors, categories, primary_category, published, "
    "updated, comment, journal_ref, doi, license, withdrawn, content_hash"
)


def big_snapshot(path, copies: int) -> int:
    """Real snapshot lines under fresh new-style ids, so the import takes several seconds."""
    lines = [json.loads(line) for line in SNAPSHOT_200.read_text().splitlines()]
    with open(path, "w") as out:
        for n in range(copies * len(lines)):
            row = dict(lines[n % len(lines)], id=f"2001.{n:05d}")
            out.write(json.dumps(row) + "\n")
    return copies * len(lines)


def dailypapers(home, *args, **popen):
    env = {**os.environ, "DAILYPAPERS_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "dailypapers.cli", *args]
    if popen:
        return subprocess.Popen(command, env=env, **popen)
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True)


def rows(home):
    with sqlite3.connect(home / "dailypapers.sqlite3") as db:
        return db.execute(f"SELECT {COLUMNS} FROM papers_paper ORDER BY arxiv_id").fetchall()


def count(home) -> int:
    try:
        with sqlite3.connect(home / "dailypapers.sqlite3", timeout=5) as db:
            return db.execute("SELECT count(*) FROM papers_paper").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_kill_during_import_then_rerun_matches_an_uninterrupted_run(tmp_path):
    source = tmp_path / "big.jsonl"
    total = big_snapshot(source, copies=200)
    clean, crashed = tmp_path / "clean", tmp_path / "crashed"
    for home in (clean, crashed):
        dailypapers(home, "migrate", "-v0")
    dailypapers(clean, "import", "--batch-size", "500", str(source))

    victim = dailypapers(
        crashed,
        "import",
        "--batch-size",
        "500",
        str(source),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while count(crashed) < 2000 and time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    at_kill = count(crashed)
    assert 0 < at_kill < total, "the kill must land mid-import for this test to mean anything"
    assert at_kill % 500 == 0, "whole batches only: never half a batch"

    rerun = dailypapers(crashed, "import", "--batch-size", "500", str(source))
    assert rerun.stdout.strip() == (
        f"imported {total - at_kill} new, 0 updated, {at_kill} unchanged, 0 rejected"
    )
    assert rows(crashed) == rows(clean)
    assert len(rows(clean)) == total
