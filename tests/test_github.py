"""refresh-github against a local HTTP server answering as GitHub's REST API documents: stars
once a day, ETags, the primary and secondary rate limits, renames, gone repositories, the
reader under fuzzing; and what the stars feed: stars_for and trending by code activity."""

import json
import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import examples
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dailypapers.links import github
from dailypapers.links.github import (
    GitHubClient,
    MalformedRepository,
    RepositoryInfo,
    full_name_in,
    read_repository,
    refresh,
)
from dailypapers.links.models import PaperRepository, Repository, StarCount
from dailypapers.links.stars import stars_for

FIXTURES = Path(__file__).parent / "fixtures" / "github"
EXAMPLE = json.loads((FIXTURES / "repository.json").read_text())


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def repository_json(full_name: str, stars: int, created_at: str = "2011-01-26T19:01:12Z") -> str:
    """GitHub's documented example, renamed and restarred."""
    owner, name = full_name.split("/")
    body = dict(EXAMPLE, full_name=full_name, name=name, stargazers_count=stars)
    body["html_url"] = f"https://github.com/{full_name}"
    body["owner"] = dict(EXAMPLE["owner"], login=owner)
    body["created_at"] = created_at
    return json.dumps(body)


def quota(remaining: int = 59, reset: float | None = None) -> dict:
    reset = reset if reset is not None else time.time() + 3600
    return {
        "X-RateLimit-Limit": "60",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(int(reset)),
        "X-RateLimit-Used": str(60 - remaining),
        "X-RateLimit-Resource": "core",
        "Content-Type": "application/json; charset=utf-8",
    }


@pytest.fixture
def api(httpserver, settings):
    """The local server standing in for api.github.com, and no spacing between requests."""
    settings.GITHUB_API_URL = httpserver.url_for("/").rstrip("/")
    settings.GITHUB_MIN_INTERVAL = 0
    settings.GITHUB_TOKEN = ""
    return httpserver


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def client_sleeping():
    sleeps = Sleeps()
    return GitHubClient(sleep=sleeps), sleeps


@pytest.fixture
def paper_with_code(make_paper):
    def make(arxiv_id: str, *urls: str, **fields):
        code = " ".join(f"Code: {url}." for url in urls)
        return make_paper(arxiv_id, abstract=f"We study things. {code}", **fields)

    return make


def requests_to(server, path: str) -> list:
    return [request for request, _ in server.log if request.path == path]


# --- the reader ---------------------------------------------------------------------------


def test_full_name_in_accepts_repository_urls_only():
    assert full_name_in("https://github.com/octocat/Hello-World") == "octocat/Hello-World"
    assert full_name_in("http://www.github.com/octocat/Hello-World.git/") == "octocat/Hello-World"
    assert full_name_in("https://github.com/octocat") is None
    assert full_name_in("https://github.com/octocat/Hello-World/tree/main") is None
    assert full_name_in("https://gitlab.com/octocat/Hello-World") is None
    assert full_name_in("https://github.com/-bad/x") is None
    assert full_name_in("https://github.com/octocat/..") is None


