"""SIGKILL mid-batch, re-run: every subscriber gets the period's digest, at most one twice."""

import signal
import subprocess
import time
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from conftest import SNAPSHOT_200, SmtpCollector

from dailypapers.site.serving import free_port

pytestmark = pytest.mark.system  # real servers and processes: skipped by `make test-fast`

SUBSCRIBERS = 150
MAKE_SUBSCRIBERS = f"""
from dailypapers.digests.models import Subscriber
Subscriber.objects.bulk_create(
    Subscriber(email=f"reader{{i}}@example.org", frequency="weekly", trending=False,
               categories=["hep-ph"])
    for i in range({SUBSCRIBERS})
)
"""


def test_kill_during_send_then_rerun_sends_each_digest_once(deployment):
    collector = SmtpCollector()
    collector.delay = 0.01  # slow enough for the kill to land mid-batch
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    site = deployment()
    smtp = {"EMAIL_URL": f"smtp://127.0.0.1:{port}"}

    def dailypapers(*args, **popen):
        return site.cli(*args, env=smtp, **popen)

    try:
        dailypapers("migrate", "-v0")
        dailypapers("import", str(SNAPSHOT_200))
        dailypapers("reindex")
        site.python(MAKE_SUBSCRIBERS)
        send = ("send-digests", "--period", "weekly", "--date", "2007-04-02")
        victim = dailypapers(*send, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while len(collector.messages) < 40 and time.monotonic() < deadline:
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        at_kill = len(collector.messages)
        assert 0 < at_kill < SUBSCRIBERS, "the kill must land mid-batch"

        rerun = dailypapers(*send)
        assert "0 failed, 0 deferred" in rerun.stdout
        again = dailypapers(*send)
        assert again.stdout.startswith("weekly:2007-W14: 0 sent")
    finally:
        controller.stop()

    per_recipient = Counter(m["To"] for m in collector.messages)
    assert set(per_recipient) == {f"reader{i}@example.org" for i in range(SUBSCRIBERS)}
    duplicates = [address for address, n in per_recipient.items() if n > 1]
    assert len(duplicates) <= 1 and all(per_recipient[a] == 2 for a in duplicates)
