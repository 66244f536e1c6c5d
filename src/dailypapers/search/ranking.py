"""Hybrid ranking: BM25 and embedding similarity, fused by weighted z-scores.

Tuned on the SciFact and CACM dev queries only (bench/relevance.py, bench/tune_fusion.py);
docs/search.md has the measurements.
- Keyword score: BM25 of the query words, plus a bonus for quoted phrases and for query words
  that stand side by side in the paper (ADJACENT_PAIR_BOOST), computed on the top hits only.
- Candidates: the keyword top KEYWORD_DEPTH and the embedding top SEMANTIC_DEPTH.
- Signals, each z-normalised over the candidates (a candidate BM25 did not return scores 0,
  or the lowest score seen when BM25's list was cut at its depth):
  bm25; cosine(query, paper); cosine(paper, centroid of the top FEEDBACK_DOCS BM25 hits),
  a pseudo-relevance-feedback signal in embedding space.
- score = the weighted sum of the signals, with the weights of the embedding model that built
  the index (fusion.py: learnt on the dev queries per model, recorded in the index folder).
- The background neural model (neural.py) adds a signal, minilm: cosine(query, paper) of
  all-MiniLM-L6-v2, z-normalised over the candidates that have a neural vector. Those are
  scored with the neural row's log-odds of relevance, the others with its fallback row (the
  same three signals as without it): both are calibrated, so the two kinds mix in one
  ranking. While no candidate has a vector, the ranking is exactly today's.
"""

import itertools
import os
import threading
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import tantivy

from ..people.pages import paper_ids_by
from . import fusion
from .embeddings import embedder
from .folder import IndexFolder
from .neural import neural_embedder
from .query import SearchQuery
from .schema import SCHEMA, date_range_query, paper_analyzer

AUTHOR_BOOST = 0.3
PHRASE_BOOST = 2.0
ADJACENT_PAIR_BOOST = 0.4
# Measured: the same nDCG@10 at 100, 300 and 1000; each candidate costs ~8 us to look up.
RESCORE_DEPTH = 100
ANALYZER = paper_analyzer()
KEYWORD_DEPTH = 100
SEMANTIC_DEPTH = 100
# A word in more than this share of the papers is common: it only adds to the papers rarer
# words find, where that gives BM25's exact hits (bm25_hits).
COMMON_SHARE = 0.1
FEEDBACK_DOCS = 5
# What the fusion weighs, each z-normalised over the candidates; the weights are the embedding
# model's (fusion.py), recorded in the index folder that model built.
SIGNALS = ("bm25", "cosine", "feedback", "minilm")


@dataclass(frozen=True)
class Hit:
    ordinal: int
    score: float


class Clause(NamedTuple):
    """One term of the keyword query: BM25 of `token` in `field`, times `boost`."""

    field: str
    token: str
    boost: float

    def query(self) -> tantivy.Query:
        term = tantivy.Query.term_query(SCHEMA, self.field, self.token)
        return tantivy.Query.boost_query(term, self.boost)


def keyword_clauses(query: SearchQuery) -> list[Clause]:
    """BM25 over title+abstract, plus author-name matches: the bag of words that finds papers.

    Built from analysed tokens rather than parsed, so no user text is ever engine syntax.
    A repeated word weighs more (query-term frequency); a quoted phrase's words count too.
    """
    words = [*query.terms, *(w for phrase in query.phrases for w in phrase)]
    tokens = Counter(token for word in words for token in ANALYZER.analyze(word))
    return [Clause("text", token, float(repeats)) for token, repeats in tokens.items()] + [
        Clause("authors", word, AUTHOR_BOOST) for word in dict.fromkeys(words)
    ]


def keyword_query(query: SearchQuery) -> tantivy.Query | None:
    clauses = keyword_clauses(query)
    return _any_of(clauses) if clauses else None


def _any_of(clauses: list[Clause]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, c.query()) for c in clauses])


def bm25_hits(
    folder: IndexFolder, clauses: list[Clause], filters: tantivy.Query | None, depth: int
) -> list[tuple[int, float]]:
    """BM25's top `depth` hits for the clauses, found from the rarer words when that is exact.

    tantivy-py collects hits through a MultiCollector, which turns off tantivy's block-max
    WAND, so every paper that has a query word is scored: at 1M papers "we" is in 91% of
    them and "model" in 84%, and a query with either cost 10-25 ms. So the words in more
    than COMMON_SHARE of the papers only add their scores to the papers the rarer clauses
    find, each as the optional side of a required-optional pair, chained so that tantivy
    seeks each common word to those papers instead of walking a union of them. A paper with
    none of the rarer clauses scores at most the common words' BM25 bounds; when the last
    hit found scores above that, no such paper could be in the top `depth` and the hits are
    the full query's, up to float32 rounding of sums added in another order
    (IndexFolder.keyword_above). Otherwise the full query runs. At 1M
    papers "fragmentation we" took 1.7 ms instead of 14.4 (session 13, docs/search.md).
    """
    shares = folder.shares_of_papers([(c.field, c.token) for c in clauses])
    common = [c for c, share in zip(clauses, shares, strict=True) if share > COMMON_SHARE]
    rarer = [c for c in clauses if c not in common]
    if common and rarer:
        driven = _any_of(rarer)
        for clause in common:
            driven = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, driven), (tantivy.Occur.Should, clause.query())]
            )
        hits = folder.keyword_above(with_filter(driven, filters), depth, common)
        if hits is not None:
            return hits
    return folder.keyword(with_filter(_any_of(clauses), filters), depth)


