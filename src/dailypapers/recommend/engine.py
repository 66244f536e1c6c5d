"""The "for you" ranking: papers like the ones a user saved, unlike the ones they dismissed.

A plain module over the search index (no models, no library app): callers pass arXiv ids.
Two signals, each z-normalised over the candidates (as search/ranking.py fuses its signals):
- lexical: each candidate's TF-IDF row (features.py) dotted with the library's mean row,
  minus NEGATIVE_WEIGHT times what the dismissed papers' mean row has beyond it;
- semantic: cosine between the candidate's embedding (the vectors the index stores) and the
  library's mean embedding, with the same negative term.
score = z(lexical) + EMBEDDING_WEIGHT * z(semantic). Nothing is trained on the corpus: a request
reads the library's rows and the candidates' rows, so its cost grows with the window, not with
the database. docs/recommendations.md has the measurements behind every constant.

Each recommendation says why: `because` holds the one or two library papers nearest to it (by
the same two signals), `terms` the stems that added most to its lexical score.
"""

import threading
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import tantivy
from threadpoolctl import ThreadpoolController

from ..search.folder import ID_BYTES, IndexFolder
from ..search.schema import SCHEMA
from .features import NO_DAY, LexicalFeatures, Texts

# bench/recommend.py on the CACM dev users: 0.2 -> nDCG@10 0.428, 0.35 -> 0.459, 0.5 -> 0.465
# (Recall@50 0.754 / 0.764 / 0.758); 0.4 sits inside that plateau.
EMBEDDING_WEIGHT = 0.4
# Dismissed papers are hidden, and pull their own terms and their direction out of the profile
# at this weight. Measured by dismissing each CACM user's top five false positives: nDCG@10
# 0.635 at 0, 0.642 at 0.1, 0.629 at 0.2, 0.399 at 1.0 (0.143 at 1.0 without the clipping).
NEGATIVE_WEIGHT = 0.1
BECAUSE = 2
# Windows up to this many papers are kept in memory between requests (~40 MB per 20k papers).
HELD = 200_000
TERMS = 4


@dataclass(frozen=True)
class Window:
    """Candidates published between start and end (inclusive); both None means every paper."""

    start: date | None = None
    end: date | None = None

    @property
    def is_all(self) -> bool:
        return self.start is None and self.end is None


@dataclass
class Recommendation:
    arxiv_id: str
    score: float
    because: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)


class _Features:
    """The lexical rows of the index this process reads, one LexicalFeatures per folder."""

    def __init__(self):
        self.lock = threading.Lock()
        self.current: LexicalFeatures | None = None

    def get(self, folder: IndexFolder, texts: Texts) -> LexicalFeatures:
        with self.lock:
            features = self.current
            if features is None or features.index.path != folder.path:
                features = LexicalFeatures(folder)
            features.index = folder  # the same folder, reopened after an append
            if not features.is_current():
                features.extend(texts)
            self.current = features
            return features


open_features = _Features()


def recommend(
    folder: IndexFolder,
    positive: list[str],
    negative: list[str] = (),
    window: Window = Window(),
    limit: int = 50,
    exclude: set[str] = frozenset(),
    texts: Texts | None = None,
) -> list[Recommendation]:
    """The best `limit` papers of the window for a library of `positive` arXiv ids, never one
    of positive, negative or exclude. Ids the index lacks are ignored."""
    return ranker_for(folder, window, texts).rank(positive, negative, limit, exclude)


def ranker_for(folder: IndexFolder, window: Window, texts: Texts | None = None) -> "Ranker":
    """The window's Ranker, kept while the index does not change: every /for-you request of
    a week reads the same candidates (measured: building it is most of a cold request)."""
    features = open_features.get(folder, texts or _no_texts)
    key = (str(folder.path), features.count, window)
    with _rankers_lock:
        ranker = _rankers.get(key)
    if ranker is None:
        ranker = Ranker(folder, features, window)
        if not ranker.held:
            return ranker
        with _rankers_lock:
            for stale in [k for k in _rankers if k[:2] != key[:2]]:
                del _rankers[stale]
            _rankers[key] = ranker
    return ranker


_rankers: dict[tuple, "Ranker"] = {}
_blas = ThreadpoolController()
_rankers_lock = threading.Lock()