def test_reads_githubs_documented_example():
    info = read_repository((FIXTURES / "repository.json").read_bytes())
    assert info == RepositoryInfo(
        full_name="octocat/Hello-World",
        stars=80,
        html_url="https://github.com/octocat/Hello-World",
        created_at=datetime(2011, 1, 26, 19, 1, 12, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html>502 Bad Gateway</html>",
        b"[]",
        b'"octocat/Hello-World"',
        b"\xff\xfe{}",
        b"[" * 100_000,
        json.dumps(dict(EXAMPLE, stargazers_count="80")).encode(),
        json.dumps(dict(EXAMPLE, stargazers_count=True)).encode(),
        json.dumps(dict(EXAMPLE, stargazers_count=-1)).encode(),
        json.dumps(dict(EXAMPLE, stargazers_count=80.0)).encode(),
        json.dumps(dict(EXAMPLE, stargazers_count=10**30)).encode(),
        b'{"full_name": "a/b", "html_url": "https://github.com/a/b", "stargazers_count": '
        + b"9" * 5000
        + b"}",
        json.dumps(dict(EXAMPLE, full_name="octocat")).encode(),
        json.dumps(dict(EXAMPLE, full_name="octo cat/x")).encode(),
        json.dumps(dict(EXAMPLE, html_url="javascript:alert(1)")).encode(),
        json.dumps(dict(EXAMPLE, created_at="yesterday")).encode(),
        json.dumps(dict(EXAMPLE, created_at=12)).encode(),
        json.dumps({k: v for k, v in EXAMPLE.items() if k != "stargazers_count"}).encode(),
    ],
)
def test_malformed_answers_are_refused_clearly(body):
    with pytest.raises(MalformedRepository):
        read_repository(body)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
FIELDS = ["full_name", "stargazers_count", "html_url", "created_at"]


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_reader_never_crashes_on_bytes(body):
    try:
        info = read_repository(body)
    except MalformedRepository:
        return
    assert isinstance(info, RepositoryInfo)


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.sampled_from(FIELDS), JSON | st.integers(min_value=-(10**40)), max_size=4)
)
def test_reader_takes_only_well_typed_fields(changes):
    body = json.dumps(dict(EXAMPLE, **changes)).encode()
    try:
        info = read_repository(body)
    except MalformedRepository:
        return
    assert type(info.stars) is int and 0 <= info.stars <= github.MAX_STARS
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", info.full_name)
    assert info.html_url.startswith(("http://", "https://"))
    assert info.created_at is None or info.created_at.tzinfo is not None


# --- refresh against the local server -----------------------------------------------------


def test_refresh_records_stars_once_a_day(api, paper_with_code):
    paper = paper_with_code("2411.00001", "https://github.com/octocat/Hello-World")
    paper_with_code("2411.00002", "https://github.com/OctoCat/hello-world")  # same repository
    api.expect_request("/repos/octocat/Hello-World").respond_with_data(
        fixture("repository.json"), headers={**quota(), "ETag": 'W/"abc"'}
    )
    summary = refresh()
    assert summary.line().startswith("checked 1 of 1 repositories: 1 updated")
    (repository,) = Repository.objects.all()
    assert (repository.state, repository.stars, repository.etag) == ("ok", 80, 'W/"abc"')
    assert repository.full_name == "octocat/Hello-World"
    assert PaperRepository.objects.count() == 2
    assert list(StarCount.objects.values_list("date", "stars")) == [(timezone.now().date(), 80)]
    assert stars_for([paper, "2411.00002", "2411.99999"]) == {"2411.00001": 80, "2411.00002": 80}

    again = refresh()  # the same day: nothing is due, nothing is asked
    assert again.due == 0
    assert len(api.log) == 1
    assert StarCount.objects.count() == 1


def test_user_agent_accept_and_token(api, settings, paper_with_code):
    settings.GITHUB_TOKEN = "ghp_example"
    paper_with_code("2411.00001", "https://github.com/octocat/Hello-World")
    api.expect_request(
        "/repos/octocat/Hello-World",
        headers={
            "Authorization": "Bearer ghp_example",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        },
    ).respond_with_data(fixture("repository.json"), headers=quota())
    assert refresh().updated == 1
    request, _ = api.log[0]
    assert request.headers["User-Agent"].startswith("dailypapers/")


def test_no_token_sends_no_authorization(api, paper_with_code):
    paper_with_code("2411.00001", "https://github.com/octocat/Hello-World")
    api.expect_request("/repos/octocat/Hello-World").respond_with_data(
        fixture("repository.json"), headers=quota()
    )
    refresh()
    request, _ = api.log[0]
    assert "Authorization" not in request.headers


