"""Lexical features of indexed papers, for the recommender: one sparse TF-IDF row per index
ordinal, kept in a `lexical/` folder inside the index folder it describes (so a rebuild's swap
retires it with the old index).

The terms are the search index's own: title and abstract through `paper_analyzer` (the stems
Tantivy indexes), idf = ln(N / df) from Tantivy's document frequencies. A row is
(1 + ln tf) * idf, unit length (bench/recommend.py: sublinear tf with plain log idf beat
smoothed idf and raw tf; cutting rows to their 16-48 strongest terms lost 0.02-0.11 nDCG@10).

Layout (all append-only; meta.json is written last, so a crash leaves the old count valid):
- indptr.u64: count + 1 offsets into the two arrays below;
- days.i32: each row's publication day (date.toordinal()), so a window is one array compare;
- terms.u32, weights.f16: term ids and weights, row after row;
- vocab.txt: one stem per line, line number = term id;
- meta.json: rows covered, entries written, vocabulary size.
Rows are appended for ordinals the index gained since (`extend`). A paper re-indexed in place
keeps its first row until the next `reindex`; its embedding, which weighs less, is current.
"""

import json
import math
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
from scipy import sparse

# The index's own crash-safe write helpers: this folder lives inside an index folder.
from ..search.folder import IndexFolder, _atomic_write, _exclusive
from ..search.schema import paper_analyzer

FOLDER = "lexical"
CHUNK = 2000

# arXiv id -> (title, abstract, first publication date); ids it leaves out get empty rows.
Texts = Callable[[list[str]], dict[str, tuple[str, str, date]]]
# Day numbers (date.toordinal()) of rows without a paper: never a candidate.
NO_DAY = -1