class Ranker:
    """One window's candidates, read once (their vectors and lexical rows), ranked for any
    number of libraries: requests share one per window, a digest run uses one for all users."""

    def __init__(self, folder: IndexFolder, features: LexicalFeatures, window: Window):
        self.folder = folder
        self.features = features
        days = np.asarray(features.days)
        if window.is_all:
            chosen = days != NO_DAY
        else:
            chosen = (days >= window.start.toordinal()) & (days <= window.end.toordinal())
        self.candidates = np.flatnonzero(chosen)
        # A window up to HELD papers is read once and held (a week is 20k); a larger one (the
        # CLI's --window all at arXiv scale: 2.7M rows would be ~5 GB) is streamed per request.
        self.held = len(self.candidates) <= HELD
        self.vectors = folder.vectors_of(self.candidates) if self.held else None
        self.rows = features.matrix(self.candidates) if self.held else None
        # A plain view of the ids: numpy's memmap indexes row by row in Python.
        self.ids = np.asarray(folder.ids)
        self.all_vectors = np.asarray(folder.vectors)
        self._sorted = None

    def rank(
        self,
        positive: list[str],
        negative: list[str] = (),
        limit: int = 50,
        exclude: set[str] = frozenset(),
    ) -> list[Recommendation]:
        # One BLAS thread: these products are small, and OpenBLAS's threads spin against the
        # other processes on a busy 2-core machine (measured: 376 ms -> 73 ms per request).
        with _blas.limit(limits=1, user_api="blas"):
            return self._rank(positive, negative, limit, exclude)

    def _rank(self, positive, negative, limit, exclude) -> list[Recommendation]:
        ordinals = self._ordinals_of([*positive, *negative, *exclude])
        positives = [ordinals[i] for i in dict.fromkeys(positive) if i in ordinals]
        negatives = [ordinals[i] for i in dict.fromkeys(negative) if i in ordinals]
        if not positives or not len(self.candidates):
            return []
        hidden = np.fromiter(ordinals.values(), dtype=np.int64)
        hidden = np.searchsorted(self.candidates, hidden[np.isin(hidden, self.candidates)])
        profile = self.features.profile(positives)
        direction = self._vectors(positives).mean(axis=0)
        if negatives:
            # Only what the dismissed papers have beyond the library: they are usually near
            # misses, and subtracting their shared terms pulls the profile off its topic.
            unwanted = np.maximum(self.features.profile(negatives) - profile, 0.0)
            profile -= NEGATIVE_WEIGHT * unwanted
            direction -= NEGATIVE_WEIGHT * self._vectors(negatives).mean(axis=0)
        lexical, semantic = self._signals(profile, direction)
        score = _z(lexical) + EMBEDDING_WEIGHT * _z(semantic)
        score[hidden] = -np.inf
        top = [int(i) for i in _top(score, limit) if np.isfinite(score[i])]
        return self._explain(top, score, profile, positives)

    def _signals(self, profile, direction) -> tuple[np.ndarray, np.ndarray]:
        """Every candidate's lexical and semantic score."""
        if self.held:
            return self.rows @ profile, self.vectors @ direction
        lexical = np.empty(len(self.candidates), dtype=np.float32)
        semantic = np.empty(len(self.candidates), dtype=np.float32)
        for start in range(0, len(self.candidates), HELD):
            chunk = self.candidates[start : start + HELD]
            lexical[start : start + HELD] = self.features.matrix(chunk) @ profile
            semantic[start : start + HELD] = self._vectors(chunk) @ direction
        return lexical, semantic

    def _vectors(self, ordinals: list[int]) -> np.ndarray:
        return self.all_vectors[np.asarray(ordinals, dtype=np.int64)].astype(np.float32)

    def for_many_users(self) -> "Ranker":
        """Look ids up in a sorted copy of the index's ids instead of a Tantivy query: costs a
        sort of every id once (0.1 s at 100k papers), saves ~4 ms per user of a digest run."""
        self._order = np.argsort(self.ids, kind="stable")
        self._sorted = self.ids[self._order]
        return self

    def _ordinals_of(self, arxiv_ids: list[str]) -> dict[str, int]:
        if not arxiv_ids:
            return {}
        if self._sorted is not None:
            # Fixed-width bytes would cut a long id and drop trailing NULs: such ids match nothing.
            arxiv_ids = [i for i in arxiv_ids if "\0" not in i and len(i.encode()) <= ID_BYTES]
            if not arxiv_ids:
                return {}
            wanted = np.asarray([i.encode() for i in arxiv_ids], dtype=self._sorted.dtype)
            at = np.minimum(np.searchsorted(self._sorted, wanted), len(self._sorted) - 1)
            found = self._sorted[at] == wanted
            return {
                i: int(self._order[a])
                for i, a, hit in zip(arxiv_ids, at, found, strict=True)
                if hit
            }
        query = tantivy.Query.term_set_query(SCHEMA, "arxiv_id", arxiv_ids)
        return {self._arxiv_id(o): o for o, _ in self.folder.keyword(query, 2 * len(arxiv_ids))}

    def _arxiv_id(self, ordinal: int) -> str:
        return bytes(self.ids[ordinal]).rstrip(b"\0").decode()

    def _explain(self, top, score, profile, positives) -> list[Recommendation]:
        """The nearest library papers (the same two signals, paper to paper) and the terms of
        each recommendation that added most to its lexical score."""
        if not top:
            return []
        picked = self.candidates[top]
        rows = self.features.matrix(picked)
        near = (rows @ self.features.matrix(positives).T).toarray()
        near += EMBEDDING_WEIGHT * (self._vectors(picked) @ self._vectors(positives).T)
        out = []
        for k, i in enumerate(top):
            terms = rows.indices[rows.indptr[k] : rows.indptr[k + 1]]
            weighed = rows.data[rows.indptr[k] : rows.indptr[k + 1]] * profile[terms]
            strongest = np.argsort(-weighed, kind="stable")[:TERMS]
            nearest = np.argsort(-near[k], kind="stable")[:BECAUSE]
            out.append(
                Recommendation(
                    arxiv_id=self._arxiv_id(int(picked[k])),
                    score=round(float(score[i]), 4),
                    because=[self._arxiv_id(positives[j]) for j in nearest if near[k, j] > 0],
                    terms=[self.features.vocabulary[terms[j]] for j in strongest if weighed[j] > 0],
                )
            )
        return out


def _top(score: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the best `limit` scores, best first; ties keep candidate order."""
    if limit < len(score):
        head = np.argpartition(-score, limit - 1)[:limit]
        return head[np.lexsort((head, -score[head]))]
    return np.lexsort((np.arange(len(score)), -score))


def _z(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)


def _no_texts(ids: list[str]) -> dict[str, tuple[str, str]]:
    raise RuntimeError("lexical features are behind the index and no text source was given")
