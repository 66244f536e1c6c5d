"""API writes with personal tokens, the error shape for them, and rate limits."""

from datetime import date
from io import StringIO

import pytest

from dailypapers.accounts.models import ApiToken
from dailypapers.accounts.tokens import create_token
from dailypapers.feed.models import Comment, DailyEntry, Vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(make_user):
    user = make_user("writer")
    _, secret = create_token(user, "tests")
    return secret


def auth(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_tokens_are_stored_hashed_and_shown_once(client, make_user):
    user = make_user("alice")
    client.force_login(user)
    page = client.post("/accounts/tokens/", {"name": "laptop"}).content.decode()
    secret = page.split('<pre id="new-token" class="bibtex">')[1].split("<")[0]
    row = ApiToken.objects.get()
    assert secret.startswith("dp_") and secret not in (row.digest, row.prefix)
    assert secret not in client.get("/u/alice").content.decode()
    assert row.prefix in client.get("/u/alice").content.decode()
    assert client.post("/api/papers/2611.00001/upvote", headers=auth(secret)).status_code == 404
    client.post(f"/accounts/tokens/{row.pk}/revoke")
    assert client.post("/api/papers/2611.00001/upvote", headers=auth(secret)).status_code == 401


def test_writes_need_a_token(client, make_paper):
    make_paper("2611.00001")
    response = client.post("/api/papers/2611.00001/upvote")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"
    bad = client.post("/api/papers/2611.00001/upvote", headers=auth("dp_forged"))
    assert bad.status_code == 401 and not Vote.objects.exists()


def test_submit_vote_and_comment(client, token, make_paper):
    make_paper("2611.00001", title="API paper")
    created = client.post(
        "/api/papers/submit",
        {"paper_id": "https://arxiv.org/abs/2611.00001v1"},
        content_type="application/json",
        headers=auth(token),
    )
    assert created.status_code == 201
    assert created.json()["paper"]["id"] == "2611.00001"
    assert created.json()["submittedBy"]["user"] == "writer"
    again = client.post(
        "/api/papers/submit",
        {"paper_id": "2611.00001"},
        content_type="application/json",
        headers=auth(token),
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_listed"
    bad = client.post(
        "/api/papers/submit",
        {"paper_id": "nonsense"},
        content_type="application/json",
        headers=auth(token),
    )
    assert bad.status_code == 400 and "is not an arXiv id" in bad.json()["error"]["message"]

    assert client.post("/api/papers/2611.00001/upvote", headers=auth(token)).json() == {
        "voted": True,
        "upvotes": 1,
    }
    assert client.delete("/api/papers/2611.00001/upvote", headers=auth(token)).json() == {
        "voted": False,
        "upvotes": 0,
    }
    comment = client.post(
        "/api/papers/2611.00001/comments",
        {"body": "Via the API"},
        content_type="application/json",
        headers=auth(token),
    )
    assert comment.status_code == 201 and comment.json()["author"] == "writer"
    empty = client.post(
        "/api/papers/2611.00001/comments",
        {"body": "  "},
        content_type="application/json",
        headers=auth(token),
    )
    assert empty.status_code == 400
    assert Comment.objects.count() == 1 and DailyEntry.objects.get().day == date.today()


def test_daily_limit_is_429(client, token, make_paper, settings):
    settings.SUBMISSIONS_PER_DAY = 1
    for i in range(2):
        make_paper(f"2611.0000{i}")
    client.post(
        "/api/papers/submit",
        {"paper_id": "2611.00000"},
        content_type="application/json",
        headers=auth(token),
    )
    limited = client.post(
        "/api/papers/submit",
        {"paper_id": "2611.00001"},
        content_type="application/json",
        headers=auth(token),
    )
    assert limited.status_code == 429, limited.json()
    assert limited.json()["error"]["code"] == "daily_limit"


def test_rate_limits_per_token_and_per_address(client, token, settings, make_paper):
    settings.API_RATE_PER_TOKEN = 3
    settings.API_RATE_PER_IP = 5
    make_paper("2611.00001")
    statuses = [
        client.get("/api/papers/2611.00001", headers=auth(token)).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/papers/2611.00001", headers=auth(token))
    assert int(limited["Retry-After"]) > 0 and limited.json()["error"]["code"] == "rate_limited"
    anonymous = [client.get("/api/papers/2611.00001").status_code for _ in range(2)]
    assert anonymous == [429, 429]  # the address already used its 5


def test_cli_parity(make_paper, make_user, list_paper):
    import json
    from io import StringIO

    from django.core.management import call_command

    user = make_user("ak", curator=True)
    list_paper(make_paper("2611.00001", title="CLI listed"), date(2026, 11, 20), by=user)
    out = StringIO()
    call_command("papers", "ls", "--date", "2026-11-20", "--json", stdout=out)
    (item,) = json.loads(out.getvalue())
    assert item["paper"]["id"] == "2611.00001" and item["submittedBy"]["_id"] == str(user.pk)
    assert item["paper"]["submittedOnDailyAt"] == "2026-11-20T00:00:00.000Z"  # as the API
    out = StringIO()
    call_command("users", "ls", "--json", stdout=out)
    assert json.loads(out.getvalue())[0] == {**json.loads(out.getvalue())[0], "curator": True}
    out = StringIO()
    call_command("tokens", "create", "ak", "--name", "ci", stdout=out)
    secret = out.getvalue().strip()
    assert secret.startswith("dp_")
    out = StringIO()
    call_command("tokens", "ls", "--json", stdout=out)
    (row,) = json.loads(out.getvalue())
    assert row["user"] == "ak" and secret not in out.getvalue()
    call_command("tokens", "revoke", str(row["id"]), stdout=StringIO())
    out = StringIO()
    call_command("trending", "--period", "month", "--json", stdout=out)
    assert isinstance(json.loads(out.getvalue()), list)


def test_curate_from_the_shell(make_paper, make_user, list_paper):
    from django.core.management import CommandError, call_command

    from dailypapers.feed import services

    make_user("ak", curator=True)
    entry = list_paper(make_paper("2611.00001"), date(2026, 11, 20))
    comment = services.add_comment(make_user("troll"), entry.paper, "spam")
    call_command("curate", "pin", "2611.00001", "--as", "ak", stdout=StringIO())
    call_command("curate", "hide-comment", str(comment.pk), "--as", "ak", stdout=StringIO())
    entry.refresh_from_db()
    comment.refresh_from_db()
    assert entry.pinned and comment.hidden
    make_user("plain")
    with pytest.raises(CommandError, match="Only curators"):
        call_command("curate", "hide", "2611.00001", "--as", "plain", stdout=StringIO())