def _a_day_passes():
    """Move every check and count one day back, as if they had happened yesterday."""
    yesterday = timezone.now() - timedelta(days=1)
    Repository.objects.exclude(last_checked=None).update(last_checked=yesterday)
    for count in StarCount.objects.all():
        count.date -= timedelta(days=1)
        count.save()


def test_conditional_request_304_still_counts_the_day(api, paper_with_code):
    paper_with_code("2411.00001", "https://github.com/octocat/Hello-World")
    api.expect_ordered_request("/repos/octocat/Hello-World").respond_with_data(
        fixture("repository.json"), headers={**quota(59), "ETag": '"v1"'}
    )
    api.expect_ordered_request(
        "/repos/octocat/Hello-World", headers={"If-None-Match": '"v1"'}
    ).respond_with_data("", status=304, headers={**quota(59), "ETag": '"v1"'})
    refresh()
    _a_day_passes()
    summary = refresh()
    assert (summary.unchanged, summary.updated) == (1, 0)
    today = timezone.now().date()
    counts = list(StarCount.objects.order_by("date").values_list("date", "stars"))
    assert counts == [(today - timedelta(days=1), 80), (today, 80)]
    assert Repository.objects.get().etag == '"v1"'


def test_primary_rate_limit_stops_and_reports(api, paper_with_code):
    for n in range(3):
        paper_with_code(f"2411.0000{n}", f"https://github.com/octocat/repo{n}")
    reset = time.time() + 1800
    api.expect_request("/repos/octocat/repo0").respond_with_data(
        repository_json("octocat/repo0", 5), headers=quota(0, reset)
    )
    summary = refresh()
    assert (summary.updated, summary.left) == (1, 2)
    assert "rate limit" in summary.stopped
    assert f"{datetime.fromtimestamp(reset, UTC):%H:%M} UTC" in summary.stopped
    assert len(api.log) == 1  # the spent quota is not asked again
    assert set(Repository.objects.values_list("full_name", "state")) == {
        ("octocat/repo0", "ok"),
        ("octocat/repo1", "new"),
        ("octocat/repo2", "new"),
    }


def test_refused_by_the_primary_limit_changes_nothing(api, paper_with_code):
    paper_with_code("2411.00001", "https://github.com/octocat/Hello-World")
    api.expect_request("/repos/octocat/Hello-World").respond_with_data(
        fixture("rate_limit_exceeded.json"), status=403, headers=quota(0)
    )
    summary = refresh()
    assert (summary.updated, summary.skipped, summary.left) == (0, 0, 1)
    repository = Repository.objects.get()
    assert (repository.state, repository.last_checked) == ("new", None)


def test_wait_sleeps_until_the_reset_then_resumes(api, paper_with_code, client_sleeping):
    client, sleeps = client_sleeping
    for n in range(2):
        paper_with_code(f"2411.0000{n}", f"https://github.com/octocat/repo{n}")
    reset = time.time() + 120
    api.expect_ordered_request("/repos/octocat/repo0").respond_with_data(
        fixture("rate_limit_exceeded.json"), status=429, headers=quota(0, reset)
    )
    for n in range(2):
        api.expect_ordered_request(f"/repos/octocat/repo{n}").respond_with_data(
            repository_json(f"octocat/repo{n}", n), headers=quota(50)
        )
    summary = refresh(wait=True, client=client)
    assert (summary.updated, summary.stopped) == (2, "")
    assert len(sleeps) == 1 and 100 < sleeps[0] <= 122


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_rate_limit_waits_retry_after(api, paper_with_code, client_sleeping, status):
    client, sleeps = client_sleeping
    paper_with_code("2411.00001", "https://github.com/octocat/Hello-World")
    api.expect_ordered_request("/repos/octocat/Hello-World").respond_with_data(
        fixture("secondary_rate_limit.json"),
        status=status,
        headers={**quota(40), "Retry-After": "7"},
    )
    api.expect_ordered_request("/repos/octocat/Hello-World").respond_with_data(
        fixture("repository.json"), headers=quota(39)
    )
    summary = refresh(client=client)
    assert summary.updated == 1
    assert sleeps == [7.0]


