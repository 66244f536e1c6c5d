"""Fusion weights follow the embedding model: a table keyed by model, recorded in the index
that model built, and used by every search of that index."""

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from dailypapers.search import fusion, ranking
from dailypapers.search.embeddings import embedder
from dailypapers.search.index import open_index
from dailypapers.search.indexer import rebuild
from dailypapers.search.query import compile_query
from dailypapers.search.service import ranked_ids

pytestmark = pytest.mark.django_db

KEYWORD_ONLY = {"bm25": 1.0}
EMBEDDING_ONLY = {"cosine": 1.0}


@pytest.fixture
def weights_table(fusion_table):
    """A fusion table of this test's own, with only the default row."""
    return fusion_table({fusion.DEFAULT: {"weights": KEYWORD_ONLY, "measured": {}}})


@pytest.fixture
def papers(search_index, make_paper):
    """Two papers the query words favour, and one about the same topic without them."""
    day = datetime(2026, 11, 2, tzinfo=UTC)
    make_paper(
        "2611.00001",
        title="Surface codes",
        abstract="Surface codes and more surface codes, codes for surfaces.",
        published=day,
    )
    make_paper(
        "2611.00002",
        title="Quantum error correction protects logical qubits from decoherence",
        abstract="Fault-tolerant quantum computing corrects errors on noisy qubits.",
        published=day,
    )
    make_paper(
        "2611.00003",
        title="Recipes for sourdough bread",
        abstract="Flour, water and salt; surface codes are mentioned once.",
        published=day,
    )


def test_the_shipped_table_has_a_default_row_and_every_row_weighs_known_signals():
    rows = fusion.table()
    assert fusion.DEFAULT in rows
    for row in rows.values():
        assert set(row["weights"]) <= set(ranking.SIGNALS)
        assert row["weights"]["bm25"] > 0


def test_a_model_without_a_row_gets_the_default_weights(weights_table):
    fusion.write_row("some-model", EMBEDDING_ONLY, {"nDCG@10": 0.5})
    assert fusion.weights_for("some-model") == EMBEDDING_ONLY
    assert fusion.weights_for("another-model") == KEYWORD_ONLY
    assert json.loads(weights_table.read_text())["some-model"]["measured"] == {"nDCG@10": 0.5}
    assert list(fusion.weight_vector({"cosine": 2.0}, ("bm25", "cosine"))) == [0.0, 2.0]


def test_an_index_records_its_models_weights_and_searches_with_them(weights_table, papers):
    fusion.write_row(embedder().name, EMBEDDING_ONLY, {})
    folder = rebuild()
    assert folder.meta["fusion"] == EMBEDDING_ONLY
    query = compile_query("surface codes bread")
    by_cosine = _by_cosine(folder, query)
    assert ranked_ids(query, limit=3) == by_cosine

    # A new row for the model changes nothing until the index is rebuilt with it.
    fusion.write_row(embedder().name, KEYWORD_ONLY, {})
    open_index.reload()
    assert ranked_ids(query, limit=3) == by_cosine
    rebuild()
    keyword_order = ranked_ids(query, limit=3, mode="keyword")
    assert keyword_order == ["2611.00003", "2611.00001"] and by_cosine[:2] != keyword_order
    assert ranked_ids(query, limit=3)[:2] == keyword_order


def test_an_index_from_before_the_table_uses_its_models_row(weights_table, papers):
    folder = rebuild()
    del folder.meta["fusion"]
    folder.save_meta()
    fusion.write_row(folder.meta["model"], EMBEDDING_ONLY, {})
    query = compile_query("surface codes bread")
    assert ranked_ids(query, limit=3) == _by_cosine(open_index.reload(), query)


def _by_cosine(folder, query) -> list[str]:
    vector = embedder().encode([query.text])[0]
    ordinals = range(folder.count)
    cosine = folder.vectors_of(list(ordinals)) @ vector
    return [folder.arxiv_id(int(o)) for o in np.argsort(-cosine)]
