"""A page for every paper: math as MathML, links, comments, and unknown ids."""

import pytest

from dailypapers.papers.latex import render_math_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            r"inline \(x^2\) here",
            '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">',
        ),
        (r"inline $\alpha$ here", 'display="inline"'),
        (r"display \[E=mc^2\] here", 'display="block"'),
        (r"display $$\int_0^1 f$$ here", 'display="block"'),
    ],
)
def test_math_delimiters_become_mathml(text, expected):
    assert expected in render_math_text(text)


@pytest.mark.parametrize(
    "text", ["It costs $5 and $10.", "US$ 3 million", r"a literal \$ sign", "$ spaced $"]
)
def test_dollars_in_plain_text_stay_text(text):
    assert "<math" not in render_math_text(text)


def test_failing_math_shows_as_text():
    html = render_math_text(r"broken $\frac{1}{$ but fine")
    assert "<math" not in html and r"$\frac{1}{$" in html


@pytest.mark.parametrize(
    "hostile",
    [
        r"$\href{javascript:alert(1)}{x}$",
        r"$\text{<script>alert(1)</script>}$",
        "<script>alert(1)</script>",
        '" onmouseover="alert(1)',
    ],
)
def test_hostile_math_and_text_render_inert(hostile):
    html = render_math_text(hostile)
    assert "<script" not in html and "javascript:" not in html.replace("\\href{javascript:", "")
    assert 'onmouseover="' not in html


def test_paper_page_renders_math_and_links(client, make_paper):
    make_paper(
        "2611.00001",
        title=r"Bounds on $\mathcal{O}(n)$ things",
        abstract=r"We prove \(a^2+b^2=c^2\) and $$\sum_i x_i$$ for $5 only.",
        categories=["math.CO", "cs.DM"],
        doi="10.1000/xyz",
    )
    page = client.get("/papers/2611.00001").content.decode()
    assert page.count("<math") == 3
    assert "for $5 only." in page
    assert 'href="https://arxiv.org/abs/2611.00001v1"' in page
    assert 'href="https://arxiv.org/pdf/2611.00001v1"' in page
    assert "math.CO" in page and "10.1000/xyz" in page
    assert "Similar papers" in page


def test_paper_not_on_any_list_still_has_a_page(client, make_paper):
    make_paper("2611.00001", title="Unlisted")
    page = client.get("/papers/2611.00001")
    assert page.status_code == 200 and b"Put this paper on today" in page.content


def test_old_style_and_versioned_urls(client, make_paper):
    make_paper("hep-th/9901001", title="Old style")
    assert b"Old style" in client.get("/papers/hep-th/9901001").content
    redirect = client.get("/papers/hep-th/9901001v2")
    assert redirect.status_code == 302 and redirect["Location"] == "/papers/hep-th/9901001"


def test_unknown_valid_id_offers_to_fetch(client, make_user):
    page = client.get("/papers/2611.99999")
    assert page.status_code == 404 and b"Log in</a> to fetch it" in page.content
    client.force_login(make_user())
    page = client.get("/papers/2611.99999")
    assert b'action="/papers/2611.99999/fetch"' in page.content


def test_unknown_fetch_imports_from_arxiv(client, make_user, arxiv_api):
    from conftest import atom

    arxiv_api.expect_request("/api/query").respond_with_data(
        atom("id_1707.08567_s0_m100_6a1afebfc6a3.xml")
    )
    client.force_login(make_user())
    response = client.post("/papers/1707.08567/fetch")
    assert response.status_code == 302
    assert b"Proceedings of Workshop AEW10" in client.get("/papers/1707.08567").content


def test_hostile_metadata_renders_inert(client, make_paper, list_paper):
    from datetime import date

    hostile = '<script>alert(1)</script>"onmouseover="alert(2)'
    paper = make_paper(
        "2611.00001", title=hostile, abstract=hostile + " javascript:alert(3)", authors=[hostile]
    )
    list_paper(paper, date(2026, 11, 20))
    for url in ("/papers/2611.00001", "/papers/date/2026-11-20"):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert '"onmouseover="' not in html
        assert 'href="javascript:' not in html


