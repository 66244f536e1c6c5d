"""kill -9 during `embed-neural`, then a re-run, ends as one uninterrupted run did: every
paper gets the vector of its present text, and no row is current before it is written."""

import json
import subprocess

import pytest
from conftest import SNAPSHOT_200
from test_crash import kill_when

pytestmark = pytest.mark.system  # real processes: skipped by `make test-fast`

NEURAL_FACTS = """
import hashlib, json
import numpy as np
from dailypapers.search import index
folder = index.open_index.get()
has, vectors = folder.neural_of(list(range(folder.count)))
rows = {folder.arxiv_id(o): vectors[o].tobytes().hex() for o in range(folder.count) if has[o]}
print(json.dumps({
    "pending": len(folder.neural_pending()),
    "checksum": hashlib.sha256(json.dumps(sorted(rows.items())).encode()).hexdigest(),
}))
"""


def neural_facts(site) -> dict:
    return json.loads(site.python(NEURAL_FACTS))


def test_kill_during_embed_neural_then_rerun_matches_an_uninterrupted_run(deployment):
    clean, crashed = deployment("clean"), deployment("crashed")
    for site in (clean, crashed):
        site.cli("migrate", "-v0")
        site.cli("import", str(SNAPSHOT_200))  # the first import builds the index
    assert neural_facts(clean)["pending"] == 200
    clean.cli("embed-neural", "--chunk", "10")

    victim = crashed.cli(
        "embed-neural",
        "--chunk",
        "10",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    written = crashed.home / "search" / "current" / "neural_hashes.bin"
    kill_when(victim, lambda: written.exists() and written.stat().st_size >= 2 * 10 * 32)
    at_kill = neural_facts(crashed)["pending"]
    assert 0 < at_kill < 200, "the kill must land mid-run for this test to mean anything"
    assert "neural: " in crashed.cli("check").stdout

    rerun = crashed.cli("embed-neural", "--chunk", "10")
    assert rerun.stdout.strip() == f"computed {at_kill} neural vectors; 0 papers pending"
    assert neural_facts(crashed) == neural_facts(clean)
    assert neural_facts(clean)["pending"] == 0
    assert "neural: 0 papers pending" in crashed.cli("check").stdout
