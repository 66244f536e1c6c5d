"""The recommender: the engine, its lexical rows, and `dailypapers recommend`."""

import json
import re
from datetime import UTC, date, datetime
from io import StringIO

import numpy as np
import pytest
from conftest import examples
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dailypapers.papers.models import Paper
from dailypapers.recommend import engine
from dailypapers.recommend.features import LexicalFeatures
from dailypapers.recommend.service import recommendations, window_named
from dailypapers.search import index
from dailypapers.search.indexer import index_papers, rebuild

pytestmark = pytest.mark.django_db

TOPICS = {
    "graphs": [
        (
            "Graph neural networks for molecule property prediction",
            "Message passing networks on molecular graphs predict solubility and toxicity.",
        ),
        (
            "Equivariant message passing for molecular graphs",
            "An equivariant graph network predicts molecular energies from atom graphs.",
        ),
        (
            "Pretraining graph networks on millions of molecules",
            "Self-supervised pretraining of message passing networks improves molecule "
            "property prediction.",
        ),
    ],
    "quantum": [
        (
            "Quantum error correction with surface codes",
            "Surface codes protect logical qubits from noise with syndrome measurements.",
        ),
        (
            "Decoding surface codes with neural networks",
            "A learned decoder for the surface code corrects qubit errors faster than matching.",
        ),
        (
            "Fault tolerant logical qubits on a superconducting chip",
            "We demonstrate error correction of logical qubits encoded in a surface code.",
        ),
    ],
    "translation": [
        (
            "Attention is what translation needs",
            "Transformer attention models translate between languages without recurrence.",
        ),
        (
            "Low resource machine translation with transformers",
            "Back translation helps transformer models translate rare languages.",
        ),
    ],
}


@pytest.fixture
def corpus(search_index, make_paper):
    """Eight papers; the second and third of each topic within the last week."""
    made = {}
    number = 0
    for topic, papers in TOPICS.items():
        for rank, (title, abstract) in enumerate(papers):
            number += 1
            arxiv_id = f"2611.{number:05d}"
            day = 1 if rank == 0 else 20 + rank
            make_paper(
                arxiv_id,
                title=title,
                abstract=abstract,
                published=datetime(2026, 11, day, tzinfo=UTC),
            )
            made.setdefault(topic, []).append(arxiv_id)
    rebuild()
    return made


def ranked(*positive, window="all", negative=(), limit=20):
    return recommendations(list(positive), list(negative), window=window, limit=limit)


def test_works_from_one_paper_and_says_why(corpus):
    graphs = corpus["graphs"]
    found = ranked(graphs[0])
    assert {r.arxiv_id for r in found[:2]} == set(graphs[1:])
    first = found[0]
    assert first.because == [graphs[0]]
    assert 1 <= len(first.terms) <= engine.TERMS
    # Shown as words of the recommended paper, not as index stems.
    paper = Paper.objects.get(pk=first.arxiv_id)
    words = set(re.findall(r"\w+", f"{paper.title} {paper.abstract}".lower()))
    assert set(first.terms) <= words
    assert "properti" not in first.terms


def test_never_returns_the_library_or_dismissed_papers(corpus):
    library = corpus["quantum"][:2]
    dismissed = corpus["quantum"][2]
    ids = [r.arxiv_id for r in ranked(*library, negative=[dismissed])]
    assert not set(ids) & {*library, dismissed}
    assert len(ids) == 8 - 3
    ids = [
        r.arxiv_id for r in recommendations(library, exclude={corpus["graphs"][0]}, window="all")
    ]
    assert corpus["graphs"][0] not in ids


def test_because_names_the_nearest_library_papers(corpus):
    library = [corpus["graphs"][0], corpus["quantum"][0]]
    found = {r.arxiv_id: r for r in ranked(*library)}
    assert found[corpus["quantum"][1]].because[0] == corpus["quantum"][0]
    assert found[corpus["graphs"][1]].because[0] == corpus["graphs"][0]


