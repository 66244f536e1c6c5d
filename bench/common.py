"""Helpers the benchmark scripts share."""

import os
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