def test_secondary_limit_without_retry_after_waits_a_minute(api, paper_with_code, client_sleeping):
    client, sleeps = client_sleeping
    paper_with_code("2411.00001", "https://github.com/octocat/Hello-World")
    api.expect_ordered_request("/repos/octocat/Hello-World").respond_with_data(
        fixture("secondary_rate_limit.json"), status=403, headers=quota(40)
    )
    api.expect_ordered_request("/repos/octocat/Hello-World").respond_with_data(
        fixture("repository.json"), headers=quota(39)
    )
    assert refresh(client=client).updated == 1
    assert sleeps == [60.0]


def test_a_secondary_limit_asking_too_long_ends_the_run(api, paper_with_code, client_sleeping):
    client, sleeps = client_sleeping
    paper_with_code("2411.00001", "https://github.com/octocat/Hello-World")
    api.expect_request("/repos/octocat/Hello-World").respond_with_data(
        fixture("secondary_rate_limit.json"), status=403, headers={"Retry-After": "86400"}
    )
    summary = refresh(client=client)
    assert summary.left == 1 and "secondary" in summary.stopped
    assert sleeps == []


def test_rename_is_followed_and_recorded(api, paper_with_code):
    paper = paper_with_code("2411.00001", "https://github.com/old-owner/old-name")
    location = api.url_for("/repositories/1296269")
    api.expect_request("/repos/old-owner/old-name").respond_with_data(
        fixture("moved_permanently.json").replace(
            "https://api.github.com/repositories/1296269", location
        ),
        status=301,
        headers={**quota(), "Location": location},
    )
    api.expect_request("/repositories/1296269").respond_with_data(
        fixture("repository.json"), headers={**quota(), "ETag": '"new"'}
    )
    old = Repository.objects.none()
    summary = refresh()
    assert summary.renamed == 1
    old = Repository.objects.get(key="old-owner/old-name")
    new = Repository.objects.get(key="octocat/hello-world")
    assert (old.state, old.renamed_to, new.state, new.stars) == ("renamed", new, "ok", 80)
    assert stars_for([paper]) == {paper.pk: 80}
    assert list(StarCount.objects.values_list("repository", flat=True)) == [new.pk]
    github.sync_repositories()  # the paper's link still names the old name
    assert list(PaperRepository.objects.values_list("paper", "repository")) == [(paper.pk, new.pk)]

    # The next day the new name is asked about, not the old one.
    api.clear_log()
    _a_day_passes()
    api.expect_request("/repos/octocat/Hello-World").respond_with_data(
        repository_json("octocat/Hello-World", 95), headers=quota()
    )
    assert refresh().updated == 1
    assert [request.path for request, _ in api.log] == ["/repos/octocat/Hello-World"]
    counts = list(StarCount.objects.order_by("date").values_list("repository", "stars"))
    assert counts == [(new.pk, 80), (new.pk, 95)]
    assert stars_for([paper]) == {paper.pk: 95}


def test_rename_onto_a_known_name_moves_history(api, paper_with_code):
    paper_with_code("2411.00001", "https://github.com/octocat/Hello-World")
    paper_with_code("2411.00002", "https://github.com/octocat/old-name")
    api.expect_request("/repos/octocat/Hello-World").respond_with_data(
        fixture("repository.json"), headers=quota()
    )
    api.expect_request("/repos/octocat/old-name").respond_with_data(
        repository_json("octocat/old-name", 3), headers=quota()
    )
    refresh()
    _a_day_passes()
    api.clear_all_handlers()
    api.expect_request("/repos/octocat/Hello-World").respond_with_data(
        fixture("repository.json"), headers=quota()
    )
    # GitHub may also answer 200 with the new name (e.g. a transfer seen through a cache).
    api.expect_request("/repos/octocat/old-name").respond_with_data(
        repository_json("octocat/Hello-World", 81), headers=quota()
    )
    summary = refresh()
    assert summary.renamed + summary.updated == 2
    hello = Repository.objects.get(key="octocat/hello-world")
    assert Repository.objects.get(key="octocat/old-name").renamed_to == hello
    assert StarCount.objects.filter(repository__key="octocat/old-name").count() == 0
    assert StarCount.objects.filter(repository=hello).count() == 2  # yesterday's and today's
    assert stars_for(["2411.00001", "2411.00002"]) == {"2411.00001": 81, "2411.00002": 81}


