"""kill -9 during a long import, reindex or authors run, then a re-run, ends as one
uninterrupted run did."""

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import SNAPSHOT_200

pytestmark = pytest.mark.system  # real servers and processes: skipped by `make test-fast`

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


def rows(site):
    return site.sql(f"SELECT {COLUMNS} FROM papers_paper ORDER BY arxiv_id")


def authorships(site):
    """Each paper's author positions and the identities they resolved to (people)."""
    return site.sql(
        "SELECT w.paper_id, w.position, a.slug FROM people_authorship w "
        "JOIN people_author a ON a.id = w.author_id ORDER BY w.paper_id, w.position"
    )


def count(site) -> int:
    try:
        return site.sql("SELECT count(*) FROM papers_paper")[0][0]
    except Exception:  # the table may not be readable yet
        return 0


def kill_when(victim: subprocess.Popen, ready, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not ready() and time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait()


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended while we looked
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def gone_within(pids: list[int], seconds: float) -> bool:
    """Whether these processes all end (or are left as zombies) within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_running(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_during_import_then_rerun_matches_an_uninterrupted_run(deployment, tmp_path):
    source = tmp_path / "big.jsonl"
    total = big_snapshot(source, copies=200)
    clean, crashed = deployment("clean"), deployment("crashed")
    no_index = {"DAILYPAPERS_INDEX_ON_IMPORT": "0"}
    for site in (clean, crashed):
        site.cli("migrate", "-v0")
    clean.cli("import", "--batch-size", "500", str(source), env=no_index)

    victim = crashed.cli(
        "import",
        "--batch-size",
        "500",
        str(source),
        env=no_index,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kill_when(victim, lambda: count(crashed) >= 2000)
    at_kill = count(crashed)
    assert 0 < at_kill < total, "the kill must land mid-import for this test to mean anything"
    assert at_kill % 500 == 0, "whole batches only: never half a batch"

    rerun = crashed.cli("import", "--batch-size", "500", str(source), env=no_index)
    assert rerun.stdout.strip() == (
        f"imported {total - at_kill} new, 0 updated, {at_kill} unchanged, 0 rejected"
    )
    assert rows(crashed) == rows(clean)
    assert len(rows(clean)) == total
    assert authorships(crashed) == authorships(clean)
    assert len(authorships(clean)) > total


INDEX_CONTENTS = """
import hashlib, json
from dailypapers.search import index
folder = index.open_index.get()
contents = json.dumps(sorted(folder.contents().items())).encode()
print(json.dumps({
    "count": folder.count,
    "checksum": hashlib.sha256(contents).hexdigest(),
    "builds": len(list(index.root().glob("build-*"))),
}))
"""


def index_facts(site) -> dict:
    return json.loads(site.python(INDEX_CONTENTS))


def test_kill_during_authors_then_rerun_matches_an_uninterrupted_run(deployment, tmp_path):
    """`dailypapers authors` commits a chunk of papers at a time: kill -9 it after some chunks,
    and a re-run ends with the rows of one uninterrupted run, none lost and none twice."""
    source = tmp_path / "big.jsonl"
    total = big_snapshot(source, copies=40)
    clean, crashed = deployment("clean"), deployment("crashed")
    for site in (clean, crashed):
        site.cli("migrate", "-v0")
        site.cli("import", str(source), env={"DAILYPAPERS_INDEX_ON_IMPORT": "0"})
        site.sql_write("DELETE FROM people_authorship")  # every chunk has rows to write
    clean.cli("authors")
    written = len(authorships(clean))
    assert written > total

    victim = crashed.cli("authors", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    written_so_far = "SELECT count(*) FROM people_authorship"
    kill_when(victim, lambda: crashed.sql(written_so_far)[0][0] > 0)
    assert victim.returncode == -signal.SIGKILL
    at_kill = crashed.sql(written_so_far)[0][0]
    assert 0 < at_kill < written, "the kill must land mid-run for this test to mean anything"

    rerun = crashed.cli("authors")
    assert rerun.stdout.startswith(f"authors: {total:,} papers in ")
    assert authorships(crashed) == authorships(clean)
    slugs = "SELECT slug FROM people_author ORDER BY slug"
    assert crashed.sql(slugs) == clean.sql(slugs)


def test_a_failing_authors_command_says_what_failed(deployment):
    """A database error gives one clear line and exit status 1, not a traceback."""
    site = deployment("authors-fail")
    site.cli("migrate", "-v0")
    site.cli("import", str(SNAPSHOT_200), env={"DAILYPAPERS_INDEX_ON_IMPORT": "0"})
    site.sql_write("DROP TABLE people_authorship" + (" CASCADE" if site.database_url else ""))
    failed = site.cli("authors", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = failed.communicate(timeout=300)
    assert failed.returncode == 1
    assert out == ""
    said = [line for line in err.splitlines() if line.startswith("CommandError: ")]
    assert len(said) == 1, err
    assert said[0].startswith("CommandError: rebuilding the author identities failed: ")
    assert "people_authorship" in said[0]
    assert said[0].endswith("run `dailypapers authors` again")
    assert "Traceback" not in err


def test_kill_during_reindex_keeps_the_old_index_and_a_rerun_completes(deployment, tmp_path):
    source = tmp_path / "big.jsonl"
    big_snapshot(source, copies=40)
    clean, crashed = deployment("clean"), deployment("crashed")
    for site in (clean, crashed):
        site.cli("migrate", "-v0")
        site.cli("import", str(SNAPSHOT_200))
        site.cli("reindex")
        site.cli("import", str(source), env={"DAILYPAPERS_INDEX_ON_IMPORT": "0"})
    before = index_facts(crashed)
    clean.cli("reindex")

    builds = crashed.home / "search"
    old_builds = set(builds.glob("build-*"))
    victim = crashed.cli("reindex", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    embedding: list[int] = []

    def embedding_under_way() -> bool:
        embedding[:] = children_of(victim.pid)
        new = [f / "vectors.i8" for f in set(builds.glob("build-*")) - old_builds]
        return any(f.exists() and f.stat().st_size for f in new)

    kill_when(victim, embedding_under_way)
    assert victim.returncode == -signal.SIGKILL
    assert embedding, "the build embeds in a process of its own"
    assert gone_within(embedding, seconds=5), "the embedding process outlived the killed build"
    assert index_facts(crashed)["checksum"] == before["checksum"], "the old index still serves"
    found = json.loads(crashed.cli("search", "--json", "Calculation of prompt diphoton").stdout)
    assert found["ids"][0] == "0704.0001"

    crashed.cli("reindex")
    assert "matches the database" in crashed.cli("check").stdout
    after = index_facts(crashed)
    assert after == index_facts(clean)
    assert authorships(crashed) == authorships(clean)
    assert after["builds"] == 1  # the killed build's folder is gone


def test_kill_during_a_library_import_leaves_the_library_as_it_was(deployment, tmp_path):
    """The library import saves in one transaction: kill -9 mid-way, and nothing is saved;
    the re-run saves everything once."""
    source = tmp_path / "big.jsonl"
    total = big_snapshot(source, copies=25)  # 5,000 papers: the most one import takes
    site = deployment("library")
    site.cli("migrate", "-v0")
    site.cli("import", str(source), env={"DAILYPAPERS_INDEX_ON_IMPORT": "0"})
    site.python("from django.contrib.auth.models import User; User.objects.create_user('alice')")
    ids = tmp_path / "ids.txt"
    ids.write_text("".join(f"2001.{n:05d}\n" for n in range(total)))
    log = tmp_path / "stderr.log"
    with open(log, "w") as stderr:
        victim = site.cli(
            "library",
            "import",
            "--user",
            "alice",
            str(ids),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        kill_when(victim, lambda: "saving:  10.0%" in log.read_text())
    assert victim.returncode == -signal.SIGKILL
    assert "100.0%" not in log.read_text(), "the kill must land mid-import"
    assert site.sql("SELECT count(*) FROM library_savedpaper")[0][0] == 0

    rerun = site.cli("library", "import", "--user", "alice", str(ids))
    assert rerun.stdout.startswith(f"imported {total} new, 0 already saved")
    assert site.sql("SELECT count(DISTINCT paper_id) FROM library_savedpaper")[0][0] == total
