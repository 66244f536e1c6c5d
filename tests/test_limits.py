"""Rate limits, the client address they key on, and what the limited forms may reveal or do:
log-in (site and admin), password reset, digest subscriptions, submissions and fetches from
arXiv, the counter table itself, and `next` redirects."""

import threading
import time
import uuid

import pytest
from conftest import atom
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client, RequestFactory
from hypothesis import given
from hypothesis import strategies as st
from werkzeug import Response

from dailypapers.accounts.clients import client_address, client_key
from dailypapers.accounts.models import RateCounter
from dailypapers.accounts.ratelimit import count_hit, prune, stored_key
from dailypapers.digests.models import Subscriber
from dailypapers.feed.models import DailyEntry

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
PROXY = "10.0.0.2"


def via(remote: str, forwarded: str | None = None):
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


# The client address ----------------------------------------------------------------------


def test_without_trusted_proxies_the_peer_is_the_client(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(via("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        ("203.0.113.1", "203.0.113.1"),
        ("1.2.3.4, 203.0.113.1", "203.0.113.1"),  # what the client wrote is ignored
        ("1.2.3.4, 203.0.113.1, 10.0.0.9", "203.0.113.1"),  # two trusted hops
        ("10.0.0.8, 10.0.0.9", "10.0.0.8"),  # only proxies: the farthest one
        ("garbage, 203.0.113.1", "203.0.113.1"),
        ("203.0.113.1, garbage", PROXY),  # a trusted hop wrote nonsense: stop at it
        ("", PROXY),
        ("[2001:db8::1]:4711", "2001:db8::1"),
        ("203.0.113.1:4711", "203.0.113.1"),
        ("::ffff:203.0.113.1", "203.0.113.1"),
    ],
)
def test_behind_trusted_proxies_the_header_is_read_from_the_right(settings, forwarded, client):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(via(PROXY, forwarded)) == client


def test_an_untrusted_peer_cannot_claim_an_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(via("198.51.100.7", "10.0.0.1, 203.0.113.1")) == "198.51.100.7"


def test_ipv6_clients_are_counted_per_64(settings):
    settings.TRUSTED_PROXIES = []
    assert client_key(via("2001:db8:1:2:aaaa::1")) == client_key(via("2001:db8:1:2:bbbb::9"))
    assert client_key(via("2001:db8:1:2::1")) != client_key(via("2001:db8:1:3::1"))
    assert client_key(via("192.0.2.1")) == "192.0.2.1"


@given(st.text(max_size=300))
def test_any_forwarded_header_gives_an_address(forwarded):
    from django.test import override_settings

    with override_settings(TRUSTED_PROXIES=["10.0.0.0/8"]):
        address = client_address(via(PROXY, forwarded))
    import ipaddress

    ipaddress.ip_address(address)


def test_trusted_proxies_setting_refuses_nonsense(tmp_path):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DAILYPAPERS_HOME": str(tmp_path),
        "DAILYPAPERS_TRUSTED_PROXIES": "10.0.0.1, proxy.example",
    }
    code = (
        "import os;os.environ['DJANGO_SETTINGS_MODULE']='dailypapers.settings';"
        "import django;django.setup()"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode and "'proxy.example' is not an address or CIDR" in out.stderr


# Log-in ------------------------------------------------------------------------------


def login(client, username, password="wrong", path="/accounts/login/", **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def test_behind_a_proxy_one_attacker_does_not_lock_out_everyone(client, make_user, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.LOGIN_RATE_LIMIT = 3
    make_user("alice")
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    for n in range(3):
        login(client, f"nobody{n}", **attacker)
    assert b"Too many failed" in login(client, "nobody9", **attacker).content
    visitor = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert login(visitor, "alice", PASSWORD).status_code == 302


def test_a_direct_client_cannot_dodge_the_limit_with_a_header(client, make_user, settings):
    settings.TRUSTED_PROXIES = []
    settings.LOGIN_RATE_LIMIT = 3
    for n in range(3):
        login(client, f"nobody{n}", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    blocked = login(client, "nobody9", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert b"Too many failed" in blocked.content


@pytest.mark.parametrize("look_alike", ["ｂｏｂ", "BOB", " Bob ", "ᵇᵒᵇ"])
def test_look_alike_usernames_share_the_counter(client, make_user, settings, look_alike):
    settings.LOGIN_RATE_LIMIT = 5
    make_user("bob")
    for n in range(5):  # from five addresses, so only the username counter fills up
        login(client, "bob", REMOTE_ADDR=f"192.0.2.{n}")
    response = login(client, look_alike, PASSWORD, REMOTE_ADDR="192.0.2.200")
    assert b"Too many failed log-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_admin_login_shares_the_site_login_counters(client, make_user, settings):
    settings.LOGIN_RATE_LIMIT = 3
    admin = make_user("boss")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    for n in range(3):
        login(client, "boss", path="/admin/login/", REMOTE_ADDR=f"192.0.2.{n}")
    blocked = login(client, "boss", PASSWORD, path="/admin/login/", REMOTE_ADDR="192.0.2.50")
    assert b"Too many failed log-in attempts" in blocked.content
    blocked = login(client, "boss", PASSWORD, REMOTE_ADDR="192.0.2.51")
    assert b"Too many failed log-in attempts" in blocked.content
    assert "_auth_user_id" not in client.session


def test_admin_login_is_limited_per_client(client, make_user, settings):
    settings.LOGIN_RATE_LIMIT = 3
    for n in range(3):
        login(client, f"guess{n}", path="/admin/login/")
    assert b"Too many failed" in login(client, "guess9", path="/admin/login/").content
    assert b"Too many failed" in login(client, "guess10").content


# Password reset ------------------------------------------------------------------------


def reset(client, email, **extra):
    return client.post("/accounts/password-reset/", {"email": email}, **extra)


def test_password_reset_is_limited_per_address_whatever_its_case(client, make_user):
    make_user("target")
    for n, email in enumerate(["target@example.org", "Target@example.org", "TARGET@EXAMPLE.ORG"]):
        assert reset(client, email, REMOTE_ADDR=f"192.0.2.{n}").status_code == 302
    refused = reset(client, "tArget@example.org", REMOTE_ADDR="192.0.2.9")
    assert refused.status_code == 200 and b"Too many password reset requests" in refused.content
    assert len(mail.outbox) == 3


def test_password_reset_is_limited_per_client(client):
    for n in range(10):
        assert reset(client, f"someone{n}@example.org").status_code == 302
    assert b"Too many password reset requests" in reset(client, "other@example.org").content


def test_password_reset_link_uses_the_base_url_not_the_host_header(client, make_user, settings):
    settings.BASE_URL = "https://papers.example.org"
    settings.SITE_NAME = "Papers"
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    make_user("forgetful")
    reset(client, "forgetful@example.org", HTTP_HOST="evil.example")
    (message,) = mail.outbox
    assert "https://papers.example.org/accounts/reset/" in message.body
    assert "evil.example" not in message.body + message.subject
    assert message.subject == "Reset your Papers password"


# Digests -------------------------------------------------------------------------------


def subscribe(client, email, **fields):
    data = {"email": email, "frequency": "daily", "trending": "1", **fields}
    return client.post("/digests/subscribe", data)


def test_subscription_limit_counts_every_spelling_of_an_address(client):
    for n, email in enumerate(["Target@example.org", "tArget@example.org", "TARGET@example.org"]):
        assert subscribe(client, email, REMOTE_ADDR=f"192.0.2.{n}").status_code == 200
    refused = subscribe(client, "target@EXAMPLE.org", REMOTE_ADDR="192.0.2.9")
    assert refused.status_code == 400 and len(mail.outbox) == 3


def test_confirmation_mail_carries_no_text_a_stranger_typed(client):
    topics = "\n".join(["BUY CHEAP PILLS at spam.example " * 6] * 10)
    subscribe(client, "ada@example.org", topics=topics, categories="cs.LG visit-spam.example")
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    for text in (message.body, html):
        assert "PILLS" not in text and "spam.example" not in text
        assert "on 1 topic" in text and "in 2 categories" in text
    link = next(w for w in message.body.split() if "/digests/confirm/" in w)
    page = client.get("/digests/confirm/" + link.rsplit("/digests/confirm/", 1)[1])
    assert page.status_code == 200 and b"BUY CHEAP PILLS" in page.content  # shown on our site


def test_digest_settings_never_show_a_subscription_by_address_alone(client):
    Subscriber.objects.create(email="victim@example.org", topics=["secret research plans"])
    client.post(
        "/accounts/signup/",
        {
            "username": "mallory",
            "email": "VICTIM@example.org",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    page = client.get("/digests/").content.decode()
    assert "secret research plans" not in page and "victim@example.org" not in page


def test_a_subscription_confirmed_while_logged_in_shows_on_digest_settings(client, reader):
    subscribe(client, "reader@example.org", topics="graph neural networks")
    link = next(w for w in mail.outbox[0].body.split() if "/digests/confirm/" in w)
    client.post("/digests/confirm/" + link.rsplit("/digests/confirm/", 1)[1])
    assert Subscriber.objects.get().user == reader
    assert "graph neural networks" in client.get("/digests/").content.decode()
    other = Client()
    other.force_login(User.objects.create_user("other", "reader@example.org", PASSWORD))
    assert "graph neural networks" not in other.get("/digests/").content.decode()


# Submissions and fetches from arXiv --------------------------------------------------------


@pytest.fixture
def hanging_arxiv(arxiv_api):
    """arXiv that accepts the connection and then says nothing (until the test ends)."""
    release = threading.Event()
    arxiv_api.expect_request("/api/query").respond_with_handler(
        lambda request: release.wait(30) and Response("")
    )
    yield arxiv_api
    release.set()


def timed_submit(client, text):
    started = time.monotonic()
    response = client.post("/submit", {"paper": text}, follow=True)
    return response.content.decode(), time.monotonic() - started


def test_daily_limit_is_checked_before_asking_arxiv(
    client, reader, arxiv_api, settings, make_paper
):
    settings.SUBMISSIONS_PER_DAY = 1
    make_paper("2611.00001")
    client.post("/submit", {"paper": "2611.00001"})
    page, _ = timed_submit(client, "2611.99999")
    assert "the daily limit" in page
    assert arxiv_api.log == []  # nobody asked arXiv


def test_api_daily_limit_is_checked_before_asking_arxiv(client, reader, arxiv_api, settings):
    from dailypapers.accounts.tokens import create_token

    settings.SUBMISSIONS_PER_DAY = 0
    _, token = create_token(reader)
    response = client.post(
        "/api/papers/submit",
        {"paper_id": "2611.99999"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 429 and response.json()["error"]["code"] == "daily_limit"
    assert arxiv_api.log == []


def test_a_hanging_arxiv_holds_a_web_request_only_for_the_web_budget(
    client, reader, hanging_arxiv, settings
):
    settings.ARXIV_TIMEOUT, settings.ARXIV_MAX_RETRIES = 30, 3  # the commands' patience
    settings.ARXIV_WEB_TIMEOUT = 1.5
    page, seconds = timed_submit(client, "2611.99999")
    assert "arXiv could not be reached to fetch 2611.99999" in page
    assert seconds < 4, seconds
    assert not DailyEntry.objects.exists()


def test_a_trickling_arxiv_is_cut_off_at_the_web_budget(client, reader, arxiv_api, settings):
    release = threading.Event()

    def trickle(request):
        def body():
            yield b"<?xml version='1.0'?>"
            while not release.wait(0.2):
                yield b" "

        return Response(body(), content_type="application/atom+xml")

    arxiv_api.expect_request("/api/query").respond_with_handler(trickle)
    settings.ARXIV_TIMEOUT, settings.ARXIV_WEB_TIMEOUT = 30, 1.5
    try:
        page, seconds = timed_submit(client, "2611.99999")
    finally:
        release.set()
    assert "arXiv could not be reached" in page and seconds < 4, seconds


def test_the_submit_command_keeps_its_patience(make_user, arxiv_api, settings):
    """A slow but working arXiv: too slow for a web request, fine for a command."""
    from io import StringIO

    from django.core.management import call_command

    def slow(request):
        time.sleep(1.5)
        return Response(atom("id_1707.08567_s0_m100_6a1afebfc6a3.xml"))

    arxiv_api.expect_request("/api/query").respond_with_handler(slow)
    settings.ARXIV_WEB_TIMEOUT = 0.5
    make_user("ak", curator=True)
    call_command("submit", "1707.08567", "--as", "ak", stdout=StringIO())
    assert DailyEntry.objects.get().paper_id == "1707.08567"


def test_fetching_from_arxiv_is_limited_per_user(client, reader, arxiv_api, settings):
    settings.ARXIV_FETCHES_PER_HOUR = 2
    arxiv_api.expect_request("/api/query").respond_with_data(
        atom("id_0000.0000_s0_m100_8b51d9633a68.xml")
    )
    for n in range(3):
        response = client.post(f"/papers/2611.9999{n}/fetch", REMOTE_ADDR=f"192.0.2.{n}")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "asked for many papers from arXiv this hour" in page
    assert len(arxiv_api.log) == 2
    page, _ = timed_submit(client, "2611.99998")  # submitting unknown ids fetches too
    assert "asked for many papers from arXiv this hour" in page and len(arxiv_api.log) == 2


def test_fetching_from_arxiv_is_limited_per_client(client, make_user, arxiv_api, settings):
    settings.ARXIV_FETCHES_PER_HOUR = 2
    arxiv_api.expect_request("/api/query").respond_with_data(
        atom("id_0000.0000_s0_m100_8b51d9633a68.xml")
    )
    for n in range(3):
        client.force_login(make_user(f"sock{n}"))
        client.post(f"/papers/2611.9999{n}/fetch")
    assert len(arxiv_api.log) == 2


# The counter table -----------------------------------------------------------------------


def test_made_up_api_tokens_add_no_counter_rows(client, settings):
    settings.API_RATE_PER_IP = 1000
    for _ in range(50):
        client.get("/api/daily_papers", HTTP_AUTHORIZATION=f"Bearer {uuid.uuid4().hex}")
    keys = list(RateCounter.objects.values_list("key", flat=True))
    assert keys == ["api:ip:127.0.0.1"]  # one row: the limiter's clock stands still (conftest)


def test_live_tokens_are_still_limited(client, reader, settings):
    from dailypapers.accounts.tokens import create_token

    settings.API_RATE_PER_TOKEN = 2
    _, token = create_token(reader)
    codes = [
        client.get(
            "/api/daily_papers", HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=f"192.0.2.{n}"
        ).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]


def test_expired_counters_are_pruned_in_bulk(monkeypatch):
    monkeypatch.setattr("dailypapers.accounts.ratelimit.PRUNE_EVERY", 10**9)
    now = 1_800_000_030.0  # mid-window
    for n in range(50):
        count_hit(f"oneoff:{n}", 5, 60, now=now - 3600)
    count_hit("live", 5, 60, now=now - 10)
    assert RateCounter.objects.count() == 51
    monkeypatch.setattr("dailypapers.accounts.ratelimit.PRUNE_EVERY", 1)
    count_hit("fresh", 5, 60, now=now)
    assert set(RateCounter.objects.values_list("key", flat=True)) == {"live", "fresh"}


def test_the_counter_table_is_bounded(settings, monkeypatch):
    monkeypatch.setattr("dailypapers.accounts.ratelimit.PRUNE_EVERY", 10**9)
    settings.RATE_COUNTER_MAX_ROWS = 10
    now = 1_800_000_000.0
    for n in range(25):
        count_hit(f"key:{n}", 5, 60, now=now + 60 * n)
    assert prune(now) == 15
    kept = set(RateCounter.objects.values_list("key", flat=True))
    assert kept == {f"key:{n}" for n in range(15, 25)}  # the ones that expire last


def test_pruning_happens_without_being_asked(client, settings):
    """Hits alone keep the table small: no command has to run."""
    settings.RATE_COUNTER_MAX_ROWS = 20
    for n in range(400):
        count_hit(f"oneoff:{n}", 5, 60)
    # The last prune was at most PRUNE_EVERY hits ago.
    assert RateCounter.objects.count() <= 20 + 100


def test_the_next_window_starts_a_new_count(rate_limit_clock):
    assert count_hit("k", 1, 60).allowed and not count_hit("k", 1, 60).allowed
    rate_limit_clock.now += 29  # 12:30:59, still the same minute
    assert not count_hit("k", 1, 60).allowed
    rate_limit_clock.now += 1
    assert count_hit("k", 1, 60).allowed


def test_long_keys_fit_the_column():
    key = "subscribe:address:" + "a" * 240 + "@example.org"
    assert len(stored_key(key)) == 200 and stored_key(key) != stored_key(key + "x")
    assert count_hit(key, 1, 60).allowed and not count_hit(key, 1, 60).allowed


# Redirects ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,hi",
        "http:///evil.example",
    ],
)
def test_signup_never_redirects_off_site(client, target):
    response = client.post(
        "/accounts/signup/?next=" + target.replace("&", "%26"),
        {
            "username": "newbie",
            "email": "newbie@example.org",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_signup_follows_a_local_next(client):
    response = client.post(
        "/accounts/signup/?next=/papers/2611.00001",
        {
            "username": "newbie",
            "email": "newbie@example.org",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    assert response["Location"] == "/papers/2611.00001"


@pytest.mark.parametrize("target", ["0", "home", "papers", "https://evil.example/"])
def test_vote_and_save_take_next_only_as_a_path_of_ours(client, reader, make_paper, target):
    """redirect() took a `next` of "home" for a view name and "0" for a 500: a `next` that is
    not a path on this site falls back to the paper page."""
    make_paper("2611.00001")
    for path in ("/papers/2611.00001/vote", "/papers/2611.00001/save"):
        response = client.post(path, {"next": target})
        assert response.status_code == 302, path
        assert response["Location"] == "/papers/2611.00001", path


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_login_never_redirects_off_site(client, make_user, path):
    user = make_user("boss")
    user.is_staff = True
    user.save()
    response = client.post(
        path + "?next=https://evil.example/", {"username": "boss", "password": PASSWORD}
    )
    assert response.status_code == 302 and "evil.example" not in response["Location"]


@pytest.mark.parametrize("path", ["/accounts/logout/", "/accounts/login/"])
def test_logout_and_login_pages_never_redirect_off_site(client, reader, path):
    response = client.post(path + "?next=https://evil.example/")
    assert "evil.example" not in response.get("Location", "")


def test_signups_are_limited_per_client(client):
    def sign_up(n):
        return Client(REMOTE_ADDR="192.0.2.1").post(
            "/accounts/signup/",
            {
                "username": f"sock{n}",
                "email": f"sock{n}@example.org",
                "password1": "a long enough passphrase",
                "password2": "a long enough passphrase",
            },
        )

    assert [sign_up(n).status_code for n in range(11)] == [302] * 10 + [200]
    assert b"Too many new accounts" in sign_up(11).content
    assert User.objects.count() == 10
