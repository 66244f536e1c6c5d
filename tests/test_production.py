"""Production mode, proved from outside: gunicorn with several workers on the database under
test (SQLite or PostgreSQL), hit over real HTTP by many clients at once."""

import json
import re
import subprocess
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import SNAPSHOT_200

pytestmark = pytest.mark.system  # real servers and processes: skipped by `make test-fast`

PAPERS = [f"0704.{n:04d}" for n in range(1, 11)]
UNLIMITED = {"DAILYPAPERS_API_RATE_PER_IP": "1000000", "DAILYPAPERS_API_RATE_PER_TOKEN": "1000000"}
MAKE_USERS = """
import json
from django.contrib.auth.models import User
from dailypapers.accounts.tokens import create_token
tokens = [create_token(User.objects.create_user(f"reader{{n}}"))[1] for n in range({count})]
print(json.dumps(tokens))
"""


def request(method: str, url: str, token: str = "", body: dict | None = None, headers=None):
    """(status, parsed JSON or text, headers) of one HTTP request; never raises on 4xx/5xx."""
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    call = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(call, timeout=60) as response:
            status, raw, got = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, got = error.code, error.read(), error.headers
    text = raw.decode()
    is_json = got.get("Content-Type", "").startswith("application/json")
    return status, json.loads(text) if is_json else text, got


def site_with_papers(deployment, users: int = 0, listed: bool = True):
    site = deployment()
    site.cli("migrate", "-v0")
    site.cli("import", str(SNAPSHOT_200))
    if listed:
        site.cli("createcurator", "editor", env={"DAILYPAPERS_CURATOR_PASSWORD": "x" * 16})
        site.cli("submit", *PAPERS, "--as", "editor")
    tokens = json.loads(site.python(MAKE_USERS.format(count=users))) if users else []
    return site, tokens


def test_prod_server_is_hardened(deployment):
    site, _ = site_with_papers(deployment)
    with site.serve(workers=2, DAILYPAPERS_SECURE_COOKIES="1") as base:
        status, page, _ = request("GET", base + "/")
        assert status == 200 and "0704.0001" in page
        stylesheet = re.search(r'href="(/static/feed/site\.[0-9a-f]{12}\.css)"', page).group(1)
        status, _, headers = request("GET", base + stylesheet)
        assert status == 200 and "immutable" in headers["Cache-Control"]  # whitenoise

        _, _, headers = request("GET", base + "/about", headers={"X-Forwarded-Proto": "https"})
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        for _ in range(3):  # answered by the page cache after the first time
            _, _, headers = request("GET", base + "/about")
            assert "Strict-Transport-Security" not in headers  # never over plain HTTP
            assert headers["X-Frame-Options"] == "DENY"
            assert "script-src 'self'" in headers["Content-Security-Policy"]

        _, docs, _ = request("GET", base + "/api/docs")  # Swagger UI from our hashed static files
        bundle = re.search(r'src="(/static/ninja/swagger-ui-bundle\.[0-9a-f]{12}\.js)"', docs)
        assert request("GET", base + bundle.group(1))[0] == 200

        status, _, _ = request("GET", base + "/", headers={"Host": "evil.example"})
        assert status == 400
        status, page, _ = request("GET", base + "/no/such/page")
        assert status == 404 and "Traceback" not in page and "URLconf" not in page  # DEBUG off
        _, _, headers = request("GET", base + "/accounts/signup")
        assert "Secure" in headers["Set-Cookie"] and "HttpOnly" not in headers["Set-Cookie"]


def test_32_clients_toggling_votes_agree_with_the_votes_table(deployment):
    clients = 32
    site, tokens = site_with_papers(deployment, users=clients)

    def toggles(client: int, paper: int) -> int:
        return 1 + (client + paper) % 4  # odd: the vote stays; even: it is taken back

    def voter(client: int) -> list[int]:
        statuses = []
        for paper_index, arxiv_id in enumerate(PAPERS):
            for n in range(toggles(client, paper_index)):
                method = "POST" if n % 2 == 0 else "DELETE"
                url = f"{base}/api/papers/{arxiv_id}/upvote"
                statuses.append(request(method, url, tokens[client])[0])
        return statuses

    with site.serve(workers=4, **UNLIMITED) as base:
        with ThreadPoolExecutor(clients) as pool:
            statuses = Counter(s for each in pool.map(voter, range(clients)) for s in each)
        assert statuses == Counter(
            {200: sum(toggles(c, p) for c in range(clients) for p in range(10))}
        )
        served = {a: request("GET", f"{base}/api/papers/{a}")[1]["upvotes"] for a in PAPERS}

    expected = {
        arxiv_id: sum(toggles(c, p) % 2 for c in range(clients))
        for p, arxiv_id in enumerate(PAPERS)
    }
    in_votes_table = dict(site.sql("SELECT paper_id, count(*) FROM feed_vote GROUP BY paper_id"))
    counters = dict(site.sql("SELECT paper_id, upvotes FROM feed_dailyentry"))
    assert in_votes_table == expected
    assert counters == expected
    assert served == expected