def test_redirect_elsewhere_is_not_followed(api, paper_with_code):
    paper_with_code("2411.00001", "https://github.com/octocat/Hello-World")
    api.expect_request("/repos/octocat/Hello-World").respond_with_data(
        "", status=301, headers={"Location": "https://evil.example/steal"}
    )
    assert refresh().skipped == 1
    assert len(api.log) == 1


@pytest.mark.parametrize(
    ("status", "body"), [(404, "not_found.json"), (451, "unavailable_for_legal_reasons.json")]
)
def test_gone_repositories_are_marked_and_not_asked_every_run(api, paper_with_code, status, body):
    paper = paper_with_code("2411.00001", "https://github.com/octocat/Gone")
    api.expect_request("/repos/octocat/Gone").respond_with_data(
        fixture(body), status=status, headers=quota()
    )
    summary = refresh()
    assert (summary.gone, summary.skipped) == (1, 0)
    assert Repository.objects.get().state == "gone"
    assert stars_for([paper]) == {}
    _a_day_passes()
    assert refresh().due == 0
    assert len(api.log) == 1
    Repository.objects.update(last_checked=timezone.now() - github.GONE_RECHECK - timedelta(1))
    assert refresh().gone == 1
    assert len(api.log) == 2


def test_unreadable_answer_is_skipped_and_the_run_goes_on(api, paper_with_code):
    paper_with_code("2411.00001", "https://github.com/octocat/broken")
    paper_with_code("2411.00002", "https://github.com/octocat/Hello-World")
    api.expect_request("/repos/octocat/broken").respond_with_data(
        '{"full_name": "octocat/broken", "stargazers_count": "many"}', headers=quota()
    )
    api.expect_request("/repos/octocat/Hello-World").respond_with_data(
        fixture("repository.json"), headers=quota()
    )
    summary = refresh()
    assert (summary.skipped, summary.updated) == (1, 1)
    assert StarCount.objects.count() == 1
    assert Repository.objects.get(key="octocat/broken").last_checked is not None


def test_server_errors_stop_the_command_keeping_what_was_done(api, paper_with_code, settings):
    paper_with_code("2411.00001", "https://github.com/octocat/a")
    paper_with_code("2411.00002", "https://github.com/octocat/b")
    api.expect_request("/repos/octocat/a").respond_with_data(
        repository_json("octocat/a", 1), headers=quota()
    )
    api.expect_request("/repos/octocat/b").respond_with_data("oops", status=502)
    github_session = github.PoliteSession(
        min_interval=0,
        max_retries=1,
        service="GitHub",
        unavailable=github.GitHubUnavailable,
        retry_statuses=frozenset({502}),
        sleep=lambda s: None,
    )
    with pytest.raises(github.GitHubUnavailable, match="GitHub is not reachable"):
        refresh(client=GitHubClient(session=github_session))
    assert StarCount.objects.get().repository.key == "octocat/a"


def test_bad_token_is_a_clear_command_error(api, paper_with_code):
    paper_with_code("2411.00001", "https://github.com/octocat/Hello-World")
    api.expect_request("/repos/octocat/Hello-World").respond_with_data(
        '{"message": "Bad credentials"}', status=401
    )
    with pytest.raises(CommandError, match="401"):
        call_command("refresh-github")


