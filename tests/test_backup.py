"""deploy/backup.sh and deploy/restore.sh, on the database under test."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SNAPSHOT_200

pytestmark = pytest.mark.system  # real servers and processes: skipped by `make test-fast`

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
STATE = (
    "SELECT (SELECT count(*) FROM papers_paper), (SELECT count(*) FROM feed_dailyentry), "
    "(SELECT count(*) FROM feed_vote), (SELECT count(*) FROM auth_user), "
    "(SELECT max(content_hash) FROM papers_paper)"
)
VOTE = """
from django.contrib.auth.models import User
from dailypapers.feed import services
from dailypapers.papers.models import Paper
user = User.objects.create_user("{name}")
services.set_vote(user, Paper.objects.get(pk="0704.0001"), True)
"""


def script(site, name: str, *args: str) -> subprocess.CompletedProcess:
    env = site.env(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(
        ["bash", str(DEPLOY / name), *map(str, args)], env=env, capture_output=True, text=True
    )


@pytest.fixture
def site(deployment):
    site = deployment()
    site.cli("migrate", "-v0")
    site.cli("import", str(SNAPSHOT_200))
    site.cli("reindex")
    site.cli("createcurator", "editor", env={"DAILYPAPERS_CURATOR_PASSWORD": "x" * 16})
    site.cli("submit", "0704.0001", "0704.0002", "--as", "editor")
    site.python(VOTE.format(name="first"))
    return site


def test_backup_then_restore_brings_back_exactly_the_backed_up_state(site, tmp_path):
    backups = tmp_path / "backups"
    saved = site.sql(STATE)
    made = script(site, "backup.sh", backups, 2)
    assert made.returncode == 0, made.stderr
    for _ in range(2):
        assert script(site, "backup.sh", backups, 2).returncode == 0
    kept = sorted(backups.glob("dailypapers-*.backup"))
    assert len(kept) == 2  # rotation keeps the newest two
    assert not list(backups.glob(".*partial"))

    site.python(VOTE.format(name="second"))  # written after the backup: the restore drops it
    site.sql_write("DELETE FROM feed_dailyentry WHERE paper_id = '0704.0002'")
    assert site.sql(STATE) != saved

    restored = script(site, "restore.sh", kept[-1])
    assert restored.returncode == 0, restored.stderr
    assert site.sql(STATE) == saved
    assert "matches the database" in restored.stdout  # the index was rebuilt and checked


def test_restoring_something_that_is_not_a_backup_changes_nothing(site, tmp_path):
    saved = site.sql(STATE)
    bogus = tmp_path / "notes.backup"
    bogus.write_text("not a database\n")
    failed = script(site, "restore.sh", bogus)
    assert failed.returncode != 0
    assert "is not a" in failed.stderr
    assert site.sql(STATE) == saved
    refused = subprocess.run(
        [sys.executable, "-m", "dailypapers.cli", "restore", str(bogus)],
        env=site.env(),
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "--yes" in refused.stderr
