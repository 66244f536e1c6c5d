"""Link extraction: the messy cases one by one, a property over any text, the labelled set,
and the rows written on import and on reindex."""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from dailypapers.links.extract import Link, LinkKind, extract_links
from dailypapers.links.models import PaperLink
from dailypapers.papers.records import clean_text
from dailypapers.papers.signals import papers_written

CODE, PROJECT, DATA, DEMO = LinkKind.CODE, LinkKind.PROJECT, LinkKind.DATA, LinkKind.DEMO
LABELLED = Path(__file__).parent / "fixtures" / "links_labelled.jsonl"


def links(abstract: str, comment: str = "") -> list[tuple[str, str]]:
    return [(link.kind.value, link.url) for link in extract_links(abstract, comment)]


def test_the_result_is_typed():
    (link,) = extract_links("Code: https://github.com/owner/repo")
    assert link == Link(LinkKind.CODE, "https://github.com/owner/repo")
    assert isinstance(link.kind, LinkKind)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Code is available at https://github.com/owner/repo.",
            [(CODE, "https://github.com/owner/repo")],
        ),
        ("(see https://github.com/owner/repo).", [(CODE, "https://github.com/owner/repo")]),
        ("at https://github.com/owner/repo.git .", [(CODE, "https://github.com/owner/repo")]),
        ("at https://github.com/o/r/tree/main/src;", [(CODE, "https://github.com/o/r")]),
        ("code: github.com/owner/repo,", [(CODE, "https://github.com/owner/repo")]),
        ("https://www.github.com/owner/repo!", [(CODE, "https://github.com/owner/repo")]),
        (
            "at https://gitlab.com/group/sub/repo/-/tree/main",
            [(CODE, "https://gitlab.com/group/sub/repo")],
        ),
        ("at https://codeberg.org/owner/repo", [(CODE, "https://codeberg.org/owner/repo")]),
        ("at https://bitbucket.org/owner/repo/src", [(CODE, "https://bitbucket.org/owner/repo")]),
        (
            "Project page: https://owner.github.io/thing/.",
            [(PROJECT, "https://owner.github.io/thing")],
        ),
        ("see owner.github.io/thing", [(PROJECT, "https://owner.github.io/thing")]),
        (
            "Project page: https://research.example.com/labs/x/",
            [(PROJECT, "https://research.example.com/labs/x")],
        ),
        (
            "Our dataset is available at https://data.example.org/d1",
            [(DATA, "https://data.example.org/d1")],
        ),
        (
            "Models: https://huggingface.co/org/model-7B.",
            [(CODE, "https://huggingface.co/org/model-7B")],
        ),
        (
            "at https://huggingface.co/datasets/org/set/tree/main",
            [(DATA, "https://huggingface.co/datasets/org/set")],
        ),
        (
            "Demo: https://huggingface.co/spaces/org/app",
            [(DEMO, "https://huggingface.co/spaces/org/app")],
        ),
        (
            "our datasets at https://huggingface.co/collections/org/c-1",
            [(DATA, "https://huggingface.co/collections/org/c-1")],
        ),
        (
            "our models at https://huggingface.co/collections/org/c-1",
            [(CODE, "https://huggingface.co/collections/org/c-1")],
        ),
    ],
)
def test_links_by_host_and_phrase(text, expected):
    assert links(text) == [(kind.value, url) for kind, url in expected]


def test_latex_url_and_href_are_unwrapped():
    assert links(r"Code: \url{https://github.com/a/b}") == [("code", "https://github.com/a/b")]
    assert links(r"released \href{https://github.com/a/b}{here}.") == [
        ("code", "https://github.com/a/b")
    ]
    assert links(r"at \href{https://a.github.io/x}{https://a.github.io/x}.") == [
        ("project", "https://a.github.io/x")
    ]
    assert links(r"in $\href{https://a.github.io/x/}{Webpage}$.") == [
        ("project", "https://a.github.io/x")
    ]
    # arXiv sometimes drops the macro and leaves the display text glued on.
    assert links("available https://github.com/a/b{here}.") == [("code", "https://github.com/a/b")]
    assert links(r"at https://github.com/a/my\_repo") == [("code", "https://github.com/a/my_repo")]


