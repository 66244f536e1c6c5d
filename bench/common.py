"""Helpers the benchmark scripts share."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    home: Path, workers: int, ready_path: str, **env
) -> tuple[subprocess.Popen, str]:
    """`dailypapers serve --prod` for DAILYPAPERS_HOME=home on a free loopback port, once it
    answers (plain HTTP on loopback, so cookies are not marked Secure)."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dailypapers.cli",
            "serve",
            "--prod",
            f"--addr=127.0.0.1:{port}",
            f"--workers={workers}",
        ],
        env={
            **os.environ,
            "DAILYPAPERS_HOME": str(home),
            "DAILYPAPERS_SECURE_COOKIES": "0",
            **env,
        },
        stdout=subprocess.DEVNULL,  # the access log
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + ready_path, timeout=5).read()
            return server, base
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


# wrk's report, as one line this module parses: requests, errors (any kind, including non-2xx
# answers), p95 latency in ms, and the run's duration in seconds.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.2f %.2f\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(95) / 1000,
    summary.duration / 1e6))
end
"""


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> dict:
    """req/s, p95 (ms) and errors of `wrk -t2 -c CONNECTIONS` for SECONDS, script ending in
    WRK_REPORT."""
    done = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
        + ["-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    )
    requests, errors, p95, duration = re.search(
        r"RESULT (\S+) (\S+) (\S+) (\S+)", done.stdout
    ).groups()
    return {"rps": int(requests) / float(duration), "p95": float(p95), "errors": int(errors)}