def test_16_concurrent_submissions_of_one_paper_make_one_entry(deployment):
    site, tokens = site_with_papers(deployment, users=16, listed=False)
    with site.serve(workers=4, **UNLIMITED) as base:

        def submit(token):
            return request("POST", f"{base}/api/papers/submit", token, {"paper_id": "0704.0042"})

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(submit, tokens))
    statuses = Counter(status for status, _, _ in answers)
    assert statuses == Counter({201: 1, 409: 15})
    refusals = [body["error"]["message"] for status, body, _ in answers if status == 409]
    assert all("already on the list" in message for message in refusals)
    assert site.sql("SELECT count(*) FROM feed_dailyentry") == [(1,)]


def versioned_snapshot(path, version: int, extra_ids: range) -> None:
    """The first 100 real records at one version (title marked with it), plus ids of its own."""
    rows = [json.loads(line) for line in SNAPSHOT_200.read_text().splitlines()[:100]]
    with open(path, "w") as out:
        for row in rows:
            versions = [
                {"version": f"v{n}", "created": f"Mon, {n} Apr 2007 00:00:00 GMT"}
                for n in range(1, version + 1)
            ]
            out.write(
                json.dumps({**row, "title": f"{row['title']} [v{version}]", "versions": versions})
                + "\n"
            )
        for n in extra_ids:
            out.write(json.dumps({**rows[0], "id": f"2001.{n:05d}"}) + "\n")


def test_concurrent_overlapping_imports_make_no_duplicates_and_newest_wins(deployment, tmp_path):
    site = deployment()
    site.cli("migrate", "-v0")
    site.cli("reindex")  # an (empty) index, so every import also writes to it concurrently
    files = []
    for version in (1, 2, 3, 4):
        files.append(tmp_path / f"v{version}.jsonl")
        versioned_snapshot(files[-1], version, range(version * 1000, version * 1000 + 300))
    imports = [
        site.cli(
            "import", "--batch-size", "25", str(f), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for f in files
    ]
    for each in imports:
        _, errors = each.communicate(timeout=300)
        assert each.returncode == 0, errors

    assert site.sql("SELECT count(*), count(DISTINCT arxiv_id) FROM papers_paper") == [(1300, 1300)]
    overlapping = site.sql("SELECT version, title FROM papers_paper WHERE arxiv_id LIKE '0704.%'")
    assert len(overlapping) == 100
    assert all(version == 4 and title.endswith("[v4]") for version, title in overlapping)
    assert (
        "matches the database" in site.cli("check").stdout
    )  # the index holds each paper once, current


def test_a_second_host_catches_up_with_incremental_reindex(deployment, tmp_path):
    site, _ = site_with_papers(deployment, listed=False)
    host_a = {"DAILYPAPERS_SEARCH_INDEX": str(tmp_path / "index-a")}
    host_b = {"DAILYPAPERS_SEARCH_INDEX": str(tmp_path / "index-b")}
    for host in (host_a, host_b):
        site.cli("reindex", env=host)
    new_paper = tmp_path / "new.jsonl"
    record = json.loads(SNAPSHOT_200.read_text().splitlines()[0])
    new_paper.write_text(
        json.dumps(
            {
                **record,
                "id": "2611.00777",
                "title": "Zyxwvut phenomena in qubits",
                # About what its title says: hybrid search weighs meaning as well as words
                # (search/fusion_weights.json), and this test is about where the index is.
                "abstract": "We observe zyxwvut phenomena in superconducting qubits.",
            }
        )
        + "\n"
    )

    def top_hit(base):
        status, body, _ = request("GET", f"{base}/api/papers/search?q=zyxwvut+qubits")
        assert status == 200
        return body[0]["paper"]["id"]

    with site.serve(workers=2, **host_a) as a, site.serve(workers=2, **host_b) as b:
        assert top_hit(a) != "2611.00777" and top_hit(b) != "2611.00777"
        site.cli("import", str(new_paper), env=host_a)  # host A indexes what it imports
        assert top_hit(a) == "2611.00777"
        assert top_hit(b) != "2611.00777"
        site.cli("reindex", "--incremental", env=host_b)
        assert top_hit(b) == "2611.00777"  # picked up by running workers, no restart
