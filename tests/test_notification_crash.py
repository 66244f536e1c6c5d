"""SIGKILL a notification sender mid-batch, re-run: every notification email arrives, at
most one twice (the one SMTP had accepted when the process died)."""

import signal
import subprocess
import time
from collections import Counter

import pytest

pytestmark = pytest.mark.system  # real servers and processes: skipped by `make test-fast`

PEOPLE = 120
MAKE_NOTIFICATIONS = f"""
from django.contrib.auth.models import User
from dailypapers.notifications.models import Notification
users = User.objects.bulk_create(
    User(username=f"reader{{i}}", email=f"reader{{i}}@example.org") for i in range({PEOPLE})
)
Notification.objects.bulk_create(
    Notification(recipient=u, kind="link_approved", text="Your link was approved")
    for u in User.objects.filter(username__startswith="reader")
)
"""


def test_kill_during_send_then_rerun_sends_each_email_once(deployment, smtp_server):
    collector = smtp_server
    collector.delay = 0.01  # slow enough for the kill to land mid-batch
    site = deployment()
    smtp = {"EMAIL_URL": f"smtp://127.0.0.1:{collector.port}"}

    def dailypapers(*args, **popen):
        return site.cli(*args, env=smtp, **popen)

    dailypapers("migrate", "-v0")
    site.python(MAKE_NOTIFICATIONS)
    victim = dailypapers("send-notifications", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(collector.messages) < 30 and time.monotonic() < deadline:
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    at_kill = len(collector.messages)
    assert 0 < at_kill < PEOPLE, "the kill must land mid-batch"

    # Within the lease, the email the dead sender had claimed is left alone (it may be
    # another host's, still sending); after it, it goes out again.
    waiting = dailypapers("send-notifications")
    assert waiting.stdout.startswith(f"{PEOPLE - at_kill - 1} sent") or (
        waiting.stdout.startswith(f"{PEOPLE - at_kill} sent")  # killed between claims
    )
    rerun = dailypapers("send-notifications", "--lease", "0")
    again = dailypapers("send-notifications", "--lease", "0")
    assert again.stdout.startswith("0 sent")

    assert "0 failed, 0 deferred" in rerun.stdout
    per_recipient = Counter(m["To"] for m in collector.messages)
    assert set(per_recipient) == {f"reader{i}@example.org" for i in range(PEOPLE)}
    duplicates = [address for address, n in per_recipient.items() if n > 1]
    assert len(duplicates) <= 1 and all(per_recipient[a] == 2 for a in duplicates)
    states = site.sql("SELECT state, COUNT(*) FROM notifications_notificationemail GROUP BY 1")
    assert states == [("sent", PEOPLE)]