def test_urls_wrapped_across_lines_are_joined():
    for text in (
        "Code is available at https://github.com/bbvisual/\nMoBind.",
        clean_text("Code is available at https://github.com/bbvisual/\nMoBind."),
        "at https://github.com/owner/long-\nname.",
    ):
        assert [url for _, url in links(text)] in (
            ["https://github.com/bbvisual/MoBind"],
            ["https://github.com/owner/long-name"],
        )
    # A sentence that merely follows a URL is not glued to it.
    assert links("Page: https://a.github.io/x/ We show more.") == [
        ("project", "https://a.github.io/x")
    ]


def test_an_owner_page_is_not_a_repository():
    assert links("Code is available at https://github.com/some-org.") == []
    assert links("Code: https://github.com/some-org/ and more") == []
    assert links("Weights: https://huggingface.co/some-org") == []
    assert links("see https://github.com/topics/llm") == []


def test_arxiv_links_and_publication_dois_are_not_links():
    assert links("Extends https://arxiv.org/abs/2401.01234 and arXiv:2401.01235.") == []
    assert links("Published as doi:10.1103/PhysRevA.95.032133 (https://doi.org/10.1126/x)") == []


def test_dois_of_data_repositories_are_data():
    assert links("Data on Zenodo: 10.5281/zenodo.15410944.") == [
        ("data", "https://doi.org/10.5281/zenodo.15410944")
    ]
    assert links("at https://doi.org/10.5281/zenodo.18287499") == [
        ("data", "https://doi.org/10.5281/zenodo.18287499")
    ]


def test_unintroduced_and_video_urls_are_left_out():
    assert links("See https://www.sciencedirect.com/science/article/pii/S1") == []
    assert links("Project video: https://youtu.be/uobhmxo6EIE") == []
    assert links("Code is available at https://example.org/tool") == []


def test_duplicates_across_abstract_and_comment_are_one_link():
    abstract = "Project page: http://a.github.io/x/"
    comment = "Project Page: https://a.github.io/x ; Code: https://github.com/a/x"
    assert links(abstract, comment) == [
        ("project", "https://a.github.io/x"),
        ("code", "https://github.com/a/x"),
    ]


FRAGMENTS = st.sampled_from(
    [
        "https://",
        "http://",
        "www.",
        "github.com/",
        "huggingface.co/",
        "datasets/",
        "spaces/",
        "a.github.io",
        "/",
        "-",
        "_",
        ".",
        ",",
        ")",
        "(",
        "]",
        "}",
        "{",
        r"\url{",
        r"\href{",
        "}{",
        "$",
        "10.5281/zenodo.1",
        "doi.org/",
        " ",
        "\n",
        "Project page: ",
        "data ",
        "x",
        "owner",
        "repo",
        ".git",
        "?q=1",
        "#frag",
        "é",
        ":",
        "@",
        "//",
        "[",
        "%",
        r"\_",
        "[::1]",
    ]
)


@given(st.one_of(st.text(), st.lists(FRAGMENTS, max_size=40).map("".join)), st.text(max_size=50))
def test_any_text_gives_wellformed_links(abstract, comment):
    for link in extract_links(abstract, comment):
        parts = urlsplit(link.url)
        assert parts.scheme in ("http", "https")
        assert parts.hostname and "." in parts.hostname
        assert not re.search(r"[.,;:!?'\")\]}]$", link.url), link.url
        assert not re.search(r"\s", link.url)
        assert link.kind in LinkKind


def _score(records, kind):
    def key(url):
        return re.sub(r"^https?://(www\.)?", "", url).rstrip("/").lower()

    tp = predicted = gold = 0
    for record in records:
        got = {
            key(link.url)
            for link in extract_links(clean_text(record["abstract"]), clean_text(record["comment"]))
            if link.kind == kind
        }
        want = {key(g["url"]) for g in record["links"] if g["kind"] == kind}
        tp, predicted, gold = tp + len(got & want), predicted + len(got), gold + len(want)
    return tp / max(predicted, 1), tp / max(gold, 1)


