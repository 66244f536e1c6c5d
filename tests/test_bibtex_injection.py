"""BibTeX output read back by a real BibTeX parser (pybtex): no title, author or DOI can add a
field, end an entry early or lose year, eprint and url (issue 11, item 11)."""

from datetime import UTC, date, datetime

import pybtex.errors
import pytest
from conftest import examples
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pybtex.database import parse_string

from dailypapers.papers.bibtex import entries, entry, escape_latex
from dailypapers.papers.models import Paper

INJECTION = "Bounds via $}}, note = {INJECTED}, howpublished = {{$"
BASE_FIELDS = {"title", "year", "eprint", "archivePrefix", "url"}


@pytest.fixture(autouse=True)
def strict_pybtex():
    """pybtex only warns about some errors by default; here every one fails the test."""
    pybtex.errors.set_strict_mode(True)
    yield


def paper(arxiv_id="2611.00001", title="A title", authors=("Ada Lovelace",), **fields) -> Paper:
    values = {
        "abstract": "",
        "primary_category": "cs.LG",
        "doi": "",
        "published": datetime(2026, 11, 20, tzinfo=UTC),
        **fields,
    }
    return Paper(arxiv_id=arxiv_id, title=title, authors=list(authors), **values)


def parse(text: str):
    return parse_string(text, "bibtex").entries


def assert_intact(parsed_entry, source: Paper) -> None:
    expected = set(BASE_FIELDS)
    if source.primary_category:
        expected.add("primaryClass")
    if source.doi.strip():
        expected.add("doi")
    assert set(parsed_entry.fields) == expected
    assert parsed_entry.fields["year"] == f"{source.published:%Y}"
    assert parsed_entry.fields["eprint"] == source.arxiv_id
    assert parsed_entry.fields["url"] == f"https://arxiv.org/abs/{source.arxiv_id}"
    assert len(parsed_entry.persons["author"]) == max(1, len(source.authors))


@pytest.mark.parametrize(
    "fields",
    [
        {"title": INJECTION},
        {"title": "A lone } brace"},
        {"title": "A lone { brace"},
        {"title": r"Escaped \} brace and $\}$ in math and $x}$"},
        {"title": "Math ending in a backslash $x\\$ then text"},
        {"title": "Percent in math $50%}$ comments out the rest"},
        {"authors": ["Ada } Lovelace", "Alan and Turing", "Smith, Jr., John", "others"]},
        {"doi": "10.1000/}, note = {INJECTED"},
        {"doi": "10.1000/\\}"},
        {"primary_category": "cs}x"},
    ],
)
def test_hostile_fields_cannot_add_fields_or_end_the_entry(fields):
    source = paper(**fields)
    [(key, parsed)] = parse(entry(source)).items()
    assert key == "lovelace2026" + key.removeprefix("lovelace2026")
    assert_intact(parsed, source)
    assert "INJECTED" not in parsed.fields.get("note", "")


def test_braces_are_balanced_in_text_and_math():
    assert escape_latex("a {x} $O(n^2)$ ~") == (
        r"a \textbraceleft{}x\textbraceright{} $O(n^2)$ \textasciitilde{}"
    )
    assert escape_latex(r"$\{x : x > 0\}$ and ${a}^{b}$") == r"$\{x : x > 0\}$ and ${a}^{b}$"
    assert escape_latex("$}x{$") == r"$\rbrace x\lbrace $"


def test_many_papers_with_one_key_keep_valid_distinct_keys():
    papers = [paper(f"2611.{n:05d}", title="Graphs") for n in range(60)]
    parsed = parse(entries(papers))
    assert len(parsed) == 60
    assert all(key.isalnum() for key in parsed)


# Arbitrary titles, authors, abstracts and DOIs: always exactly the expected fields.

any_text = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=80)
texty = st.lists(
    st.sampled_from(list('{}\\$%#&~^_,@"=') + [" and ", " others"]) | any_text,
    max_size=12,
).map("".join)
field_text = texty.map(str.strip).filter(bool)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=list(HealthCheck))
@given(
    title=field_text,
    authors=st.lists(field_text, max_size=4),
    abstract=texty,
    doi=texty,
    category=st.sampled_from(["", "cs.LG", "hep-th", "a}b{"]),
)
@example(title=INJECTION, authors=["}"], abstract="}", doi="10.1/}", category="")
def test_any_paper_gives_one_entry_with_exactly_the_expected_fields(
    title, authors, abstract, doi, category
):
    source = paper(
        title=title, authors=authors, abstract=abstract, doi=doi, primary_category=category
    )
    text = entry(source)
    [(key, parsed)] = parse(text).items()
    assert key.isalnum()
    assert_intact(parsed, source)


# The three ways out: per paper, per day, per search.


@pytest.fixture
def hostile_day(make_paper, list_paper, search_index):
    from dailypapers.search.indexer import rebuild

    made = [
        make_paper("2611.00011", title=f"Graphs: {INJECTION}", doi="10.1000/}x"),
        make_paper("2611.00012", title="Graphs with a lone } brace", authors=["Ada } Lovelace"]),
        make_paper("2611.00013", title="Graphs, plainly"),
    ]
    for minute, each in enumerate(made):
        list_paper(each, date(2026, 11, 20), minute=minute)
    rebuild()
    return made


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/papers/2611.00011/bibtex", "/papers/date/2026-11-20/bibtex", "/search/bibtex?q=graphs"],
)
def test_every_bibtex_download_parses_to_intact_entries(client, hostile_day, url):
    response = client.get(url)
    assert response.status_code == 200
    parsed = parse(response.content.decode())
    by_id = {each.arxiv_id: each for each in hostile_day}
    assert parsed
    for found in parsed.values():
        assert_intact(found, by_id[found.fields["eprint"]])
    if "date" in url or "search" in url:
        assert len(parsed) == 3
