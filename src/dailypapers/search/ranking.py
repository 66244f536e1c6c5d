"""Hybrid ranking: BM25 and embedding similarity, fused by weighted z-scores.

Tuned on the CACM dev queries only (bench/relevance.py); docs/search.md has the measurements.
- Candidates: the BM25 top KEYWORD_DEPTH and the embedding top SEMANTIC_DEPTH.
- Signals, each z-normalised over the candidates (a candidate BM25 did not return scores 0,
  or the lowest score seen when BM25's list was cut at its depth):
  bm25; cosine(query, paper); cosine(paper, centroid of the top FEEDBACK_DOCS BM25 hits),
  a pseudo-relevance-feedback signal in embedding space.
- score = z(bm25) + SEMANTIC_WEIGHT * z(cosine) + FEEDBACK_WEIGHT * z(feedback).
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np
import tantivy

from .embeddings import embedder
from .index import SCHEMA, IndexFolder, date_range_query, paper_analyzer
from .query import SearchQuery

FIELD_BOOSTS = {"text": 1.0}
AUTHOR_BOOST = 0.3
PHRASE_BOOST = 2.0
ANALYZER = paper_analyzer()
KEYWORD_DEPTH = 100
SEMANTIC_DEPTH = 100
FEEDBACK_DOCS = 5
FEEDBACK_WEIGHT = 0.2
SEMANTIC_WEIGHT = 0.2


@dataclass(frozen=True)
class Hit:
    ordinal: int
    score: float


def keyword_query(query: SearchQuery) -> tantivy.Query | None:
    """BM25 over title+abstract, with extra weight for title and author matches.

    Built from analysed tokens rather than parsed, so no user text is ever engine syntax.
    A repeated word weighs more (query-term frequency). Quoted phrases add a boost for
    documents that contain them; their words still count on their own.
    """
    words = [*query.terms, *(w for phrase in query.phrases for w in phrase)]
    tokens = Counter(token for word in words for token in ANALYZER.analyze(word))
    clauses = []
    for token, repeats in tokens.items():
        for field_name, boost in FIELD_BOOSTS.items():
            term = tantivy.Query.term_query(SCHEMA, field_name, token)
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(term, boost * repeats)))
    for word in dict.fromkeys(words):
        term = tantivy.Query.term_query(SCHEMA, "authors", word)
        clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(term, AUTHOR_BOOST)))
    for phrase in query.phrases:
        positioned = [
            (offset, token)
            for offset, word in enumerate(phrase)
            for token in ANALYZER.analyze(word)[:1]
        ]
        if len(positioned) > 1:
            match = tantivy.Query.phrase_query(SCHEMA, "text", positioned)
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(match, PHRASE_BOOST)))
    return tantivy.Query.boolean_query(clauses) if clauses else None


def filter_query(query: SearchQuery) -> tantivy.Query | None:
    clauses = []
    if query.category:
        term = tantivy.Query.term_query(SCHEMA, "categories", query.category)
        clauses.append((tantivy.Occur.Must, term))
    if query.published_from or query.published_until:
        dates = date_range_query(query.published_from, query.published_until)
        if query.include_updated:
            updated = date_range_query(query.published_from, query.published_until, "updated")
            dates = tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, dates), (tantivy.Occur.Should, updated)]
            )
        clauses.append((tantivy.Occur.Must, dates))
    return tantivy.Query.boolean_query(clauses) if clauses else None


def with_filter(text_query: tantivy.Query, filters: tantivy.Query | None) -> tantivy.Query:
    if filters is None:
        return text_query
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, text_query), (tantivy.Occur.Must, filters)]
    )


def rank(
    folder: IndexFolder, query: SearchQuery, mode: str = "hybrid", limit: int = 100
) -> list[Hit]:
    """Ranked hits for mode 'hybrid', 'keyword' or 'semantic'."""
    filters = filter_query(query)
    keyword_hits = []
    text_query = keyword_query(query)
    if mode != "semantic" and text_query is not None:
        keyword_hits = folder.keyword(with_filter(text_query, filters), max(limit, KEYWORD_DEPTH))
    if mode == "keyword":
        return [Hit(o, s) for o, s in keyword_hits[:limit]]

    query_vector = embedder().encode([query.text])[0]
    if mode == "semantic":
        return _semantic_only(folder, query_vector, filters, limit)

    semantic_hits = (
        folder.nearest(query_vector, max(limit, SEMANTIC_DEPTH)) if SEMANTIC_DEPTH else []
    )
    if filters is not None:
        allowed = folder.keep_matching([o for o, _ in semantic_hits], filters)
        semantic_hits = [(o, s) for o, s in semantic_hits if o in allowed]

    bm25 = dict(keyword_hits)
    candidates = list(dict.fromkeys([*bm25, *(o for o, _ in semantic_hits)]))
    if not candidates:
        return []
    vectors = folder.vectors_of(candidates)
    cosine = vectors @ query_vector
    # A candidate BM25 did not return matched no query word (score 0) unless the list was cut
    # at its depth; then it scored at most the lowest score seen.
    depth = max(limit, KEYWORD_DEPTH)
    floor = min(bm25.values()) if len(bm25) >= depth else 0.0
    keyword_scores = np.asarray([bm25.get(o, floor) for o in candidates])
    fused = _z(keyword_scores) + SEMANTIC_WEIGHT * _z(cosine)
    if keyword_hits and FEEDBACK_DOCS:
        centroid = _unit(
            folder.vectors_of([o for o, _ in keyword_hits[:FEEDBACK_DOCS]]).mean(axis=0)
        )
        fused = fused + FEEDBACK_WEIGHT * _z(vectors @ centroid)
    order = np.argsort(-fused)[:limit]
    return [Hit(candidates[i], float(fused[i])) for i in order]


def _semantic_only(folder, query_vector, filters, limit) -> list[Hit]:
    depth = limit if filters is None else max(limit * 10, 1000)
    hits = folder.nearest(query_vector, depth)
    if filters is not None:
        allowed = folder.keep_matching([o for o, _ in hits], filters)
        hits = [(o, s) for o, s in hits if o in allowed]
    return [Hit(o, s) for o, s in hits[:limit]]


def similar(folder: IndexFolder, ordinal: int, limit: int = 6) -> list[Hit]:
    hits = folder.nearest(folder.vector(ordinal), limit + 1)
    return [Hit(o, s) for o, s in hits if o != ordinal][:limit]


def _z(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vector)
    return vector / norm if norm else vector
