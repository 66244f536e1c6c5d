"""Submissions, accounts, the curator role and their commands."""

from io import StringIO

import pytest
from conftest import atom
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from dailypapers.accounts.roles import is_curator
from dailypapers.feed.models import DailyEntry

pytestmark = pytest.mark.django_db


def submit(client, text):
    return client.post("/submit", {"paper": text}, follow=True).content.decode()


@pytest.mark.parametrize(
    "text", ["2611.00001", "https://arxiv.org/abs/2611.00001v2", "arxiv.org/pdf/2611.00001.pdf"]
)
def test_submit_any_id_or_url_puts_the_paper_on_todays_list(client, reader, make_paper, text):
    make_paper("2611.00001", title="Submitted paper")
    page = submit(client, text)
    assert "Submitted paper is on today" in page
    entry = DailyEntry.objects.get()
    assert entry.submitted_by == reader and entry.paper_id == "2611.00001"


def test_submit_old_style_unknown_paper_is_fetched(client, reader, arxiv_api):
    arxiv_api.expect_request(
        "/api/query", query_string={"id_list": "astro-ph/0601001", "max_results": "1"}
    ).respond_with_data(atom("id_astro-ph_0601001_s0_m100_3150dca9dc76.xml"))
    submit(client, "https://arxiv.org/abs/astro-ph/0601001")
    assert DailyEntry.objects.get().paper_id == "astro-ph/0601001"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not an id", "is not an arXiv id: expected"),
        ("<script>x</script>", "is not an arXiv id"),
    ],
)
def test_bad_ids_get_clear_messages(client, reader, text, message):
    response = client.post("/submit", {"paper": text})
    assert response.status_code == 400 and message in response.content.decode()
    assert "<script>x" not in response.content.decode()


def test_unknown_paper_message(client, reader, arxiv_api):
    arxiv_api.expect_request("/api/query").respond_with_data(
        atom("id_0000.0000_s0_m100_8b51d9633a68.xml")
    )
    assert "arXiv has no paper 2611.99999." in submit(client, "2611.99999")


def test_arxiv_unreachable_message(client, reader, fast_arxiv):
    fast_arxiv.ARXIV_MAX_RETRIES = 0
    fast_arxiv.ARXIV_API_URL = "http://127.0.0.1:9/api/query"
    assert "arXiv could not be reached to fetch 2611.99999" in submit(client, "2611.99999")
    assert not DailyEntry.objects.exists()


def test_a_paper_appears_on_one_day_only(client, reader, make_paper):
    make_paper("2611.00001")
    submit(client, "2611.00001")
    assert "2611.00001 is already on the list for" in submit(client, "2611.00001")
    assert DailyEntry.objects.count() == 1


def test_daily_submission_limit_but_not_for_curators(
    client, reader, make_paper, settings, make_user
):
    settings.SUBMISSIONS_PER_DAY = 2
    for i in range(4):
        make_paper(f"2611.0000{i}")
    submit(client, "2611.00000")
    submit(client, "2611.00001")
    assert "You have submitted 2 papers today, the daily limit" in submit(client, "2611.00002")
    curator = Client()
    curator.force_login(make_user("ak", curator=True))
    for i in (2, 3):
        submit(curator, f"2611.0000{i}")
    assert DailyEntry.objects.count() == 4


def test_submit_needs_login(client):
    assert client.get("/submit")["Location"].startswith("/accounts/login/")


def test_signup_login_logout(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newbie",
            "email": "newbie@example.org",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    assert response.status_code == 302
    assert b"newbie" in client.get("/submit").content
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    client.post("/accounts/logout/")
    assert client.get("/submit").status_code == 302
    assert (
        client.post(
            "/accounts/login/", {"username": "newbie", "password": "a long enough passphrase"}
        ).status_code
        == 302
    )


def test_login_is_rate_limited(client, make_user, settings):
    settings.LOGIN_RATE_LIMIT = 3
    make_user("victim")
    for _ in range(3):
        page = client.post("/accounts/login/", {"username": "victim", "password": "wrong"})
        assert b"Please enter a correct username and password" in page.content
    blocked = client.post(
        "/accounts/login/", {"username": "victim", "password": "correct horse battery"}
    )
    assert b"Too many failed log-in attempts" in blocked.content
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(client, make_user):
    make_user("forgetful")
    client.post("/accounts/password-reset/", {"email": "forgetful@example.org"})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    form = client.get(link.replace("http://testserver", ""), follow=True)
    assert b"Choose a new password" in form.content
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand new passphrase", "new_password2": "brand new passphrase"},
    )
    assert client.login(username="forgetful", password="brand new passphrase")


def test_profile_lists_submissions_upvotes_and_comments(client, reader, make_paper):
    from dailypapers.feed import services

    paper = make_paper("2611.00001", title="Profiled paper")
    services.submit(reader, "2611.00001")
    services.set_vote(reader, paper, True)
    services.add_comment(reader, paper, "my thoughts")
    page = client.get("/u/reader").content.decode()
    assert page.count("Profiled paper") == 3 and "my thoughts" in page
    assert client.get("/u/nobody").status_code == 404


def test_createcurator_and_submit_commands(make_paper, arxiv_api):
    arxiv_api.expect_request("/api/query").respond_with_data(
        atom("id_1707.08567_s0_m100_6a1afebfc6a3.xml")
    )
    out = StringIO()
    call_command("createcurator", "ak", "--password", "curator pass 123", stdout=out)
    assert "ak created and made a curator" in out.getvalue()
    assert is_curator(User.objects.get(username="ak"))
    make_paper("2611.00001")
    call_command(
        "submit", "2611.00001", "1707.08567", "--as", "ak", "--date", "2026-11-02", stdout=out
    )
    assert set(DailyEntry.objects.values_list("paper_id", "day__day")) == {
        ("2611.00001", 2),
        ("1707.08567", 2),
    }
    with pytest.raises(CommandError, match="1 of 1 papers were not submitted"):
        call_command("submit", "2611.00001", "--as", "ak", stdout=out, stderr=StringIO())


def test_submit_command_refuses_non_curators(make_user):
    make_user("plain")
    with pytest.raises(CommandError, match="plain is not a curator"):
        call_command("submit", "2611.00001", "--as", "plain")


def test_production_settings_make_cookies_secure(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "DAILYPAPERS_HOME": str(tmp_path), "DAILYPAPERS_SECURE_COOKIES": "1"}
    code = (
        "import django.conf as c, os; os.environ['DJANGO_SETTINGS_MODULE']='dailypapers.settings';"
        "s=c.settings;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["True", "True", "True"]