def test_deterministic(corpus):
    first = ranked(corpus["translation"][0], corpus["graphs"][2])
    again = ranked(corpus["translation"][0], corpus["graphs"][2])
    assert first == again
    assert [r.score for r in first] == sorted((r.score for r in first), reverse=True)


def test_windows_end_on_the_newest_paper(corpus):
    assert window_named("week").end.isoformat() == "2026-11-22"
    ids = {r.arxiv_id for r in ranked(corpus["graphs"][1], window="week")}
    recent = {arxiv_id for papers in corpus.values() for arxiv_id in papers[1:]}
    assert ids == recent - {corpus["graphs"][1]}
    assert {r.arxiv_id for r in ranked(corpus["graphs"][1], window="day")} == {
        corpus["graphs"][2],
        corpus["quantum"][2],
    }
    with pytest.raises(ValueError):
        window_named("year")


def test_unknown_library_ids_are_ignored_and_an_empty_library_gets_nothing(corpus):
    assert ranked("2611.99999") == []
    assert ranked("2611.99999", corpus["graphs"][0])[0].because == [corpus["graphs"][0]]


def add_newest_paper(make_paper, title: str, abstract: str) -> None:
    """Import one more paper on the newest day and index it, as an import does."""
    make_paper(
        "2611.00100", title=title, abstract=abstract, published=datetime(2026, 11, 22, tzinfo=UTC)
    )
    index_papers(["2611.00100"])


def test_papers_indexed_later_get_lexical_rows(corpus, make_paper):
    ranked(corpus["graphs"][0])
    add_newest_paper(
        make_paper,
        "Molecule graph networks predict toxicity",
        "Message passing over molecular graphs.",
    )
    found = ranked(corpus["graphs"][0], window="day")
    assert found[0].arxiv_id == "2611.00100"
    assert "toxic" in LexicalFeatures(index.open_index.get()).vocabulary


def test_lexical_rows_are_sublinear_tf_idf_of_the_analyzed_text(corpus):
    """Each row, written in chunks with numpy, equals (1 + ln tf) * ln(N / df) over the
    paper's analyzed title and abstract, unit length, in term-id order."""
    import math
    from collections import Counter

    from dailypapers.search.schema import paper_analyzer

    ranked(corpus["graphs"][0])  # builds the rows
    folder = index.open_index.get()
    features = LexicalFeatures(folder)
    searcher = folder.text.searcher()
    analyzer = paper_analyzer()
    for ordinal in range(folder.count):
        paper = Paper.objects.get(arxiv_id=folder.arxiv_id(ordinal))
        counts = Counter(analyzer.analyze(f"{paper.title}\n{paper.abstract}"))
        expected = {
            word: (1 + math.log(tf)) * math.log(searcher.num_docs / searcher.doc_freq("text", word))
            for word, tf in counts.items()
        }
        norm = math.sqrt(sum(w * w for w in expected.values()))
        row = features.matrix([ordinal])
        terms = row.indices.tolist()
        assert terms == sorted(terms)
        found = {features.vocabulary[t]: float(w) for t, w in zip(terms, row.data, strict=True)}
        assert found.keys() == expected.keys()
        for word, weight in expected.items():
            assert found[word] == pytest.approx(weight / norm, abs=2e-3)


