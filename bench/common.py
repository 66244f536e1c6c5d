"""Helpers the benchmark scripts share."""

import os
import re
import subprocess
from pathlib import Path

from dailypapers.site.serving import start_server


def start_gunicorn(
    home: Path, workers: int, ready_path: str, **env
) -> tuple[subprocess.Popen, str]:
    """`dailypapers serve --prod` for DAILYPAPERS_HOME=home on a free loopback port, once it
    answers."""
    environment = {**os.environ, "DAILYPAPERS_HOME": str(home), **env}
    return start_server(environment, workers=workers, ready_path=ready_path)


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