def test_command_prints_the_summary_and_since_limits_papers(api, paper_with_code, capsys):
    recent = timezone.now() - timedelta(days=2)
    paper_with_code("2411.00001", "https://github.com/octocat/new", published=recent)
    paper_with_code("2411.00002", "https://github.com/octocat/old")  # published 2026-11-20
    api.expect_request("/repos/octocat/new").respond_with_data(
        repository_json("octocat/new", 7), headers=quota()
    )
    call_command("refresh-github", "--since", "3")
    assert "checked 1 of 1 repositories: 1 updated" in capsys.readouterr().out
    assert [request.path for request, _ in api.log] == ["/repos/octocat/new"]
    with pytest.raises(CommandError):
        call_command("refresh-github", "--since", "-1")


def test_links_removed_from_a_paper_leave_its_repositories(api, paper_with_code, make_paper):
    paper_with_code("2411.00001", "https://github.com/octocat/Hello-World")
    github.sync_repositories()
    assert PaperRepository.objects.count() == 1
    make_paper("2411.00001", version=2, abstract="No code any more.")
    github.sync_repositories()
    assert PaperRepository.objects.count() == 0


# --- stars gained and trending by code ----------------------------------------------------


def _repository(key: str, created: datetime | None = None, **fields) -> Repository:
    return Repository.objects.create(
        key=key.lower(), full_name=key, state="ok", created_at=created, **fields
    )


def _counts(repository, today: date, **by_days_ago: int):
    for ago, stars in by_days_ago.items():
        day = today - timedelta(days=int(ago.removeprefix("d")))
        StarCount.objects.create(repository=repository, date=day, stars=stars)


def _gained(repository, today: date) -> Repository:
    """Store the gains as a refresh recording today's count does."""
    for days, gained in github.star_gains(repository, today).items():
        setattr(repository, Repository.GAIN_FIELDS[days], gained)
    repository.save()
    return repository


@pytest.mark.django_db
def test_gain_formula():
    today = date(2026, 11, 28)
    old = datetime(2020, 1, 1, tzinfo=UTC)
    steady = _repository("a/steady", old)
    _counts(steady, today, d40=50, d10=100, d7=110, d3=150, d1=165, d0=170)
    assert github.star_gains(steady, today) == {1: 5, 7: 60, 30: 120}  # baseline: d1, d7, d40
    new_repo = _repository("a/new", datetime(2026, 11, 25, tzinfo=UTC))
    _counts(new_repo, today, d2=40, d0=60)  # created in the week: every star is new
    assert github.star_gains(new_repo, today) == {1: 20, 7: 60, 30: 60}
    late = _repository("a/late", old)
    _counts(late, today, d2=1000, d0=1030)  # old, first seen in the window: since first seen
    assert github.star_gains(late, today) == {1: 30, 7: 30, 30: 30}
    first = _repository("a/first", old)
    _counts(first, today, d0=5000)  # first seen today: nothing gained yet
    assert github.star_gains(first, today) == {1: 0, 7: 0, 30: 0}
    stale = _repository("a/stale", old)
    _counts(stale, today, d30=10, d1=12)  # no count today: no gain
    assert github.star_gains(stale, today) == {1: 0, 7: 0, 30: 0}
    gaps = _repository("a/gaps", old)
    _counts(gaps, today, d9=10, d0=30)  # days without a count: the newest one before counts
    assert github.star_gains(gaps, today) == {1: 20, 7: 20, 30: 20}


def test_feed_windows_are_the_stored_gains():
    from dailypapers.feed.listing import TRENDING_WINDOWS

    assert set(TRENDING_WINDOWS.values()) == set(Repository.GAIN_FIELDS)


@pytest.mark.django_db
def test_stars_for_takes_the_best_ok_repository(make_paper):
    one, two = make_paper("2411.00001"), make_paper("2411.00002")
    big = _repository("a/big", stars=900)
    small = _repository("a/small", stars=5)
    gone = _repository("a/gone", stars=10_000)
    gone.state = "gone"
    gone.save()
    for paper, repository in [(one, small), (one, big), (two, small), (two, gone)]:
        PaperRepository.objects.create(paper=paper, repository=repository)
    assert stars_for([one, two, "2411.00003"]) == {one.pk: 900, two.pk: 5}