def test_a_crashed_append_is_dropped_before_the_next(corpus, make_paper):
    ranked(corpus["graphs"][0])  # builds the rows
    folder = index.open_index.get()
    lexical = folder.path / "lexical"
    before = {p.name: p.read_bytes() for p in lexical.iterdir() if p.suffix != ".lock"}
    for name in ("terms.u32", "weights.f16", "indptr.u64", "days.i32"):
        with open(lexical / name, "ab") as out:
            out.write(b"\x07" * 40)  # what a killed append leaves behind meta.json's counts
    add_newest_paper(make_paper, "Surface codes again", "Logical qubits.")
    found = ranked(corpus["quantum"][0], window="day")
    assert found[0].arxiv_id == "2611.00100"
    features = LexicalFeatures(index.open_index.get())
    assert features.count == 9
    assert bytes(features.terms[: len(before["terms.u32"]) // 4]) == before["terms.u32"]
    weights = features.matrix([8]).data
    assert len(weights) and abs(np.linalg.norm(weights) - 1) < 1e-2


def test_cli_json(corpus):
    out = StringIO()
    call_command(
        "recommend",
        "--ids",
        corpus["graphs"][0],
        "--window",
        "all",
        "--limit",
        "3",
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert len(result["ids"]) == 3
    assert set(result["why"]) == set(result["ids"])
    assert result["why"][result["ids"][0]]["because"] == [corpus["graphs"][0]]
    assert result["why"][result["ids"][0]]["terms"]
    text = StringIO()
    call_command("recommend", "--ids", corpus["graphs"][0], "--limit", "2", stdout=text)
    assert "because 2611.00001" in text.getvalue()


def test_cli_errors_change_nothing(corpus):
    with pytest.raises(CommandError, match="no such papers: 2611.99999"):
        call_command("recommend", "--ids", "2611.99999")
    with pytest.raises(CommandError, match="--limit"):
        call_command("recommend", "--ids", corpus["graphs"][0], "--limit", "0")
    with pytest.raises(CommandError):
        call_command("recommend", "--ids", corpus["graphs"][0], "--window", "year")


def test_cli_without_an_index(search_index, make_paper):
    make_paper("2611.00001")
    with pytest.raises(CommandError, match="reindex"):
        call_command("recommend", "--ids", "2611.00001")


def test_the_batch_lookup_ranks_like_a_request(corpus):
    ranked(corpus["graphs"][0])
    folder = index.open_index.get()
    ranker = engine.ranker_for(folder, engine.Window())
    library = [corpus["graphs"][0], corpus["quantum"][1], "2611.99999"]
    single = ranker.rank(library, negative=[corpus["translation"][0]])
    many = engine.Ranker(folder, ranker.features, engine.Window()).for_many_users()
    assert many.rank(library, negative=[corpus["translation"][0]]) == single
    assert corpus["translation"][0] not in {r.arxiv_id for r in single}


def test_a_window_too_large_to_hold_is_streamed_in_chunks(corpus, monkeypatch):
    held = ranked(corpus["graphs"][0], corpus["quantum"][2])
    monkeypatch.setattr(engine, "HELD", 3)
    monkeypatch.setattr(engine, "_rankers", {})
    assert not engine.ranker_for(index.open_index.get(), engine.Window()).held
    streamed = ranked(corpus["graphs"][0], corpus["quantum"][2])
    assert [r.arxiv_id for r in streamed] == [r.arxiv_id for r in held]
    assert [r.because for r in streamed] == [r.because for r in held]
    assert [r.score for r in streamed] == pytest.approx([r.score for r in held], abs=1e-3)


@hypothesis_settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.text(max_size=40), max_size=4), st.lists(st.text(max_size=40), max_size=3))
def test_any_ids_rank_without_error(corpus, positive, negative):
    """The library is read-only here, so one corpus serves every example."""
    known = corpus["graphs"][0]
    ranked(known)  # builds the lexical rows
    folder = index.open_index.get()
    for ranker in (
        engine.ranker_for(folder, engine.Window()),
        engine.Ranker(folder, engine.open_features.current, engine.Window()).for_many_users(),
    ):
        found = ranker.rank([*positive, known], negative)
        assert found and all(set(r.because) <= {known, *positive} for r in found)
        assert found[0].because
        assert known not in {r.arxiv_id for r in found}
        assert ranker.rank([f"{known}\0", known * 3]) == []


@hypothesis_settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(
            st.lists(st.integers(0, 8), max_size=6),  # saved (8: an id the index lacks)
            st.lists(st.integers(0, 8), max_size=3),  # dismissed
            st.integers(1, 9),
            st.sets(st.integers(0, 8), max_size=3),  # already mailed
        ),
        min_size=1,
        max_size=7,
    ),
    st.integers(1, 4),
    st.booleans(),
)
def test_any_libraries_ranked_together_rank_as_each_alone(corpus, requests, batch, week):
    """The batch path (each library's rows and vectors read once for its profile, direction
    and explanations, BATCH libraries per product) gives each library what ranking it alone
    gives: the same papers, nearest library papers and terms, in the same order."""
    ranked(corpus["graphs"][0])  # builds the lexical rows
    ids = [i for topic in corpus.values() for i in topic] + ["2611.99999"]
    requests = [
        ([ids[i] for i in saved], [ids[i] for i in dismissed], limit, {ids[i] for i in mailed})
        for saved, dismissed, limit, mailed in requests
    ]
    window = engine.Window(date(2026, 11, 20), date(2026, 11, 30)) if week else engine.Window()
    folder = index.open_index.get()
    ranker = engine.Ranker(folder, engine.open_features.current, window).for_many_users()
    engine.BATCH, shipped = batch, engine.BATCH
    try:
        together = ranker.rank_many(requests)
    finally:
        engine.BATCH = shipped
    alone = [ranker.rank(*request) for request in requests]
    assert [[(r.arxiv_id, r.because, r.terms) for r in found] for found in together] == [
        [(r.arxiv_id, r.because, r.terms) for r in found] for found in alone
    ]
    for found, expected in zip(together, alone, strict=True):
        assert [r.score for r in found] == pytest.approx([r.score for r in expected], abs=1e-3)