def test_the_labelled_set_meets_the_code_target():
    records = [json.loads(line) for line in LABELLED.read_text().splitlines()]
    assert len(records) >= 100
    assert 0.35 <= sum(bool(r["links"]) for r in records) / len(records) <= 0.65
    for split in ("dev", "held-out", "fresh"):
        precision, recall = _score([r for r in records if r["split"] == split], CODE)
        assert precision >= 0.97 and recall >= 0.90, (split, precision, recall)


# -- stored on import and on reindex --------------------------------------------------------


def stored(arxiv_id):
    return list(PaperLink.objects.filter(paper_id=arxiv_id).values_list("kind", "url", "source"))


@pytest.mark.django_db
def test_import_stores_the_extracted_links(make_paper):
    make_paper(
        "2401.00001",
        abstract="Code: https://github.com/a/b.",
        comment=r"Project page: \url{https://a.github.io/b/}",
    )
    assert stored("2401.00001") == [
        ("code", "https://github.com/a/b", "extracted"),
        ("project", "https://a.github.io/b", "extracted"),
    ]


@pytest.mark.django_db
def test_a_new_version_replaces_the_extracted_links(make_paper):
    make_paper("2401.00001", abstract="Code: https://github.com/a/old")
    make_paper("2401.00001", version=2, abstract="Code: https://github.com/a/new")
    assert stored("2401.00001") == [("code", "https://github.com/a/new", "extracted")]
    make_paper("2401.00001", version=3, abstract="No links any more.")
    assert stored("2401.00001") == []


@pytest.mark.django_db(transaction=True)
def test_links_commit_or_roll_back_with_the_paper(make_paper):
    """The links are written in the import's transaction: if that fails, neither lands."""
    from dailypapers.papers.models import Paper

    def fail(**kwargs):
        raise RuntimeError("disk full")

    papers_written.connect(fail, dispatch_uid="test-fail")
    try:
        with pytest.raises(RuntimeError):
            make_paper("2401.00002", abstract="Code: https://github.com/a/b")
    finally:
        papers_written.disconnect(dispatch_uid="test-fail")
    assert not Paper.objects.filter(pk="2401.00002").exists()
    assert not PaperLink.objects.exists()


@pytest.mark.django_db
def test_reindex_recomputes_the_extracted_links(make_paper, search_index):
    make_paper("2401.00001", abstract="Code: https://github.com/a/b")
    make_paper("2401.00003", abstract="Nothing here.")
    PaperLink.objects.all().delete()
    PaperLink.objects.create(paper_id="2401.00003", kind="code", url="https://github.com/stale/x")
    call_command("reindex")
    assert stored("2401.00001") == [("code", "https://github.com/a/b", "extracted")]
    assert stored("2401.00003") == []


@pytest.mark.django_db
def test_the_paper_page_shows_the_links_in_kind_order(client, make_paper):
    make_paper(
        "2401.00004",
        abstract="Project page: https://x.github.io/p?a=1&b=2. Code: https://github.com/a/b.",
    )
    page = client.get("/papers/2401.00004").content.decode()
    row = re.search(r'<dd class="paper-links">(.*?)</dd>', page).group(1)
    assert row == (
        '<a href="https://github.com/a/b" rel="nofollow ugc noopener" '
        'title="https://github.com/a/b">Code</a> · '
        '<a href="https://x.github.io/p?a=1&amp;b=2" rel="nofollow ugc noopener" '
        'title="https://x.github.io/p?a=1&amp;b=2">Project</a>'
    )


@pytest.mark.django_db
def test_a_paper_without_links_has_no_links_row(client, make_paper):
    make_paper("2401.00005", abstract="No links here.")
    assert "paper-links" not in client.get("/papers/2401.00005").content.decode()