@pytest.fixture
def code_activity(make_paper, list_paper):
    """Three listed papers: by upvote hotness c > b > a; by stars gained a > b; c has none."""
    today = timezone.now().date()
    old = datetime(2020, 1, 1, tzinfo=UTC)
    papers = {}
    for minute, (name, gained) in enumerate([("a", 500), ("b", 20), ("c", 0)]):
        paper = make_paper(f"2411.0000{minute + 1}", title=f"Paper {name}")
        list_paper(paper, today - timedelta(days=1), minute=minute)
        repository = _repository(f"o/{name}", old, stars=1000 + gained)
        _counts(repository, today, d9=1000, d0=1000 + gained)
        PaperRepository.objects.create(paper=paper, repository=_gained(repository, today))
        papers[name] = paper
    return papers


def _titles(html: str) -> list[str]:
    return re.findall(r"Paper ([abc])\b", html)


def test_trending_by_code_page(client, code_activity):
    default = client.get("/trending").content.decode()
    assert _titles(default)[:3] == ["c", "b", "a"]  # upvote hotness stays the default
    page = client.get("/trending?by=code").content.decode()
    ranked = _titles(page.split('<ol class="cards"', 1)[1])
    assert ranked[0] == "a" and "c" not in ranked and ranked.index("b") > ranked.index("a")
    assert "+500 GitHub stars in the past week" in page
    assert 'href="/about#trending-code"' in page
    assert 'aria-current="page">By GitHub stars' in page
    assert "window=day&amp;by=code" in page  # the window tabs keep the ranking


def test_trending_by_code_in_the_api_and_feeds(client, code_activity):
    items = client.get("/api/trending?by=code").json()
    assert [item["paper"]["id"] for item in items] == ["2411.00001", "2411.00002"]
    default = client.get("/api/trending").json()
    assert [item["paper"]["id"] for item in default][0] == "2411.00003"
    assert client.get("/api/trending?by=stars").status_code == 422
    feed = client.get("/feeds/trending.rss?by=code").content.decode()
    assert "by code" in feed and feed.index("Paper a") < feed.index("Paper b")
    assert "Paper c" not in feed


@pytest.mark.django_db
def test_about_documents_both_formulas(client):
    page = client.get("/about").content.decode()
    assert 'id="trending"' in page and 'id="trending-code"' in page
    assert "gained = stars today − stars at the baseline" in page
    assert "created inside the window" in page


def test_trending_command_by_code(code_activity, capsys):
    call_command("trending", "--by", "code", "--json")
    items = json.loads(capsys.readouterr().out)
    assert [item["paper"]["id"] for item in items] == ["2411.00001", "2411.00002"]


@pytest.mark.django_db
def test_code_trending_widens_past_papers_not_on_a_list(make_paper, list_paper):
    from dailypapers.feed.listing import code_trending

    today = timezone.now().date()
    listed = []
    for n in range(12):
        paper = make_paper(f"2411.{n:05d}")
        repository = _repository(f"o/r{n}", stars_gained_7d=100 - n if n < 10 else 5)
        PaperRepository.objects.create(paper=paper, repository=repository)
        if n >= 9:  # the nine best-gaining papers are on no list
            listed.append(list_paper(paper, today, minute=n))
    ranked = code_trending("week", limit=2)
    assert [(paper_id, gained) for _, paper_id, gained in ranked] == [
        ("2411.00009", 91),
        ("2411.00011", 5),  # tied with 2411.00010 on gains: the hotter (later) entry first
    ]
    assert [pk for pk, _, _ in code_trending("week", limit=5)] == [
        listed[0].pk,
        listed[2].pk,
        listed[1].pk,
    ]
