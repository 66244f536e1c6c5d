"""kill -9 while `reindex --incremental` extends the HNSW graph, then a re-run, ends with a
graph that holds every row once and finds what an exact scan finds."""

import json
import subprocess

import pytest
from conftest import SNAPSHOT_200
from test_crash import kill_when

pytestmark = pytest.mark.system  # real processes: skipped by `make test-fast`

GRAPH_FACTS = """
import json
import numpy as np
from usearch.index import Index
from dailypapers.search import index
folder = index.open_index.get()
saved = Index.restore(str(folder.path / "hnsw.usearch"), view=True)
vectors = np.asarray(folder.vectors, dtype=np.float32)
unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
missed = 0
for row in range(0, folder.count, 10):
    # 4x the rows: the graph's int8 distances may swap near-ties at the 10th place
    found = {o for o, _ in folder.nearest(unit[row], 40)}
    missed += len(set(np.argsort(-(unit @ unit[row]))[:10].tolist()) - found)
print(json.dumps({
    "count": folder.count,
    "pending": folder.graph_pending,
    "keys": sorted(int(k) for k in saved.keys),
    "missed": missed,
}))
"""


def graph_facts(site) -> dict:
    return json.loads(site.python(GRAPH_FACTS))


def recorded_rows(site) -> int:
    try:
        meta = json.loads((site.home / "search" / "current" / "meta.json").read_text())
    except (OSError, ValueError):
        return 0
    return meta["hnsw_count"]


def test_kill_while_extending_the_graph_then_rerun_covers_every_row_once(deployment):
    site = deployment("crashed")
    site.cli("migrate", "-v0")
    site.cli("import", str(SNAPSHOT_200))  # the first import builds the index, not its graph
    assert "graph: 200 papers pending" in site.cli("check").stdout

    victim = site.cli(
        "reindex",
        "--incremental",
        "--graph-step",
        "1",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kill_when(victim, lambda: recorded_rows(site) >= 20)
    at_kill = recorded_rows(site)
    assert 0 < at_kill < 200, "the kill must land mid-run for this test to mean anything"
    assert f"graph: {200 - at_kill} papers pending" in site.cli("check").stdout

    rerun = site.cli("reindex", "--incremental", "--graph-step", "7").stdout
    assert rerun.strip().endswith("papers to the HNSW graph; 0 pending")
    facts = graph_facts(site)
    assert facts["pending"] == 0
    assert facts["keys"] == list(range(200))  # every row once: none lost, none added twice
    # The exact top ten of 20 rows (200 neighbours) among the graph's 40 candidates. HNSW is
    # approximate, and where the kill lands changes how the graph grew: it missed 3 of 200
    # once (session 12) and 7 once (session 13) in clean-clone runs, none in six others. A
    # graph that finds other rows misses about 160 (its 40 of 200 rows at random); the
    # bound, 90% recall, tells the two apart without failing on HNSW's approximation.
    assert facts["missed"] <= 20
    assert "graph: 0 papers pending" in site.cli("check").stdout
