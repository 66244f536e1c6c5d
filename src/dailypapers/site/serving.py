"""`dailypapers serve --prod` started from outside, as an operator would, on a free loopback
port: the production tests and the benchmarks share this one way to start and stop it."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    env: dict[str, str], *, workers: int, ready_path: str, log=None, wait: float = 60
) -> tuple[subprocess.Popen, str]:
    """gunicorn for the install env describes, in a process group of its own, once
    ready_path answers: (the process, its base URL). log takes gunicorn's stderr."""
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
        # Plain HTTP on loopback: cookies are not marked Secure unless env asks for it.
        env={"DAILYPAPERS_SECURE_COOKIES": "0", **env},
        stdout=subprocess.DEVNULL,  # the access log
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"dailypapers serve exited with status {server.returncode}")
        try:
            urllib.request.urlopen(base + ready_path, timeout=5).read()
            return server, base
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"dailypapers serve did not answer {ready_path} within {wait:.0f} s")


def stop_server(server: subprocess.Popen, wait: float = 20) -> None:
    """SIGTERM to the server's process group (gunicorn and its workers), SIGKILL if slow."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