def test_many_libraries_ranked_together_rank_as_each_alone(corpus, monkeypatch):
    """The digest batch path: BATCH libraries share one product, across batch boundaries,
    with negatives, exclusions, unknown ids and an empty library among them."""
    ranked(corpus["graphs"][0])
    monkeypatch.setattr(engine, "BATCH", 2)
    folder = index.open_index.get()
    graphs, quantum, translation = corpus["graphs"], corpus["quantum"], corpus["translation"]
    library = [graphs[0], quantum[0], translation[0]]
    requests = [
        ([graphs[0]], [translation[1]], 5, set()),
        ([quantum[0], "2611.99999"], [], 3, {quantum[1]}),
        (["2611.99999"], [], 5, set()),
        ([translation[0], graphs[1]], [quantum[2]], 4, {graphs[2]}),
        (library, [], 8, set()),
    ]
    late_november = engine.Window(date(2026, 11, 20), date(2026, 11, 30))
    for window in (engine.Window(), late_november):
        ranker = engine.Ranker(folder, engine.open_features.current, window).for_many_users()
        together = ranker.rank_many(requests)
        assert together == [ranker.rank(*request) for request in requests]
        assert together[2] == [] and together[0] and together[3]
        assert quantum[1] not in {r.arxiv_id for r in together[1]}
        # The last library's scores, computed directly from the rows and vectors.
        features = engine.open_features.current
        positives = [folder.ordinals_of([i])[i] for i in library]
        candidates = list(ranker.candidates)  # z-scores are over the whole window
        lexical = features.matrix(candidates) @ features.matrix(positives).toarray().mean(axis=0)
        vectors = folder.vectors_of(list(range(folder.count)))
        semantic = vectors[candidates] @ vectors[positives].mean(axis=0)
        score = engine._z(lexical) + engine.EMBEDDING_WEIGHT * engine._z(semantic)
        best = np.argsort(-score, kind="stable")
        expected = [candidates[i] for i in best if candidates[i] not in positives]
        assert [r.arxiv_id for r in together[4]] == [folder.arxiv_id(o) for o in expected]