def proximity_queries(query: SearchQuery) -> list[tantivy.Query]:
    """Bonuses for quoted phrases and for query words that appear side by side in a paper."""
    bonuses = []
    for phrase in query.phrases:
        positioned = [
            (offset, token)
            for offset, word in enumerate(phrase)
            for token in ANALYZER.analyze(word)[:1]
        ]
        if len(positioned) > 1:
            bonuses.append(_boosted_phrase(positioned, PHRASE_BOOST))
    tokens = [token for word in query.terms for token in ANALYZER.analyze(word)[:1]]
    for pair in dict.fromkeys(itertools.pairwise(tokens)):
        if pair[0] != pair[1]:
            bonuses.append(_boosted_phrase(list(enumerate(pair)), ADJACENT_PAIR_BOOST))
    return bonuses


def _boosted_phrase(positioned: list[tuple[int, str]], boost: float) -> tantivy.Query:
    return tantivy.Query.boost_query(tantivy.Query.phrase_query(SCHEMA, "text", positioned), boost)


def keyword_hits(
    folder: IndexFolder, query: SearchQuery, filters: tantivy.Query | None, limit: int
) -> list[tuple[int, float]]:
    """BM25 top hits, the first RESCORE_DEPTH re-scored with the proximity bonuses.

    The bonuses are computed for those candidates only: phrase matching over the whole index
    cost p95 45 ms at 2.7M papers. Each bonus is its own search, the candidates AND the
    phrase, so tantivy walks the candidates and seeks the phrase to each. One search of the
    candidates with every bonus as an optional clause ranked the same but cost 9.4-14.5 ms
    at 1M papers for 3-4 words against 1.9-2.8 ms: the union of the optional phrases is
    evaluated window by window around each candidate (session 13, docs/search.md). Hits
    past the depth keep their BM25 score, which is no higher than any re-scored one, so the
    order holds.
    """
    clauses = keyword_clauses(query)
    if not clauses:
        return []
    hits = bm25_hits(folder, clauses, filters, max(limit, RESCORE_DEPTH))
    bonuses = proximity_queries(query)
    if not bonuses or not hits:
        return hits[:limit]
    head, tail = hits[:RESCORE_DEPTH], hits[RESCORE_DEPTH:]
    candidates = folder.only([o for o, _ in head])
    bonus: Counter[int] = Counter()
    for phrase in bonuses:  # the phrase's score, over the candidates (unscored, as a filter)
        bonus.update(dict(folder.keyword(with_filter(phrase, candidates), len(head))))
    rescored = [(o, score + bonus[o]) for o, score in head]
    rescored.sort(key=lambda hit: -hit[1])
    return (rescored + tail)[:limit]


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
    if query.author:
        # The identity's papers, as the author page lists them; none matches nothing.
        ids = paper_ids_by(query.author) or [""]
        clauses.append((tantivy.Occur.Must, tantivy.Query.term_set_query(SCHEMA, "arxiv_id", ids)))
    for kind in query.has_links:
        clauses.append((tantivy.Occur.Must, tantivy.Query.term_query(SCHEMA, "links", kind)))
    return tantivy.Query.boolean_query(clauses) if clauses else None


def with_filter(text_query: tantivy.Query, filters: tantivy.Query | None) -> tantivy.Query:
    """The text query's papers that pass the filters, scored by the text query alone: a
    filter's own BM25 (of the category term, say) would favour papers with fewer
    categories, and would void bm25_hits' bound."""
    if filters is None:
        return text_query
    return tantivy.Query.boolean_query(
        [
            (tantivy.Occur.Must, text_query),
            (tantivy.Occur.Must, tantivy.Query.const_score_query(filters, 0.0)),
        ]
    )


def rank(
    folder: IndexFolder, query: SearchQuery, mode: str = "hybrid", limit: int = 100
) -> list[Hit]:
    """Ranked hits for mode 'hybrid', 'keyword' or 'semantic'."""
    filters = filter_query(query)
    if mode == "keyword":
        return [Hit(o, s) for o, s in keyword_hits(folder, query, filters, limit)]
    if mode == "semantic":
        return _semantic_only(folder, embedder().encode([query.text])[0], filters, limit)
    candidates, signals, neural = hybrid_signals(folder, query, filters, limit)
    fused = fuse(folder, signals, neural)
    order = np.argsort(-fused, kind="stable")[:limit]
    return [Hit(candidates[i], float(fused[i])) for i in order]


