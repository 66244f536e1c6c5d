"""`pip install dailypapers` from a built wheel, then a first run offline: the bundled sample
ships inside the package, so the site has papers, lists and search with arXiv unreachable."""

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from dailypapers.site.serving import free_port, stop_server

pytestmark = pytest.mark.system  # builds and installs a wheel: skipped by `make test-fast`
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with only the wheel in it; its dependencies come from this test's venv."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a copy, so the build leaves nothing in the checkout
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__")
    )
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(work / "dist"), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (work / "dist").glob("dailypapers-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # Dependencies without the network: this venv's site-packages as a plain path entry (its
    # .pth files, the editable install of the checkout among them, are not processed).
    new_site = subprocess.run(
        [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(new_site, "test-venv-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
    )
    return venv


def test_wheel_installs_and_bootstraps_offline_with_the_sample(installed, tmp_path):
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTHONPATH")}
    env.update(
        DAILYPAPERS_HOME=str(home),
        DAILYPAPERS_ARXIV_API_URL=f"http://127.0.0.1:{free_port()}/api/query",  # closed port
        DAILYPAPERS_SECURE_COOKIES="0",
    )
    where = subprocess.run(
        [installed / "bin" / "python", "-c", "import dailypapers; print(dailypapers.__file__)"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert where.startswith(str(installed)), f"not the installed wheel: {where}"

    cli = installed / "bin" / "dailypapers"
    run = {"cwd": tmp_path, "env": env, "capture_output": True, "text": True, "timeout": 600}
    boot = subprocess.run([cli, "bootstrap"], **run)
    assert boot.returncode == 0, boot.stderr
    assert "Loading the bundled sample" in boot.stdout
    assert re.search(r"imported 1000 new", boot.stdout), boot.stdout
    assert "Built the search index (1000 papers)" in boot.stdout
    stats = json.loads(subprocess.run([cli, "stats", "--json"], check=True, **run).stdout)
    assert stats["papers"] == 1000 and stats["votes"] > 100

    port = free_port()
    server = subprocess.Popen(
        [cli, "serve", "--prod", f"--addr=127.0.0.1:{port}", "--workers=1"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        home_page = _get(base + "/", server)
        cards = home_page.count('<article class="card')
        assert 12 <= cards <= 30, cards
        paper_id = re.search(r'<h2 id="title-1"><a href="/papers/([^"]+)"', home_page).group(1)
        paper_page = _get(f"{base}/papers/{paper_id}", server)
        assert "Similar papers" in paper_page and "No similar papers found yet" not in paper_page
        assert "/papers/" in _get(base + "/search?q=neural+networks", server)
    finally:
        stop_server(server)


def _get(url: str, server: subprocess.Popen, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return urllib.request.urlopen(url, timeout=10).read().decode()
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.3)
