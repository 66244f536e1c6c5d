"""kill -9 in the middle of `dailypapers summarize`, then a re-run: every stored summary is
whole, no paper summarized before the kill is asked for again, and the budget counted every
request sent."""

import json
import signal
import subprocess

import pytest
from conftest import SNAPSHOT_200
from fake_llm import FakeLlm
from test_crash import kill_when

pytestmark = pytest.mark.system

PAPERS = 12
CONCURRENCY = 2


def test_kill_during_summarize_then_rerun_asks_nothing_twice(deployment):
    site = deployment()
    site.cli("migrate", "-v0")
    site.cli("import", str(SNAPSHOT_200), env={"DAILYPAPERS_INDEX_ON_IMPORT": "0"})
    ids = [row[0] for row in site.sql("SELECT arxiv_id FROM papers_paper ORDER BY arxiv_id")]
    ids = ids[:PAPERS]
    titles = {
        arxiv_id: " ".join(title.split())
        for arxiv_id, title in site.sql("SELECT arxiv_id, title FROM papers_paper")
    }
    with FakeLlm(pause=0.4) as llm:
        env = {
            "DAILYPAPERS_LLM_URL": llm.url,
            "DAILYPAPERS_LLM_MODEL": "m",
            "DAILYPAPERS_LLM_CONCURRENCY": str(CONCURRENCY),
        }

        def stored() -> dict[str, str]:
            rows = site.sql("SELECT paper_id, text FROM summaries_summary WHERE status = 'ok'")
            return dict(rows)

        victim = site.cli(
            "summarize",
            "--ids",
            *ids,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        kill_when(victim, lambda: len(stored()) >= 4)
        assert victim.returncode == -signal.SIGKILL
        before = stored()
        assert 4 <= len(before) < PAPERS, "the kill must land mid-run to mean anything"
        asked_before = sum(len(times) for times in llm.asked.values())
        assert site.sql("SELECT requests FROM summaries_dailyusage")[0][0] >= asked_before

        rerun = site.cli("summarize", "--ids", *ids, env=env)
        assert " 0 skipped, 0 left" in rerun.stdout

    after = stored()
    assert sorted(after) == sorted(ids)
    for arxiv_id, text in after.items():
        assert text == f"{' '.join(titles[arxiv_id].split())} shows a thing."  # whole
    for arxiv_id in before:
        assert len(llm.asked[titles[arxiv_id]]) == 1, f"{arxiv_id} was asked again"
    asked = sum(len(times) for times in llm.asked.values())
    # Only the requests in flight at the kill may have been sent twice.
    assert asked <= PAPERS + CONCURRENCY
    assert site.sql("SELECT requests FROM summaries_dailyusage")[0][0] >= asked
    print(json.dumps({"summarized_before_kill": len(before), "requests": asked}))