def fuse(folder: IndexFolder, signals: np.ndarray, neural: np.ndarray) -> np.ndarray:
    """Each candidate's score: the index's fusion row; or, once the neural model has
    reached some candidates, the neural row's log-odds for those and its fallback's for
    the others."""
    row = folder.neural_fusion
    if row is None or not neural.any():
        return signals @ fusion.weight_vector(folder.fusion, SIGNALS)
    return np.where(neural, _log_odds(signals, row), _log_odds(signals, row["fallback"]))


def _log_odds(signals: np.ndarray, row: dict) -> np.ndarray:
    return signals @ fusion.weight_vector(row["weights"], SIGNALS) + row["intercept"]


def hybrid_signals(
    folder: IndexFolder, query: SearchQuery, filters: tantivy.Query | None, limit: int
) -> tuple[list[int], np.ndarray, np.ndarray]:
    """The fusion's candidates (BM25's hits, then the embedding's nearest), their signals
    (one row per candidate, one column per name in SIGNALS), and which candidates have the
    neural signal (minilm is 0 for the others)."""
    depth = max(limit, KEYWORD_DEPTH)
    # The embedding's side runs on another thread while BM25 runs here. At 1M papers 100
    # BM25 searches and 100 graph searches took 2.04 and 0.44 s one after the other, 2.11 s
    # on two threads (session 13): a query waits for the slower side, not their sum.
    semantic = _beside().submit(_semantic_side, folder, query.text, max(depth, SEMANTIC_DEPTH))
    # Once the folder has neural rows and their fusion, the neural model reads the query
    # (p95 6.2 ms of CPU) on the same worker thread, after the semantic side and before the
    # candidates tell whether any needs it. One worker keeps a query on the 2 cores a small
    # machine has: a second one, for this, made 3-5 word queries slower at 1M (p95 20.0-20.3
    # against 18.2-19.4 ms; docs/search.md, "Queries, session 14").
    uses_neural = folder.neural_fusion is not None and folder.has_neural_rows
    model = neural_embedder() if uses_neural else None
    neural_query = _beside().submit(model.encode, [query.text]) if model is not None else None
    try:
        return _fused_signals(folder, query, filters, depth, semantic, neural_query)
    finally:  # a task not awaited (an error here, no candidate with a neural row) stops
        semantic.cancel()
        if neural_query is not None:
            neural_query.cancel()


def _fused_signals(
    folder: IndexFolder,
    query: SearchQuery,
    filters: tantivy.Query | None,
    depth: int,
    semantic: Future,
    neural_query: Future | None,
) -> tuple[list[int], np.ndarray, np.ndarray]:
    """hybrid_signals' work on this thread, with the worker thread's tasks under way."""
    keyword = keyword_hits(folder, query, filters, depth)
    query_vector, semantic_hits = semantic.result()
    if filters is not None:
        allowed = folder.keep_matching([o for o, _ in semantic_hits], filters)
        semantic_hits = [(o, s) for o, s in semantic_hits if o in allowed]
    bm25 = dict(keyword)
    candidates = list(dict.fromkeys([*bm25, *(o for o, _ in semantic_hits)]))
    if not candidates:
        return [], np.zeros((0, len(SIGNALS))), np.zeros(0, dtype=bool)
    vectors = folder.vectors_of(candidates)
    # A candidate BM25 did not return matched no query word (score 0) unless the list was cut
    # at its depth; then it scored at most the lowest score seen.
    floor = min(bm25.values()) if len(bm25) >= depth else 0.0
    keyword_scores = np.asarray([bm25.get(o, floor) for o in candidates])
    if keyword and FEEDBACK_DOCS:
        centroid = _unit(folder.vectors_of([o for o, _ in keyword[:FEEDBACK_DOCS]]).mean(axis=0))
        feedback = _z(vectors @ centroid)
    else:
        feedback = np.zeros(len(candidates))
    neural, neural_vectors = folder.neural_of(candidates)
    minilm = np.zeros(len(candidates))
    if neural.any() and neural_query is not None:
        minilm[neural] = _z(neural_vectors[neural] @ neural_query.result()[0])
    else:
        neural[:] = False
    columns = {
        "bm25": _z(keyword_scores),
        "cosine": _z(vectors @ query_vector),
        "feedback": feedback,
        "minilm": minilm,
    }
    return candidates, np.column_stack([columns[name] for name in SIGNALS]), neural


def _semantic_side(
    folder: IndexFolder, text: str, depth: int
) -> tuple[np.ndarray, list[tuple[int, float]]]:
    query_vector = embedder().encode([text])[0]
    return query_vector, folder.nearest(query_vector, depth) if SEMANTIC_DEPTH else []


_worker: ThreadPoolExecutor | None = None
_worker_lock = threading.Lock()


def _beside() -> ThreadPoolExecutor:
    """This process's worker thread for a query's embeddings, which runs its tasks in the
    order they were submitted."""
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = ThreadPoolExecutor(1, thread_name_prefix="semantic")
        return _worker


def _forget_worker_in_child() -> None:
    """A forked child (a gunicorn worker) inherits the pool but not its threads, and maybe a
    lock another thread held: it makes its own."""
    global _worker, _worker_lock
    _worker, _worker_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_worker_in_child)


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
