"""kill -9 in the middle of refresh-github, then a re-run: every repository done, exactly one
star count per repository and day (as an uninterrupted run leaves it)."""

import json
import re
import subprocess
import time

import pytest
from conftest import SNAPSHOT_200
from test_crash import kill_when
from werkzeug import Response

pytestmark = pytest.mark.system  # real servers and processes: skipped by `make test-fast`

REPOSITORIES = 60


def snapshot_with_code(path) -> None:
    """Real snapshot lines under fresh ids, each abstract naming its own GitHub repository."""
    lines = [json.loads(line) for line in SNAPSHOT_200.read_text().splitlines()]
    with open(path, "w") as out:
        for n in range(REPOSITORIES):
            row = dict(lines[n], id=f"2411.{n:05d}")
            row["abstract"] += f" Code: https://github.com/crash-test/repo{n}."
            out.write(json.dumps(row) + "\n")


def slow_github(request):
    """GitHub's answer for /repos/crash-test/repoN, a little slowly so the kill lands mid-run."""
    time.sleep(0.05)
    full_name = request.path.removeprefix("/repos/")
    number = int(re.search(r"\d+$", full_name).group())
    body = {
        "id": 1000 + number,
        "name": full_name.split("/")[1],
        "full_name": full_name,
        "html_url": f"https://github.com/{full_name}",
        "stargazers_count": 10 * number,
        "created_at": "2020-05-01T10:00:00Z",
    }
    return Response(
        json.dumps(body),
        headers={"ETag": f'"{number}"', "X-RateLimit-Remaining": "4000"},
        content_type="application/json",
    )


def star_rows(site):
    return site.sql("SELECT count(*) FROM links_starcount")[0][0]


def test_kill_during_refresh_then_rerun_counts_each_repository_once(
    deployment, tmp_path, httpserver
):
    source = tmp_path / "code.jsonl"
    snapshot_with_code(source)
    httpserver.expect_request(re.compile(r"/repos/crash-test/repo\d+")).respond_with_handler(
        slow_github
    )
    site = deployment("github")
    env = {
        "DAILYPAPERS_INDEX_ON_IMPORT": "0",
        "DAILYPAPERS_GITHUB_API_URL": httpserver.url_for("/").rstrip("/"),
        "DAILYPAPERS_GITHUB_MIN_INTERVAL": "0",
    }
    site.cli("migrate", "-v0")
    site.cli("import", str(source), env=env)

    def counted():
        try:
            return star_rows(site) >= 15
        except Exception:  # the table may be locked for a moment
            return False

    victim = site.cli(
        "refresh-github", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    kill_when(victim, counted)
    at_kill = star_rows(site)
    assert 0 < at_kill < REPOSITORIES, "the kill must land mid-run for this test to mean anything"

    rerun = site.cli("refresh-github", env=env)
    assert rerun.stdout.strip().startswith(
        f"checked {REPOSITORIES - at_kill} of {REPOSITORIES - at_kill} repositories"
    )
    assert (
        site.sql(
            "SELECT repository_id, date, count(*) FROM links_starcount "
            "GROUP BY repository_id, date HAVING count(*) > 1"
        )
        == []
    )
    assert star_rows(site) == REPOSITORIES
    states = site.sql("SELECT state, count(*) FROM links_repository GROUP BY state")
    assert states == [("ok", REPOSITORIES)]
    stars = site.sql(
        "SELECT r.full_name, c.stars FROM links_repository r "
        "JOIN links_starcount c ON c.repository_id = r.id ORDER BY r.id"
    )
    assert sorted(stars) == sorted((f"crash-test/repo{n}", 10 * n) for n in range(REPOSITORIES))
    # Each repository was asked about once, except any whose answer the kill cut off.
    asked = [request.path for request, _ in httpserver.log]
    assert len(set(asked)) == REPOSITORIES and len(asked) <= REPOSITORIES + 1

    again = site.cli("refresh-github", env=env)  # the same day: nothing left to do
    assert again.stdout.strip().startswith("checked 0 of 0 repositories")
    assert star_rows(site) == REPOSITORIES
