"""First-page thumbnails: drawn from PDFs the tests make, fetched from a local HTTP server
through the arXiv client's polite session, served with long-lived cache headers, shown on
cards, the paper page and the API."""

import re
from datetime import timedelta
from io import BytesIO, StringIO

import pdf_samples
import pytest
from conftest import examples
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image
from werkzeug import Response

from dailypapers.thumbnails import files
from dailypapers.thumbnails.drawing import draw_thumbnails, due
from dailypapers.thumbnails.models import Thumbnail
from dailypapers.thumbnails.render import CARD_WIDTH, WIDTHS, Unusable, first_page


def pixels(drawn) -> Image.Image:
    image = Image.open(BytesIO(drawn.webp))
    assert image.format == "WEBP"
    assert image.size == (drawn.width, drawn.height)
    return image.convert("L")


def test_one_page_gives_a_card_and_a_retina_image_of_the_page():
    card, retina = first_page(pdf_samples.one_page())
    assert (card.width, retina.width) == WIDTHS == (CARD_WIDTH, 2 * CARD_WIDTH)
    assert card.height == round(CARD_WIDTH * 842 / 595)  # A4's proportions
    assert retina.height in (2 * card.height - 1, 2 * card.height, 2 * card.height + 1)
    for image in (card, retina):
        drawn = pixels(image)
        assert drawn.getpixel((3, 3)) < 60  # the black square, top left
        assert drawn.getpixel((drawn.width - 3, drawn.height - 3)) > 200  # white paper


def test_many_pages_give_the_first_page():
    card, _ = first_page(pdf_samples.many_pages())
    assert pixels(card).getpixel((3, 3)) < 60  # only page 1 has the square


@pytest.mark.parametrize("make", [pdf_samples.landscape, pdf_samples.rotated])
def test_landscape_and_rotated_pages_are_drawn_as_readers_see_them(make):
    card, _ = first_page(make())
    assert card.width == CARD_WIDTH
    assert card.height == round(CARD_WIDTH * 595 / 842)


@pytest.mark.parametrize(
    "make, reason",
    [
        (pdf_samples.encrypted, "the PDF is encrypted"),
        (pdf_samples.truncated, "the PDF is broken or has no pages"),
        (pdf_samples.zero_pages, "the PDF is broken or has no pages"),
        (lambda: b"<html>not a PDF</html>", "the PDF is broken or has no pages"),
    ],
)
def test_unusable_pdfs_say_why(make, reason):
    with pytest.raises(Unusable) as raised:
        first_page(make())
    assert str(raised.value) == reason


@hypothesis_settings(max_examples=examples(60), deadline=None)
@given(st.binary(max_size=2000) | st.integers(0, 3000).map(lambda n: pdf_samples.one_page()[:n]))
def test_any_bytes_give_a_thumbnail_or_a_reason(data):
    try:
        images = first_page(data)
    except Unusable as error:
        assert str(error)
    else:
        assert [image.width for image in images] == list(WIDTHS)


# --- the command, against a local server -------------------------------------------------


@pytest.fixture
def pdf_server(httpserver, fast_arxiv, settings, tmp_path):
    settings.ARXIV_PDF_URL = httpserver.url_for("/pdf/")
    settings.THUMBNAIL_MAX_PDF_BYTES = 200_000
    return httpserver


def serve_pdf(server, versioned_id: str, body: bytes, status: int = 200, **headers):
    server.expect_request(f"/pdf/{versioned_id}").respond_with_data(
        body, status=status, content_type="application/pdf", headers=headers
    )


def fetched(server) -> list[str]:
    return [request.path for request, _ in server.log]


@pytest.fixture
def listed(make_paper, list_paper):
    def make(arxiv_id: str, **fields):
        paper = make_paper(arxiv_id, **fields)
        list_paper(paper, timezone.now().date())
        return paper

    return make


def run(*args: str) -> str:
    out = StringIO()
    call_command("thumbnails", *args, stdout=out)
    return out.getvalue()


