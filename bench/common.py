"""Helpers the benchmark scripts share."""

import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from dailypapers.site.serving import free_port, start_server

ROOT = Path(__file__).resolve().parent.parent


def start_gunicorn(
    home: Path, workers: int, ready_path: str, **env
) -> tuple[subprocess.Popen, str]:
    """`dailypapers serve --prod` for DAILYPAPERS_HOME=home on a free loopback port, once it
    answers."""
    environment = {**os.environ, "DAILYPAPERS_HOME": str(home), **env}
    return start_server(environment, workers=workers, ready_path=ready_path)


def start_trivial_django(workers: int) -> tuple[subprocess.Popen, str]:
    """bench/trivial_site.py (12 kB from a bare view) under the very gunicorn command line of
    `dailypapers serve --prod`: the baseline page speeds are divided by."""
    from dailypapers.site.management.commands.serve import gunicorn_command

    port = free_port()
    server = subprocess.Popen(
        gunicorn_command("trivial_site:application", f"127.0.0.1:{port}", workers),
        cwd=Path(__file__).resolve().parent,
        stdout=subprocess.DEVNULL,  # the access log
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/", timeout=5).read()
            return server, base
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn (trivial view) did not start")


def postgres_url(workdir: Path, name: str, fresh: bool = False) -> str:
    """A private PostgreSQL server from the Debian package (started if needed, on port
    $PGPORT_TESTS, default 55433) and a database NAME on it; fresh=True drops it first."""
    env = {**os.environ, "PGPORT_TESTS": os.environ.get("PGPORT_TESTS", "55433")}
    started = subprocess.run(
        [str(ROOT / ".ci" / "postgres.sh"), "start", str(workdir / "pg")],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    server_url = re.search(r"DATABASE_URL='([^']+)'", started).group(1)
    bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout
    socket = ["-h", str(workdir / "pg" / "socket"), "-p", env["PGPORT_TESTS"], "-U", "postgres"]
    if fresh:
        subprocess.run([f"{bindir.strip()}/dropdb", "--if-exists", *socket, name], check=True)
    subprocess.run([f"{bindir.strip()}/createdb", *socket, name], capture_output=True)  # may exist
    return server_url.replace("/dailypapers?", f"/{name}?")


def stop_postgres(workdir: Path) -> None:
    env = {**os.environ, "PGPORT_TESTS": os.environ.get("PGPORT_TESTS", "55433")}
    if (workdir / "pg").exists():
        subprocess.run(
            [str(ROOT / ".ci" / "postgres.sh"), "stop", str(workdir / "pg")],
            env=env,
            check=False,
            capture_output=True,
        )
        shutil.rmtree(workdir / "pg", ignore_errors=True)


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
    """req/s, p95 (ms), errors and requests of `wrk -t2 -c CONNECTIONS` for SECONDS, script
    ending in WRK_REPORT; with wrk's own resource use (bench/page_split.py counts it)."""
    wrk = subprocess.Popen(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
        + ["-s", str(script), url],
        stdout=subprocess.PIPE,
        text=True,
    )
    output = wrk.stdout.read()
    _, status, usage = os.wait4(wrk.pid, 0)
    wrk.returncode = os.waitstatus_to_exitcode(status)
    if wrk.returncode:
        raise subprocess.CalledProcessError(wrk.returncode, wrk.args, output)
    requests, errors, p95, duration = re.search(r"RESULT (\S+) (\S+) (\S+) (\S+)", output).groups()
    return {
        "rps": int(requests) / float(duration),
        "p95": float(p95),
        "errors": int(errors),
        "requests": int(requests),
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "voluntary_switches": usage.ru_nvcsw,
        "involuntary_switches": usage.ru_nivcsw,
    }


def resident() -> dict[str, float]:
    """This process's resident MB: all, its own (anonymous) and file-backed (memory maps)."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            found[name] = int(value.split()[0]) / 1024
    return found