def test_paper_page_reads_in_fixed_queries(
    client, make_paper, make_user, list_paper, django_assert_num_queries
):
    """The paper with its entry and submitter is one query, its comments with their authors
    another (feed/detail.py), however many comments; a paper on no list costs no extra read."""
    from datetime import date

    from dailypapers.feed import services

    listed = make_paper("2611.00002", title="Listed")
    list_paper(listed, date(2026, 11, 20), by=make_user("submitter"))
    first = services.add_comment(make_user("critic"), listed, "First thought.")
    services.add_comment(make_user("replier"), listed, "A reply.", first.pk)
    make_paper("2611.00003", title="Unlisted")
    # paper with entry and submitter, comments with authors, the paper's links (links app), its
    # thumbnail (thumbnails app), its verified authors (people: the badge on comments); no
    # search index here. (The page-cache generation is read through the driver's connection,
    # which Django does not count: feed/generation.py.)
    with django_assert_num_queries(5):
        page = client.get("/papers/2611.00002").content.decode()
    assert 'href="/u/submitter">submitter</a>' in page and "2026-11-20" in page
    assert page.index("First thought.") < page.index("A reply.")
    assert 'href="/u/critic">critic</a>' in page and 'href="/u/replier">replier</a>' in page
    # no entry: the vote count is read from the votes instead; no comments, so no badge to
    # look up
    with django_assert_num_queries(5):
        page = client.get("/papers/2611.00003").content.decode()
    assert "Put this paper on today" in page


def test_the_paper_and_its_entry_read_together_are_what_the_orm_reads(
    make_paper, make_user, list_paper
):
    """paper_with_entry reads the entry as the second half of the paper's row: every field
    comes back as a QuerySet gives it (dates, aware datetimes, booleans, on both databases)."""
    from datetime import date

    from dailypapers.feed import detail
    from dailypapers.feed.models import DailyEntry

    listed = list_paper(make_paper("2611.00004"), date(2026, 11, 21), by=make_user("sub"))
    DailyEntry.objects.filter(pk=listed.pk).update(pinned=True, hidden=True, upvotes=3)
    paper = detail.paper_with_entry("2611.00004")
    entry, stored = paper.entry, DailyEntry.objects.get(pk=listed.pk)
    for field in DailyEntry._meta.concrete_fields:
        assert getattr(entry, field.attname) == getattr(stored, field.attname), field.name
        assert type(getattr(entry, field.attname)) is type(getattr(stored, field.attname))
    assert entry.submitted_by.username == "sub" and entry.paper is paper
    assert not hasattr(paper, "entry__id") and entry.submitted_at.tzinfo is not None
    _same_fields(paper, stored.paper)
    make_paper("2611.00005")
    with pytest.raises(DailyEntry.DoesNotExist):
        _ = detail.paper_with_entry("2611.00005").entry
    assert detail.paper_with_entry("2611.00006") is None


def _same_fields(built, stored):
    for field in type(stored)._meta.concrete_fields:
        assert getattr(built, field.attname) == getattr(stored, field.attname), field.name
        assert type(getattr(built, field.attname)) is type(getattr(stored, field.attname))
    assert built._state.adding is False and built._state.db == stored._state.db


def test_comments_and_links_built_from_rows_are_what_the_orm_reads(
    make_paper, make_user, list_paper
):
    """comments_on and PaperLink.objects.shown_for build models from plain rows
    (core.sql.instance, converters found once per model and connection): every field as a
    QuerySet gives it, on both databases."""
    from datetime import date

    from dailypapers.feed import detail, services
    from dailypapers.feed.models import Comment
    from dailypapers.links.models import PaperLink

    paper = make_paper("2611.00007")
    list_paper(paper, date(2026, 11, 21), by=make_user("sub"))
    first = services.add_comment(make_user("critic"), paper, "First $x^2$ thought.")
    services.add_comment(make_user("replier"), paper, "A reply.", first.pk)
    Comment.objects.filter(pk=first.pk).update(hidden=True)
    PaperLink.objects.create(paper=paper, kind="data", url="https://example.org/d", position=1)
    PaperLink.objects.create(paper=paper, kind="code", url="https://github.com/o/r")
    comments = detail.comments_on(paper)
    assert [c.author.username for c in comments] == ["critic", "replier"]
    for built in comments:
        stored = Comment.objects.get(pk=built.pk)
        _same_fields(built, stored)
    links = PaperLink.objects.shown_for(paper)
    assert [link.kind for link in links] == ["code", "data"]
    for built in links:
        _same_fields(built, PaperLink.objects.get(pk=built.pk))