def test_the_command_draws_listed_papers_once_and_records_each_outcome(pdf_server, listed):
    good, locked, gone, huge, other = (listed(f"2611.0000{n}") for n in range(1, 6))
    serve_pdf(pdf_server, "2611.00001v1", pdf_samples.many_pages())
    serve_pdf(pdf_server, "2611.00002v1", pdf_samples.encrypted())
    serve_pdf(pdf_server, "2611.00003v1", b"no such paper", status=404)
    serve_pdf(pdf_server, "2611.00004v1", b"%PDF" + b"0" * 300_000)
    serve_pdf(pdf_server, "2611.00005v1", pdf_samples.landscape())

    assert run("--since", "1") == "thumbnails: 2 drawn, 0 found complete, 3 skipped\n"

    rows = {t.paper_id: t for t in Thumbnail.objects.all()}
    assert rows["2611.00001"].status == "ok"
    assert (rows["2611.00001"].width, rows["2611.00001"].height) == (160, 226)
    assert (rows["2611.00005"].width, rows["2611.00005"].height) == (160, 113)
    for width in WIDTHS:
        assert files.image_size(files.path("2611.00001v1", width))[0] == width
    reasons = {pid: rows[pid].reason for pid in ("2611.00002", "2611.00003", "2611.00004")}
    assert reasons["2611.00002"] == "the PDF is encrypted"
    assert reasons["2611.00003"] == "arXiv answered HTTP 404"
    assert reasons["2611.00004"].startswith("the PDF is oversized")
    assert all(rows[pid].status == "skipped" and rows[pid].failures == 1 for pid in reasons)
    assert not list(files.folder().rglob("*.part"))

    # A second run fetches nothing: drawn papers are done, skipped ones wait for their time.
    before = len(pdf_server.log)
    assert run("--since", "1") == "thumbnails: 0 drawn, 0 found complete, 0 skipped\n"
    assert len(pdf_server.log) == before


def test_a_skipped_paper_is_retried_later_with_a_doubled_wait(pdf_server, listed, settings):
    listed("2611.00002")
    serve_pdf(pdf_server, "2611.00002v1", pdf_samples.encrypted())
    settings.THUMBNAIL_RETRY_HOURS = 6
    run("--ids", "2611.00002")
    first = Thumbnail.objects.get()
    assert timedelta(hours=5.9) < first.retry_at - timezone.now() <= timedelta(hours=6)

    Thumbnail.objects.update(retry_at=timezone.now() - timedelta(seconds=1))
    run("--ids", "2611.00002")
    second = Thumbnail.objects.get()
    assert second.failures == 2
    assert timedelta(hours=11.9) < second.retry_at - timezone.now() <= timedelta(hours=12)
    assert fetched(pdf_server) == ["/pdf/2611.00002v1"] * 2

    # Fixed upstream: the next retry draws it.
    pdf_server.clear()
    serve_pdf(pdf_server, "2611.00002v1", pdf_samples.one_page())
    Thumbnail.objects.update(retry_at=timezone.now() - timedelta(seconds=1))
    assert "1 drawn" in run("--ids", "2611.00002")
    assert Thumbnail.objects.get().status == "ok"


def test_an_oversized_pdf_is_not_read_past_the_cap_even_without_a_length(pdf_server, listed):
    listed("2611.00004")
    # Streamed in chunks with no Content-Length: counted as it arrives.
    chunks = (b"%PDF" + b"0" * 65_536 for _ in range(50))
    pdf_server.expect_request("/pdf/2611.00004v1").respond_with_response(
        Response(chunks, content_type="application/pdf")
    )
    run("--ids", "2611.00004")
    assert Thumbnail.objects.get().reason.startswith("the PDF is oversized")


def test_a_new_version_is_drawn_again_under_a_new_name(pdf_server, listed, make_paper):
    listed("2611.00001")
    serve_pdf(pdf_server, "2611.00001v1", pdf_samples.one_page())
    serve_pdf(pdf_server, "2611.00001v2", pdf_samples.landscape())
    run("--ids", "2611.00001")
    make_paper("2611.00001", version=2)
    assert [p.arxiv_id for p in due(["2611.00001"])] == ["2611.00001"]
    run("--ids", "2611.00001")
    thumbnail = Thumbnail.objects.get()
    assert (thumbnail.drawn_id, thumbnail.height) == ("2611.00001v2", 113)


