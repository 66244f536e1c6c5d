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
from scipy import sparse
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
# Libraries ranked together by rank_many: 64 profiles over a day's ~40k terms are 20 MB of
# float64 sums.
BATCH = 64


@dataclass(frozen=True)
class Window:
    """Candidates published between start and end (inclusive); both None means every paper."""

    start: date | None = None
    end: date | None = None

    @property
    def is_all(self) -> bool:
        return self.start is None and self.end is None


# What rank() takes: positive ids, negative ids, limit, ids never to return.
Request = tuple[list[str], list[str], int, set[str]]


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
        # Term id -> column of the profiles (-1: a term no candidate has, which adds to no
        # score). A held window keeps only the terms its papers use: a day's 2,000 papers
        # use a fraction of the vocabulary, so a batch of profiles stays a few MB.
        self.slot = np.arange(len(features.vocabulary))
        self.rows = None
        if self.held:
            rows = features.matrix(self.candidates)
            present = np.zeros(len(features.vocabulary), dtype=bool)
            present[rows.indices] = True  # a pass, not np.unique's sort of every entry
            used = np.flatnonzero(present)
            self.slot = np.full(len(features.vocabulary), -1, dtype=np.int64)
            self.slot[used] = np.arange(len(used))
            self.rows = sparse.csr_array(
                (rows.data, self.slot[rows.indices].astype(np.int32), rows.indptr),
                shape=(rows.shape[0], len(used)),
            )
        # A plain view of the ids: numpy's memmap indexes row by row in Python.
        self.ids = np.asarray(folder.ids)
        self.vectors_of = folder.vectors_of
        self._sorted = None

    def rank(
        self,
        positive: list[str],
        negative: list[str] = (),
        limit: int = 50,
        exclude: set[str] = frozenset(),
    ) -> list[Recommendation]:
        return self.rank_many([(positive, negative, limit, exclude)])[0]

    def rank_many(self, requests: list[Request]) -> list[list[Recommendation]]:
        """The best `limit` papers for each request, in order. Libraries are ranked BATCH at
        a time (a digest run): their lexical profiles as one dense matrix over the terms the
        window's papers use, scored in one sparse product, their embedding directions in
        one matrix product (measured in docs/recommendations.md)."""
        batch = BATCH if self.held else 1  # a streamed window's profiles span the vocabulary
        results = []
        # One BLAS thread: these products are small, and OpenBLAS's threads spin against the
        # other processes on a busy 2-core machine (measured: 376 ms -> 73 ms per request).
        with _blas.limit(limits=1, user_api="blas"):
            for start in range(0, len(requests), batch):
                results += self._rank_batch(requests[start : start + batch])
        return results

    def _rank_batch(self, requests: list[Request]) -> list[list[Recommendation]]:
        ordinals = self._ordinals_of(
            [i for request in requests for ids in (request[0], request[1], request[3]) for i in ids]
        )
        libraries = []
        for positive, negative, limit, exclude in requests:
            positives = [ordinals[i] for i in dict.fromkeys(positive) if i in ordinals]
            negatives = [ordinals[i] for i in dict.fromkeys(negative) if i in ordinals]
            hidden = [ordinals[i] for i in (*positive, *negative, *exclude) if i in ordinals]
            libraries.append((positives, negatives, limit, hidden))
        results: list[list[Recommendation]] = [[] for _ in requests]
        ranked = [k for k, library in enumerate(libraries) if library[0]]
        if not ranked or not len(self.candidates):
            return results
        # Each library's rows and vectors are read once: for its profile and direction, then
        # for explaining its picks.
        positives = [libraries[k][0] for k in ranked]
        entries = self.features.entries(np.concatenate(positives))
        profiles = self._profiles(positives, entries)
        vectors = [self.vectors_of(library) for library in positives]
        directions = np.stack([library.mean(axis=0) for library in vectors])
        for row, k in enumerate(ranked):
            if negatives := libraries[k][1]:
                # Only what the dismissed papers have beyond the library: they are usually
                # near misses, and subtracting their shared terms pulls the profile off topic.
                unwanted = np.maximum(self._profiles([negatives])[0] - profiles[row], 0.0)
                profiles[row] -= NEGATIVE_WEIGHT * unwanted
                directions[row] -= NEGATIVE_WEIGHT * self.vectors_of(negatives).mean(axis=0)
        lexical, semantic = self._signals(profiles, directions)
        terms, weights, row_starts = entries
        first_row = 0
        for row, k in enumerate(ranked):
            _, _, limit, hidden = libraries[k]
            score = _z(lexical[:, row]) + EMBEDDING_WEIGHT * _z(semantic[:, row])
            hidden = np.asarray(hidden, dtype=np.int64)
            score[
                np.searchsorted(self.candidates, hidden[np.isin(hidden, self.candidates)])
            ] = -np.inf
            top = [int(i) for i in _top(score, limit) if np.isfinite(score[i])]
            last_row = first_row + len(positives[row])
            own = slice(row_starts[first_row], row_starts[last_row])
            library = (
                positives[row],
                terms[own],
                weights[own],
                row_starts[first_row : last_row + 1] - row_starts[first_row],
                vectors[row],
            )
            results[k] = self._explain(top, score, profiles[row], library)
            first_row = last_row
        return results

    def _profiles(self, libraries: list[list[int]], entries=None) -> np.ndarray:
        """The mean lexical row of each library, over the slots' columns (float64 sums, in
        the rows' order, then float32). entries: the libraries' rows, if already read."""
        slot = self.slot
        width = int(slot.max(initial=-1)) + 1
        lengths = np.asarray([len(library) for library in libraries])
        terms, weights, row_starts = entries or self.features.entries(np.concatenate(libraries))
        owner = np.repeat(np.repeat(np.arange(len(libraries)), lengths), np.diff(row_starts))
        columns = slot[terms]
        kept = columns >= 0
        total = np.bincount(
            owner[kept] * width + columns[kept],
            weights=weights[kept],
            minlength=len(libraries) * width,
        ).reshape(len(libraries), width)
        return (total / lengths[:, None]).astype(np.float32)

    def _signals(self, profiles, directions) -> tuple[np.ndarray, np.ndarray]:
        """Every candidate's lexical and semantic score (candidates x libraries)."""
        if self.held:
            return self.rows @ profiles.T, self.vectors @ directions.T
        shape = (len(self.candidates), len(profiles))
        lexical = np.empty(shape, dtype=np.float32)
        semantic = np.empty(shape, dtype=np.float32)
        for start in range(0, len(self.candidates), HELD):
            chunk = self.candidates[start : start + HELD]
            lexical[start : start + HELD] = self.features.matrix(chunk) @ profiles.T
            semantic[start : start + HELD] = self.vectors_of(chunk) @ directions.T
        return lexical, semantic

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
            # Whole arrays to lists, then one dict: per-element numpy scalars measured 0.2 ms
            # a digest library.
            hits = np.flatnonzero(self._sorted[at] == wanted)
            ids = [arxiv_ids[h] for h in hits.tolist()]
            return dict(zip(ids, self._order[at[hits]].tolist(), strict=True))
        query = tantivy.Query.term_set_query(SCHEMA, "arxiv_id", arxiv_ids)
        return {self._arxiv_id(o): o for o, _ in self.folder.keyword(query, 2 * len(arxiv_ids))}

    def _arxiv_id(self, ordinal: int) -> str:
        return bytes(self.ids[ordinal]).rstrip(b"\0").decode()

    def _explain(self, top, score, profile, library) -> list[Recommendation]:
        """The nearest library papers (the same two signals, paper to paper) and the terms of
        each recommendation that added most to its lexical score (profile: over the slots;
        library: its ordinals, rows as CSR entries, and vectors). Row . row products over
        only the picks' terms, as small dense matrices: scipy's sparse products cost more to
        set up than to run at this size (measured: explaining was 63% of a digest user's
        ranking). Both orderings are one stable sort over all picks, not one per pick."""
        if not top:
            return []
        positives, library_terms, library_weights, library_starts, library_vectors = library
        picked = self.candidates[top]
        terms, weights, starts = self.features.entries(picked)
        owners = np.repeat(np.arange(len(picked)), np.diff(starts))
        used, local = np.unique(terms, return_inverse=True)
        pick_rows = _dense(owners, local, weights, (len(picked), len(used)))
        # The library's entries on the picks' terms, through a table the size of the
        # vocabulary (0.06 ms at 166k terms; np.searchsorted into `used` measured 0.9 ms).
        lookup = np.full(len(self.features.vocabulary), -1, dtype=np.int64)
        lookup[used] = np.arange(len(used))
        columns = lookup[library_terms]
        kept = columns >= 0
        library_owners = np.repeat(np.arange(len(positives)), np.diff(library_starts))
        library_rows = _dense(
            library_owners[kept],
            columns[kept],
            library_weights[kept],
            (len(positives), len(used)),
        )
        near = pick_rows @ library_rows.T
        near += EMBEDDING_WEIGHT * (self.vectors_of(picked) @ library_vectors.T)
        nearest = np.argsort(-near, axis=1, kind="stable")[:, :BECAUSE]
        weighed = weights * profile[self.slot[terms]]
        # By pick, then weight, then the row's own order: what a stable sort of each row gives.
        strongest = np.lexsort((-weighed, owners))
        out = []
        for k, i in enumerate(top):
            own = strongest[starts[k] : starts[k + 1]][:TERMS]
            out.append(
                Recommendation(
                    arxiv_id=self._arxiv_id(int(picked[k])),
                    score=round(float(score[i]), 4),
                    because=[self._arxiv_id(positives[j]) for j in nearest[k] if near[k, j] > 0],
                    terms=[self.features.vocabulary[terms[j]] for j in own if weighed[j] > 0],
                )
            )
        return out


def _dense(rows: np.ndarray, columns: np.ndarray, values: np.ndarray, shape) -> np.ndarray:
    """A small dense matrix from (row, column, value) entries, duplicates summed."""
    flat = np.bincount(rows * shape[1] + columns, weights=values, minlength=shape[0] * shape[1])
    return flat.reshape(shape).astype(np.float32)


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
