"""Keyword extraction (search/keywords.py) and the `dailypapers keywords` command."""

import io
import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from conftest import examples
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dailypapers.search.embeddings import load_embedder
from dailypapers.search.key_sentence import key_sentence, sentences
from dailypapers.search.keywords import (
    MAX_KEYWORDS,
    candidates,
    extract,
    extract_many,
    paper_keywords,
    papers_keywords,
)

# Inspec-style abstract written for this test (not from the data set).
TITLE = "Surface codes for fault-tolerant quantum computation"
ABSTRACT = (
    "We study surface codes as a route to fault-tolerant quantum computation. Surface codes "
    "protect logical qubits with local stabilizer measurements, and a minimum-weight perfect "
    "matching decoder corrects the errors they reveal. We show that the threshold error rate "
    "of the surface code exceeds one percent under circuit-level noise."
)


@pytest.fixture(scope="module")
def model():
    return load_embedder("wordllama")


def test_keywords_are_the_topic_ranked_and_distinct(model):
    found = extract(TITLE, ABSTRACT, model)
    assert 1 <= len(found) <= MAX_KEYWORDS
    assert "surface codes" in found[:3]
    assert any("quantum computation" in k for k in found[:5])
    assert len({k.lower() for k in found}) == len(found)
    # Function words and the verbs around the topic never become keywords.
    assert not {"we", "study", "show", "the"} & {w for k in found for w in k.split()}


def test_candidates_stop_at_punctuation_and_stop_words():
    found = candidates("Matching decoder, of logical qubits. Qubits; the qubit")
    assert [(" ".join(c.words), c.first) for c in found] == [
        ("Matching decoder", 0),
        ("logical qubits", 4),
        ("Qubits", 7),  # once per stemmed form, at its first occurrence
    ]


def test_limit_and_empty_input(model):
    assert extract_many([("", ""), ("the of and", "we show that")], model) == [[], []]
    assert len(extract(TITLE, ABSTRACT, model, limit=3)) == 3


def _run(monkeypatch, data: bytes, *args) -> tuple[list[dict], str, CommandError | None]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    out, err = StringIO(), StringIO()
    error = None
    try:
        call_command("keywords", *args, stdout=out, stderr=err)
    except CommandError as raised:
        error = raised
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue(), error


def test_command_keeps_every_field_and_adds_keywords(monkeypatch):
    record = {"id": "2611.00001", "title": TITLE, "abstract": ABSTRACT, "extra": [1, {"a": None}]}
    lines, err, error = _run(monkeypatch, (json.dumps(record) + "\n\n").encode())
    assert error is None and err == ""
    [line] = lines
    assert {k: v for k, v in line.items() if k != "keywords"} == record
    assert "surface codes" in line["keywords"]
    assert len(line["keywords"]) <= 10


def test_command_reports_bad_lines_by_number_and_goes_on(monkeypatch):
    good = json.dumps({"title": TITLE, "abstract": ABSTRACT})
    data = (
        "\n".join(
            [
                "{not json",
                good,
                "[1, 2]",
                json.dumps({"title": "x"}),
                json.dumps({"title": 3, "abstract": "y"}),
                good,
            ]
        ).encode()
        + b"\n\xff\xfe\n"
        + b'{"title": "\\ud800", "abstract": ""}\n'
    )
    lines, err, error = _run(monkeypatch, data)
    assert len(lines) == 2
    assert err.splitlines() == [
        "line 1: not JSON (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1))",
        "line 3: expected a JSON object, got list",
        "line 4: missing field 'abstract'",
        "line 5: field 'title' must be a string",
        "line 7: not UTF-8 (invalid start byte at byte 0)",
        "line 8: contains an unpaired surrogate (\\ud800-\\udfff)",
    ]
    assert error is not None and "6 bad line(s)" in str(error)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
# Mostly well-formed papers (any Unicode), some with a field missing or of the wrong type.
records = st.fixed_dictionaries(
    {},
    optional={
        "title": st.text(max_size=80) | json_values,
        "abstract": st.text(max_size=300) | json_values,
        "id": json_values,
    },
)
lines = st.one_of(
    records.map(lambda r: json.dumps(r).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=60).map(lambda b: b.replace(b"\n", b" ")),
)


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(lines, max_size=6))
def test_command_never_crashes_on_any_input(monkeypatch, inputs):
    out, err, error = _run(monkeypatch, b"\n".join(inputs) + b"\n")
    reported = {int(line.split(":")[0].removeprefix("line ")) for line in err.splitlines()}
    # Blank lines (Unicode whitespace only) are skipped silently; every other line is printed
    # or reported.
    written = [line for line in inputs if line.decode("utf-8", "replace").strip()]
    assert len(out) + len(reported) == len(written)
    assert (error is None) == (not reported)
    for line in out:
        assert isinstance(line["keywords"], list) and len(line["keywords"]) <= 10


def test_command_output_lines_survive_every_line_reader(monkeypatch):
    """JSON leaves U+0085, U+2028 and U+2029 unescaped; str.splitlines() breaks there."""
    title = "Graphs\u2028of\x85papers\u2029"
    out, err, error = _run(monkeypatch, json.dumps({"title": title, "abstract": ABSTRACT}).encode())
    assert error is None and len(out) == 1 and out[0]["title"] == title


