"""Several `send-digests` processes at once share a period: each subscriber gets exactly one
digest; with one of them killed mid-run, at most one digest arrives twice."""

import signal
import subprocess
import time
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from conftest import SNAPSHOT_200, SmtpCollector

from dailypapers.site.serving import free_port

pytestmark = pytest.mark.system  # real servers and processes: skipped by `make test-fast`

SUBSCRIBERS = 2000
SEND = ("send-digests", "--period", "weekly", "--date", "2007-04-02")
MAKE_SUBSCRIBERS = f"""
from dailypapers.digests.models import Subscriber
Subscriber.objects.bulk_create(
    Subscriber(email=f"reader{{i}}@example.org", frequency="weekly", trending=False,
               categories=["hep-ph"])
    for i in range({SUBSCRIBERS})
)
"""


@pytest.fixture
def sending_site(deployment):
    collector = SmtpCollector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    site = deployment()
    site.smtp = {"EMAIL_URL": f"smtp://127.0.0.1:{port}"}
    site.collector = collector
    site.cli("migrate", "-v0")
    site.cli("import", str(SNAPSHOT_200))
    site.cli("reindex")
    site.python(MAKE_SUBSCRIBERS)
    yield site
    controller.stop()


def start_senders(site, *extra_args):
    """Three senders at once; the last sends over two SMTP connections."""
    options = [(), (), ("--workers", "2")]
    return [
        site.cli(*SEND, *extra, *extra_args, env=site.smtp, stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE, text=True)
        for extra in options
    ]  # fmt: skip


def per_recipient(site) -> Counter:
    return Counter(m["To"] for m in site.collector.messages)


def test_three_concurrent_senders_send_each_digest_once(sending_site):
    senders = start_senders(sending_site)
    outputs = [sender.communicate(timeout=600) for sender in senders]
    assert all(sender.returncode == 0 for sender in senders), outputs
    counts = per_recipient(sending_site)
    assert set(counts) == {f"reader{i}@example.org" for i in range(SUBSCRIBERS)}
    assert max(counts.values()) == 1
    sent = [int(out.split(" sent,")[0].rsplit(" ", 1)[-1]) for out, _ in outputs]
    assert sum(sent) == SUBSCRIBERS and all(sent), sent  # all three did a share


def test_killing_one_of_three_senders_duplicates_at_most_one(sending_site):
    sending_site.collector.delay = 0.002  # slow enough for the kill to land mid-run
    senders = start_senders(sending_site)
    deadline = time.monotonic() + 300
    while len(sending_site.collector.messages) < 300 and time.monotonic() < deadline:
        time.sleep(0.01)
    victim = senders[0]
    victim.send_signal(signal.SIGKILL)
    for sender in senders:
        sender.communicate(timeout=600)
    assert victim.returncode == -signal.SIGKILL
    assert all(sender.returncode == 0 for sender in senders[1:])
    rerun = sending_site.cli(*SEND, env=sending_site.smtp)  # nothing left, or the leftovers
    assert "0 failed, 0 deferred" in rerun.stdout

    counts = per_recipient(sending_site)
    assert set(counts) == {f"reader{i}@example.org" for i in range(SUBSCRIBERS)}
    duplicates = [address for address, n in counts.items() if n > 1]
    assert len(duplicates) <= 1 and all(counts[a] == 2 for a in duplicates)