def test_complete_files_from_a_killed_run_are_recorded_without_fetching(pdf_server, listed):
    paper = listed("2611.00001")
    for image in first_page(pdf_samples.one_page()):
        files.write(files.path("2611.00001v1", image.width), image.webp)
    stale = files.folder() / "2611.00001v1-320.webp.999999999.part"
    stale.write_bytes(b"half an image")
    assert draw_thumbnails([paper]) == {"found": 1}
    assert fetched(pdf_server) == []
    assert Thumbnail.objects.get().height == 226
    assert not stale.exists()


def test_the_command_rejects_a_bad_id_and_names_unknown_ones(pdf_server, listed, capsys):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not an arXiv id"):
        run("--ids", "2611.00001", "not-an-id")
    listed("2611.00001")
    serve_pdf(pdf_server, "2611.00001v1", pdf_samples.one_page())
    err = StringIO()
    call_command("thumbnails", "--ids", "2611.00001", "2611.99999", stdout=StringIO(), stderr=err)
    assert "not in the database (import or fetch them first): ['2611.99999']" in err.getvalue()
    assert fetched(pdf_server) == ["/pdf/2611.00001v1"]


# --- showing them ---------------------------------------------------------------------


@pytest.fixture
def drawn_paper(pdf_server, listed):
    paper = listed("2611.00001", title="Cats <b>and</b> dogs")
    listed("2611.00009")  # no thumbnail
    serve_pdf(pdf_server, "2611.00001v1", pdf_samples.one_page())
    run("--ids", "2611.00001")
    return paper


def test_a_thumbnail_is_served_with_long_lived_cache_headers(client, drawn_paper):
    response = client.get("/media/thumbnails/2611.00001v1-320.webp")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert Image.open(BytesIO(b"".join(response.streaming_content))).size == (320, 453)


@pytest.mark.parametrize(
    "path",
    [
        "/media/thumbnails/2611.00009v1-320.webp",
        "/media/thumbnails/../secret_key",
        "/media/thumbnails/%2E%2E/%2E%2E/dailypapers.sqlite3",
        "/media/thumbnails/2611.00001v1-320.webp.1.part",
        "/media/thumbnails/x/../2611.00001v1-320.webp",
    ],
)
def test_nothing_else_is_served_from_media(client, drawn_paper, path):
    assert client.get(path).status_code == 404


def test_cards_show_the_thumbnail_lazily_sized_with_alt_text(client, drawn_paper):
    page = client.get("/").content.decode()
    images = re.findall(r"<img class=\"thumbnail\"[^>]*>", page)
    assert images == [
        '<img class="thumbnail" src="/media/thumbnails/2611.00001v1-160.webp" '
        'srcset="/media/thumbnails/2611.00001v1-320.webp 2x" width="160" height="226" '
        'loading="lazy" decoding="async" alt="First page of Cats &lt;b&gt;and&lt;/b&gt; dogs">'
    ]
    # The paper without one keeps the text-only card.
    assert page.count('class="card with-figure"') == 1
    assert page.count('class="card"') == 1


def test_the_paper_page_shows_the_thumbnail(client, drawn_paper):
    page = client.get("/papers/2611.00001").content.decode()
    assert 'src="/media/thumbnails/2611.00001v1-160.webp"' in page
    assert "<img" not in client.get("/papers/2611.00009").content.decode()


def test_the_api_fills_hf_thumbnail_with_an_absolute_url(client, drawn_paper, settings):
    items = {i["paper"]["id"]: i for i in client.get("/api/daily_papers").json()}
    assert items["2611.00001"]["thumbnail"] == (
        settings.BASE_URL + "/media/thumbnails/2611.00001v1-320.webp"
    )
    assert items["2611.00009"]["thumbnail"] is None


def test_send_digests_draws_the_periods_thumbnails_when_enabled(pdf_server, listed, settings):
    listed("2611.00001")
    serve_pdf(pdf_server, "2611.00001v1", pdf_samples.one_page())
    yesterday = timezone.now().date()
    out = StringIO()
    settings.THUMBNAILS_WITH_DIGESTS = True
    call_command("send-digests", "--period", "weekly", "--date", str(yesterday), stdout=out)
    assert "thumbnails: 1 drawn, 0 skipped" in out.getvalue()
    assert Thumbnail.objects.get().status == "ok"