@pytest.mark.system  # a CLI process, importing the whole site
def test_command_reads_real_stdin(tmp_path):
    env = {**os.environ, "DAILYPAPERS_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "dailypapers.cli", "keywords", "--limit", "4"],
        input=json.dumps({"title": TITLE, "abstract": ABSTRACT}) + "\n[]\n",
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == "line 2: expected a JSON object, got list"
    assert len(json.loads(done.stdout)["keywords"]) == 4


@pytest.mark.django_db
def test_paper_page_shows_keyword_chips_linking_to_their_search(client, make_paper):
    make_paper("2611.00001", title=TITLE, abstract=ABSTRACT + " O'Brien&Co <b>bold</b> qubits.")
    html = client.get("/papers/2611.00001").content.decode()
    chips = html[html.index('class="keywords"') : html.index("</ul>", html.index('"keywords"'))]
    assert chips.count('class="chip"') <= 8
    assert '<a class="chip" href="/search?q=%22surface%20codes%22">surface codes</a>' in chips
    assert "<b>" not in chips


@pytest.mark.django_db
def test_keyword_chips_are_escaped_and_percent_encoded(client, make_paper):
    make_paper("2611.00003", title="O'Brien lattices", abstract="O'Brien lattices <b>x</b>.")
    html = client.get("/papers/2611.00003").content.decode()
    assert (
        '<a class="chip" href="/search?q=%22O%27Brien%20lattices%22">O&#x27;Brien lattices</a>'
        in html
    )


@pytest.mark.django_db
def test_remembered_chips_follow_the_keywords_and_the_search_path(client, make_paper):
    """The chips' HTML is kept per process by the search path and the keywords: two papers
    with different keywords each show their own, and another search path gives other links.
    Dropping either from the key makes this fail."""
    from dailypapers.search.templatetags.search_tags import _chips

    make_paper("2611.00004", title="Surface codes", abstract="Surface codes protect qubits.")
    make_paper("2611.00005", title="Graph networks", abstract="Graph networks for molecules.")
    first = client.get("/papers/2611.00004").content.decode()
    second = client.get("/papers/2611.00005").content.decode()
    assert "surface codes</a>" in first
    assert "graph networks</a>" in second and "surface codes</a>" not in second
    assert _chips("/search", ("qubits",)) != _chips("/sub/search", ("qubits",))
    assert 'href="/sub/search?q=%22qubits%22"' in _chips("/sub/search", ("qubits",))


@pytest.mark.django_db
def test_a_paper_without_words_has_no_chips(client, make_paper):
    make_paper("2611.00002", title="On it", abstract="")
    assert b'class="keywords"' not in client.get("/papers/2611.00002").content


def test_sentences_never_cut_a_formula():
    text = r"We bound $x. Y$ tightly. Then $$a. B$$ holds! Is it? 3 cases remain."
    assert sentences(text) == [
        "We bound $x. Y$ tightly.",
        "Then $$a. B$$ holds!",
        "Is it?",
        "3 cases remain.",
    ]


def test_key_sentence_is_the_abstracts_most_representative(model):
    chosen = key_sentence(TITLE, ABSTRACT, model)
    assert chosen in sentences(ABSTRACT)
    assert "surface code" in chosen.lower()
    assert key_sentence("T", "", model) == ""
    assert key_sentence("T", "Only one.", model) == "Only one."


@pytest.mark.django_db
def test_paper_page_labels_the_key_sentence_and_renders_its_math(client, make_paper):
    abstract = r"Noise is everywhere. Surface codes reach a threshold $p < 10^{-2}$ for qubits."
    make_paper("2611.00004", title="Surface code thresholds for qubits", abstract=abstract)
    html = client.get("/papers/2611.00004").content.decode()
    start = html.index('class="key-sentence"')
    shown = html[start : html.index("</p>", start)]
    assert '<span class="label">Key sentence</span>' in shown
    assert "Surface codes reach a threshold" in shown and "<math" in shown


@pytest.mark.django_db
def test_papers_keywords_batch_and_follow_a_new_abstract(make_paper):
    first = make_paper("2611.00005", title=TITLE, abstract=ABSTRACT)
    other = make_paper("2611.00006", title="Graph neural networks", abstract="Message passing.")
    together = papers_keywords([first, other])
    assert together == [paper_keywords(first), paper_keywords(other)]
    assert "surface codes" in together[0] and len(together[0]) <= 8
    changed = make_paper("2611.00005", title=TITLE, abstract="Lattice surgery on color codes.")
    assert changed.content_hash != first.content_hash
    assert "lattice surgery" in paper_keywords(changed)


@pytest.mark.django_db
def test_a_one_sentence_abstract_is_not_repeated_as_its_key_sentence(client, make_paper):
    make_paper("2611.00007", title="Surface codes", abstract="Surface codes protect qubits.")
    assert b'class="key-sentence"' not in client.get("/papers/2611.00007").content