class LexicalFeatures:
    """Read access to one folder of rows, and `extend` to cover new ordinals."""

    def __init__(self, folder: IndexFolder):
        self.index = folder
        self.vocabulary: list[str] = []
        self.term_ids: dict[str, int] = {}
        self.path = folder.path / FOLDER
        self.path.mkdir(exist_ok=True)
        self._load()

    def _load(self) -> None:
        meta_path = self.path / "meta.json"
        self.meta = (
            json.loads(meta_path.read_text())
            if meta_path.exists()
            else {"count": 0, "entries": 0, "vocabulary": 0}
        )
        count, entries = self.meta["count"], self.meta["entries"]
        self.indptr = _memmap(self.path / "indptr.u64", np.uint64, count + 1)
        self.terms = _memmap(self.path / "terms.u32", np.uint32, entries)
        self.weights = _memmap(self.path / "weights.f16", np.float16, entries)
        self.days = _memmap(self.path / "days.i32", np.int32, count)
        known = self.meta["vocabulary"]
        if len(self.vocabulary) != known or len(self.term_ids) != known:
            vocab_path = self.path / "vocab.txt"
            words = vocab_path.read_text().split("\n") if vocab_path.exists() else []
            self.vocabulary = words[: self.meta["vocabulary"]]
            self.term_ids = {word: i for i, word in enumerate(self.vocabulary)}

    @property
    def count(self) -> int:
        return self.meta["count"]

    def is_current(self) -> bool:
        return self.count >= self.index.count

    def extend(self, texts: Texts, progress=None) -> int:
        """Append rows for the ordinals the index has and this folder lacks; texts maps arXiv
        ids to (title, abstract). Returns how many rows were added."""
        with _exclusive(self.path):
            self._load()
            start, stop = self.count, self.index.count
            if start >= stop:
                return 0
            analyzer = paper_analyzer()
            searcher = self.index.text.searcher()
            documents = max(1, searcher.num_docs)
            idf: dict[int, float] = {}  # term id -> ln(N / df), looked up once per extend
            known = len(self.vocabulary)
            entries = self.meta["entries"]
            offsets = []
            # Bytes past what meta.json counts are a crashed append's: drop them first.
            for name, width in (("terms.u32", 4), ("weights.f16", 2)):
                _truncate(self.path / name, entries * width)
            _truncate(self.path / "indptr.u64", (start + 1) * 8 if start else 0)
            _truncate(self.path / "days.i32", start * 4)
            days = []
            with (
                open(self.path / "terms.u32", "ab") as terms_out,
                open(self.path / "weights.f16", "ab") as weights_out,
            ):
                for chunk_start in range(start, stop, CHUNK):
                    ordinals = range(chunk_start, min(stop, chunk_start + CHUNK))
                    ids = [self.index.arxiv_id(o) for o in ordinals]
                    found = texts([i for i in ids if i])
                    stems, lengths = [], []
                    for arxiv_id in ids:
                        title, abstract, published = found.get(arxiv_id, ("", "", None))
                        days.append(published.toordinal() if published else NO_DAY)
                        analyzed = analyzer.analyze(f"{title}\n{abstract}")
                        stems += analyzed
                        lengths.append(len(analyzed))
                    terms, weights, row_lengths = self._weigh(
                        stems, lengths, idf, lambda word: searcher.doc_freq("text", word), documents
                    )
                    terms_out.write(terms.tobytes())
                    weights_out.write(weights.tobytes())
                    offsets += (entries + np.cumsum(row_lengths)).tolist()
                    entries += len(terms)
                    if progress:
                        progress(ordinals.stop - start)
                for handle in (terms_out, weights_out):
                    handle.flush()
                    os.fsync(handle.fileno())
            if start == 0:
                _write_new(self.path / "indptr.u64", np.zeros(1, dtype=np.uint64))
            for name, values, dtype in (
                ("indptr.u64", offsets, np.uint64),
                ("days.i32", days, np.int32),
            ):
                with open(self.path / name, "ab") as out:
                    out.write(np.asarray(values, dtype=dtype).tobytes())
                    out.flush()
                    os.fsync(out.fileno())
            if len(self.vocabulary) > known:
                _atomic_write(self.path / "vocab.txt", "\n".join(self.vocabulary))
            self.meta = {"count": stop, "entries": entries, "vocabulary": len(self.term_ids)}
            _atomic_json(self.path / "meta.json", self.meta)
            self._load()
            return stop - start

    def _weigh(self, stems: list[str], lengths: list[int], idf: dict, doc_freq, documents: int):
        """The rows of a chunk of papers (`lengths` stems each, one after the other): term
        ids and unit-length (1 + ln tf) * idf weights, each row in term-id order, and the
        rows' lengths. Counted with numpy over the chunk: a Python loop per stem took
        1.5 ms a paper (25 minutes for 1M papers). The chunk's distinct stems are found with
        a dict, not np.unique over a string array (whose sort was half of this function)."""
        papers = len(lengths)
        if not stems:
            return np.zeros(0, np.uint32), np.zeros(0, np.float16), np.zeros(papers, np.int64)
        words = list(dict.fromkeys(stems))
        position = {word: u for u, word in enumerate(words)}
        token_words = np.fromiter(map(position.__getitem__, stems), np.int64, len(stems))
        new = [word for word in words if word not in self.term_ids]
        first = len(self.term_ids)
        self.term_ids.update(zip(new, range(first, first + len(new)), strict=True))
        self.vocabulary += new
        word_terms = np.fromiter(map(self.term_ids.__getitem__, words), np.int64, len(words))
        for term, word in zip(word_terms.tolist(), words, strict=True):
            if term not in idf:
                df = doc_freq(word)
                idf[term] = math.log(documents / df) if df else 0.0
        word_idf = np.fromiter(map(idf.__getitem__, word_terms.tolist()), np.float64, len(words))
        token_papers = np.repeat(np.arange(papers), lengths)
        pairs, tf = np.unique(token_papers * len(words) + token_words, return_counts=True)
        pair_papers, pair_words = np.divmod(pairs, len(words))
        # Rows in term-id order (new terms take the next ids, so sorting by word is not it).
        order = np.lexsort((word_terms[pair_words], pair_papers))
        pair_papers, pair_words, tf = pair_papers[order], pair_words[order], tf[order]
        weights = (1.0 + np.log(tf)) * word_idf[pair_words]
        norms = np.sqrt(np.bincount(pair_papers, weights=weights**2, minlength=papers))
        weights /= np.where(norms > 0, norms, 1.0)[pair_papers]
        return (
            word_terms[pair_words].astype(np.uint32),
            weights.astype(np.float16),
            np.bincount(pair_papers, minlength=papers),
        )

    # --- reading -------------------------------------------------------------------------

    def matrix(self, ordinals) -> sparse.csr_array:
        """These rows as a sparse (len(ordinals), vocabulary) matrix, in the order given."""
        terms, weights, row_starts = self.entries(ordinals)
        return sparse.csr_array(
            (weights, terms.astype(np.int32), row_starts),
            shape=(len(row_starts) - 1, len(self.vocabulary)),
        )

    def entries(self, ordinals) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Term ids, weights and row offsets (CSR) of these rows."""
        ordinals = np.asarray(ordinals, dtype=np.int64)
        starts = self.indptr[ordinals].astype(np.int64)
        lengths = self.indptr[ordinals + 1].astype(np.int64) - starts
        row_starts = np.zeros(len(ordinals) + 1, dtype=np.int64)
        np.cumsum(lengths, out=row_starts[1:])
        positions = np.repeat(starts - row_starts[:-1], lengths) + np.arange(row_starts[-1])
        return self.terms[positions], self.weights[positions].astype(np.float32), row_starts


def _memmap(path: Path, dtype, length: int) -> np.ndarray:
    if length == 0 or not path.exists():
        return np.zeros(length, dtype=dtype)
    # A plain ndarray over the map: numpy's memmap class indexes through Python (~0.2 ms a
    # call, ten calls per ranked user).
    return np.asarray(np.memmap(path, dtype=dtype, mode="r", shape=(length,)))


def _truncate(path: Path, size: int) -> None:
    if path.exists() and path.stat().st_size > size:
        os.truncate(path, size)


def _write_new(path: Path, values: np.ndarray) -> None:
    with open(path, "wb") as out:
        out.write(values.tobytes())


def _atomic_json(path: Path, value: dict) -> None:
    _atomic_write(path, json.dumps(value))
