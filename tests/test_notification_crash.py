"""Notification senders share the work through core/claims.py: three at once send each email
once, and after a SIGKILL mid-batch a re-run sends every email, at most one twice (the one
SMTP had accepted when the process died)."""

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

    # The dead sender's claim is found dead at once (same host, its process is gone): the
    # re-run sends everything left, and the email SMTP had accepted when the kill landed again.
    rerun = dailypapers("send-notifications")
    left = PEOPLE - at_kill
    assert rerun.stdout.startswith((f"{left} sent", f"{left + 1} sent")), rerun.stdout
    again = dailypapers("send-notifications")
    assert again.stdout.startswith("0 sent")

    assert "0 failed, 0 deferred" in rerun.stdout
    per_recipient = Counter(m["To"] for m in collector.messages)
    assert set(per_recipient) == {f"reader{i}@example.org" for i in range(PEOPLE)}
    duplicates = [address for address, n in per_recipient.items() if n > 1]
    assert len(duplicates) <= 1 and all(per_recipient[a] == 2 for a in duplicates)
    states = site.sql("SELECT state, COUNT(*) FROM notifications_notificationemail GROUP BY 1")
    assert states == [("sent", PEOPLE)]


def test_three_concurrent_senders_send_each_email_once(deployment, smtp_server):
    smtp_server.delay = 0.05  # 6 s of sending for 120 emails: the three overlap, even under load
    site = deployment()
    site.cli("migrate", "-v0")
    site.python(MAKE_NOTIFICATIONS)
    senders = [
        site.cli(
            "send-notifications",
            env={"EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [sender.communicate(timeout=300) for sender in senders]
    assert all(sender.returncode == 0 for sender in senders), outputs
    per_recipient = Counter(m["To"] for m in smtp_server.messages)
    assert set(per_recipient) == {f"reader{i}@example.org" for i in range(PEOPLE)}
    assert max(per_recipient.values()) == 1
    sent = [int(out.split(" sent,")[0]) for out, _ in outputs]
    assert sum(sent) == PEOPLE and sum(1 for n in sent if n) >= 2, sent  # they shared it
