"""SIGKILL mid-batch, re-run: every subscriber gets the period's digest, at most one twice."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter

from aiosmtpd.controller import Controller
from conftest import SNAPSHOT_200, SmtpCollector, free_port

SUBSCRIBERS = 150
MAKE_SUBSCRIBERS = f"""
import django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "dailypapers.settings"
django.setup()
from dailypapers.digests.models import Subscriber
Subscriber.objects.bulk_create(
    Subscriber(email=f"reader{{i}}@example.org", frequency="weekly", trending=False,
               categories=["hep-ph"])
    for i in range({SUBSCRIBERS})
)
"""


def test_kill_during_send_then_rerun_sends_each_digest_once(tmp_path):
    collector = SmtpCollector()
    collector.delay = 0.01  # slow enough for the kill to land mid-batch
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        **os.environ,
        "DAILYPAPERS_HOME": str(tmp_path),
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
    }
    env.pop("DATABASE_URL", None)

    def dailypapers(*args, **popen):
        command = [sys.executable, "-m", "dailypapers.cli", *args]
        if popen:
            return subprocess.Popen(command, env=env, **popen)
        return subprocess.run(command, env=env, check=True, capture_output=True, text=True)

    try:
        dailypapers("migrate", "-v0")
        dailypapers("import", str(SNAPSHOT_200))
        dailypapers("reindex")
        subprocess.run([sys.executable, "-c", MAKE_SUBSCRIBERS], env=env, check=True)
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
