"""kill -9 in the middle of `dailypapers thumbnails`, then a re-run: nothing half-written
is ever served, and nothing drawn before the kill is fetched again."""

import json
import signal
import subprocess
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pdf_samples
import pytest
from conftest import SNAPSHOT_200
from PIL import Image
from test_crash import kill_when

pytestmark = pytest.mark.system

PAPERS = 12


class SlowPdfServer(ThreadingHTTPServer):
    """Answers every /pdf/<id> with the same PDF after a pause, and counts the requests."""

    def __init__(self, pdf: bytes, pause: float):
        self.pdf, self.pause, self.requests = pdf, pause, Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests[self.path] += 1
                time.sleep(server.pause)
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(len(server.pdf)))
                self.end_headers()
                self.wfile.write(server.pdf)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def pdf_server():
    server = SlowPdfServer(pdf_samples.many_pages(), pause=0.4)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def finished_images(site) -> dict[str, tuple[int, int]]:
    """Every file under a served name, opened in full: a half-written one would fail."""
    images = {}
    for path in (site.home / "media" / "thumbnails").glob("*.webp"):
        with Image.open(path) as image:
            image.load()
            images[path.name] = image.size
    return images


def test_kill_during_thumbnails_then_rerun_fetches_nothing_twice(deployment, pdf_server):
    site = deployment()
    site.cli("migrate", "-v0")
    site.cli("import", str(SNAPSHOT_200), env={"DAILYPAPERS_INDEX_ON_IMPORT": "0"})
    ids = [row[0] for row in site.sql("SELECT arxiv_id FROM papers_paper ORDER BY arxiv_id")]
    ids = ids[:PAPERS]
    env = {
        "DAILYPAPERS_ARXIV_PDF_URL": f"http://127.0.0.1:{pdf_server.server_port}/pdf/",
        "DAILYPAPERS_ARXIV_MIN_INTERVAL": "0",
    }
    media = site.home / "media" / "thumbnails"

    victim = site.cli(
        "thumbnails",
        "--ids",
        *ids,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kill_when(victim, lambda: len(list(media.glob("*-160.webp"))) >= 4)
    assert victim.returncode == -signal.SIGKILL
    at_kill = finished_images(site)
    drawn_before = {name.rsplit("-", 1)[0] for name in at_kill if name.endswith("-160.webp")}
    assert 4 <= len(drawn_before) < PAPERS, "the kill must land mid-run to mean anything"
    assert all(size[0] in (160, 320) for size in at_kill.values())

    rerun = site.cli("thumbnails", "--ids", *ids, env=env)
    assert "skipped" in rerun.stdout and " 0 skipped" in rerun.stdout

    drawn = site.sql("SELECT drawn_id FROM thumbnails_thumbnail WHERE status = 'ok'")
    assert len(drawn) == PAPERS
    assert len(finished_images(site)) == 2 * PAPERS
    assert not list(media.rglob("*.part"))
    fetches = pdf_server.requests
    assert sorted(fetches) == sorted(f"/pdf/{row[0]}" for row in drawn)
    for versioned_id in drawn_before:
        assert fetches[f"/pdf/{versioned_id}"] == 1, f"{versioned_id} was fetched again"
    # Only the PDF in flight at the kill may have been asked for twice.
    assert sum(fetches.values()) <= PAPERS + 1
    print(json.dumps({"drawn_before_kill": len(drawn_before), "fetches": sum(fetches.values())}))
