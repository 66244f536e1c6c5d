"""SIGKILL in the middle of a channel post, re-run: each channel has exactly one post."""

import signal
import subprocess
import sys
import time

import pytest
from chat_servers import ChatServer
from conftest import SNAPSHOT_200

pytestmark = pytest.mark.system  # real servers and processes: skipped by `make test-fast`

SEND = ("send-digests", "--period", "weekly", "--date", "2007-04-02")
SLACK_URL = "https://hooks.slack.com/services/T0AAAA1/B0BBBB2/crashsecret0123"


def send_digests_command(chat: ChatServer) -> list[str]:
    """`dailypapers send-digests` in a process whose apprise Slack plugin posts to the local
    server (its host is a class attribute; hooks.slack.com is not reachable here)."""
    code = (
        "import django, apprise.plugins.slack as slack\n"
        f"slack.NotifySlack.webhook_url = {chat.url + '/services'!r}\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        f"call_command(*{SEND!r})\n"
    )
    return [sys.executable, "-c", code]


def test_kill_mid_post_then_rerun_posts_each_channel_once(deployment):
    chat = ChatServer().start()
    site = deployment()
    env = site.env(DJANGO_SETTINGS_MODULE="dailypapers.settings")
    try:
        site.cli("migrate", "-v0")
        site.cli("import", str(SNAPSHOT_200))
        site.cli("reindex")
        hook = f"webhook+http://127.0.0.1:{chat.port}/hook?secret={chat.webhook_secret}"
        for url, name in [(SLACK_URL, "a-slack"), (hook, "b-hook")]:
            site.cli("channels", "add", url, "--name", name, "--period", "weekly",
                     "--category", "hep-ph")  # fmt: skip

        chat.hold = 60  # the Slack post is received, and its answer never comes in time
        victim = subprocess.Popen(
            send_digests_command(chat), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 120
        while not chat.of("slack") and time.monotonic() < deadline:
            assert victim.poll() is None, victim.stderr.read().decode()
            time.sleep(0.02)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        assert len(chat.of("slack")) == 1 and chat.of("webhook") == [], "kill mid-post"

        chat.hold = 0
        rerun = subprocess.run(send_digests_command(chat), env=env, capture_output=True, text=True)
        assert "channels: 1 posted" in rerun.stdout and "1 interrupted" in rerun.stdout
        again = subprocess.run(send_digests_command(chat), env=env, capture_output=True, text=True)
        assert "channels: 0 posted" in again.stdout, again.stdout + again.stderr
        listing = site.cli("channels", "ls").stdout
        assert "1 interrupted" in listing and "crashsecret0123" not in listing
    finally:
        chat.stop()

    assert len(chat.of("slack")) == 1 and len(chat.of("webhook")) == 1
    assert site.sql("SELECT state FROM digests_channelpost ORDER BY id") == [
        ("interrupted",),
        ("sent",),
    ]
