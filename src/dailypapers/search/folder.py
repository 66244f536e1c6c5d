"""One built index folder, and every file in it:
- text/: a Tantivy index (schema.py), memory-mapped;
- vectors.i8: one embedding per paper, memory-mapped, row = the paper's ordinal, as int8
  (`_stored_rows`; vectors.f16, float16, in a folder built before session 15);
- ids.bin, hashes.bin: the arXiv id and content hash of each ordinal (fixed-width), so
  `dailypapers check` can find papers missing from or stale in the index;
- hnsw.usearch: an HNSW graph over the first rows (meta's hnsw_count), extended in the
  background by `dailypapers reindex --incremental` (extend_hnsw), a saved step at a time;
- neural.i8, neural_hashes.bin: the background neural model's vector of each ordinal
  (neural.py), and the content hash of the text it was computed from: a row is current while
  that hash is the paper's (hashes.bin), so a changed paper is pending again by itself.
  Written by `dailypapers embed-neural` only, vectors before hashes. A folder built before
  session 14 has neural.f16, and one built before session 15 vectors.f16: each is read and
  extended as it is until a rebuild writes int8 rows (and carries the neural ones over);
- meta.json: counts, the embedding model and its fusion weights (fusion.py), the import
  watermark;
- write.lock: held by the one process appending to the folder.

Papers imported after a build are appended to the folder; rows past the HNSW graph are
scanned exactly (the "delta") until the graph is extended over them. A new folder has no
graph: at 1M papers it cost 741-1,230 s of CPU, more than half of what the 1,500 papers/s
build target allows on two cores (docs/search.md), so it is built after the swap. index.py
says which folder is the current one.
"""

import fcntl
import itertools
import json
import math
import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import tantivy

from . import fusion
from .embeddings import Embedder, paper_text, unit_rows
from .neural import DIMENSIONS as NEURAL_DIMENSIONS
from .neural import NAME as NEURAL_NAME
from .schema import SCHEMA, PaperDoc, open_text_index, tantivy_doc

ID_BYTES = 32
HASH_BYTES = 32
# Bumped when the layout changes; an index of another version must be rebuilt.
SCHEMA_VERSION = 4
# Measured on 100k synthetic papers (int8 graph): expansion_add 64 builds in half the time of
# 128. The graph takes rows scaled as the folder stores them (_graph_rows, session 15): the
# true 10 nearest of a paper found rose from 73.0% to 79.5% (a float32 graph: 80.3%), and
# on both dev collections the graph now ranks as the exact scan does (docs/search.md).
HNSW_EXPANSION_ADD = 64
HNSW_EXPANSION_SEARCH = 256
# Up to this many papers, `only` matches them as a union of term queries, past it as a term
# set: the union cost 1.05 against 1.35 ms for 100 papers at 1M, 2.60 against 2.18 for 200.
ONLY_AS_UNION = 128
# Rows added to the graph per saved step: a killed extension loses at most one step. At 1M
# the ten steps took 649 s of two cores in all, each saving the whole graph (docs/search.md).
HNSW_STEP = 100_000
# Chunks embedded ahead of the one going into the text index, in a process of its own: on
# threads, the embedding's Python (the word-piece lookups) held the GIL against the text
# index's, and a 100k build used 1.14 cores of two (session 12, docs/search.md).
EMBED_AHEAD = 2


class IndexMissing(RuntimeError):
    """No search index has been built yet: run `dailypapers reindex`."""


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


class IndexFolder:
    """Read and write access to one built index folder."""

    def __init__(self, path: Path):
        self.path = path
        self.reload()

    def reload(self) -> None:
        """Read meta.json and map the files again, after this process wrote to them."""
        path = self.path
        self.meta = json.loads((path / "meta.json").read_text())
        if self.meta.get("schema") != SCHEMA_VERSION:
            raise IndexMissing(
                "the search index is from another version: run `dailypapers reindex`"
            )
        self.text = open_text_index(path / "text")
        self.dimensions = self.meta["dimensions"]
        count = self.meta["count"]
        self.vectors_file = _rows_file(path, "vectors")
        self.vectors = _memmap(
            self.vectors_file, _row_dtype(self.vectors_file), (count, self.dimensions)
        )
        self.ids = _memmap(path / "ids.bin", f"S{ID_BYTES}", (count,))
        self.hashes = _memmap(path / "hashes.bin", f"S{HASH_BYTES}", (count,))
        self.neural_file = _rows_file(path, "neural")
        self.neural = _memmap_rows(
            self.neural_file, _row_dtype(self.neural_file), (NEURAL_DIMENSIONS,)
        )
        self.neural_hashes = _memmap_rows(path / "neural_hashes.bin", f"S{HASH_BYTES}", ())
        self.hnsw = None
        if self.meta["hnsw_count"]:
            from usearch.index import Index

            self.hnsw = Index.restore(str(path / "hnsw.usearch"), view=True)
            self.hnsw.expansion_search = HNSW_EXPANSION_SEARCH

    @property
    def count(self) -> int:
        return self.meta["count"]

    @property
    def fusion(self) -> dict[str, float]:
        """The fusion weights of the model that built this folder."""
        return self.meta.get("fusion") or fusion.weights_for(self.meta["model"])

    def save_meta(self) -> None:
        _atomic_write(self.path / "meta.json", json.dumps(self.meta))

    # --- writing -------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, embedder: Embedder) -> "IndexFolder":
        (path / "text").mkdir(parents=True)
        open_text_index(path / "text", reuse=False)
        (path / "vectors.i8").touch()
        (path / "ids.bin").touch()
        (path / "hashes.bin").touch()
        meta = {
            "schema": SCHEMA_VERSION,
            "count": 0,
            "hnsw_count": 0,
            "model": embedder.name,
            "fusion": fusion.weights_for(embedder.name),
            "dimensions": embedder.dimensions,
            "watermark": None,
            "built_at": datetime.now(UTC).isoformat(),
        }
        _atomic_write(path / "meta.json", json.dumps(meta))
        return cls(path)

    def bulk_load(self, chunks, embedder: Embedder, progress=None) -> None:
        """Fill a new, empty folder. One writer and one commit for everything. Chunks are
        embedded EMBED_AHEAD chunks ahead of the one going into the text index, in a child
        process where the model allows it (`_embedding_ahead`)."""
        writer = _writer(self.text)
        ordinal = 0
        chunks = iter(chunks)
        first = list(itertools.islice(chunks, 2))
        with (
            # One chunk (a test's or a first run's papers) has nothing to embed ahead of: a
            # forked child would only add its start and exit, ~50 ms a build (session 14).
            _embedding_ahead(embedder, in_place=len(first) < 2) as embed,
            open(self.vectors_file, "ab") as vectors,
            open(self.path / "ids.bin", "ab") as ids,
            open(self.path / "hashes.bin", "ab") as hashes,
        ):
            chunks = itertools.chain(first, chunks)
            del first  # the chain holds the two chunks until they are written
            pending = deque()

            def embed_next() -> None:
                if (chunk := next(chunks, None)) is not None:
                    pending.append((chunk, embed(_texts(chunk))))

            for _ in range(EMBED_AHEAD):
                embed_next()
            while pending:
                current, embedding = pending.popleft()
                encoded = embedding.result()
                embed_next()
                vectors.write(_stored_rows(encoded, self.vectors.dtype).tobytes())
                for doc in current:
                    ids.write(doc.arxiv_id.encode().ljust(ID_BYTES, b"\0")[:ID_BYTES])
                    hashes.write(doc.content_hash.encode().ljust(HASH_BYTES, b"\0")[:HASH_BYTES])
                    writer.add_document(tantivy_doc(doc, ordinal))
                    ordinal += 1
                if progress:
                    progress(ordinal)
            for handle in (vectors, ids, hashes):
                handle.flush()
                os.fsync(handle.fileno())
        writer.commit()
        writer.wait_merging_threads()
        self.meta["count"] = ordinal
        self.save_meta()
        self.reload()

    @contextmanager
    def locked(self):
        """This folder's write lock, held across processes, and a fresh view of the folder:
        appends claim rows by the count, so two writers must not interleave. Read what is
        to be written inside it too, or a slower writer could put back an older version."""
        with _exclusive(self.path):
            yield IndexFolder(self.path)

    @contextmanager
    def background_writer(self, job: str):
        """Yields whether this process is now the folder's one writer for a background job
        ("neural" vectors, the HNSW "graph"): a lock held across processes, not waited for."""
        with open(self.path / f"{job}.lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def upsert(self, docs: list[PaperDoc], embedder: Embedder, watermark: str | None) -> None:
        """Add or replace papers (inside `locked()`). Vector rows and ids are appended first,
        then meta.json records them, then the text index commits: a crash between steps
        wastes rows but never points a document at a row that another paper will reuse."""
        if not docs:
            return
        ordinals = self.ordinals_of([d.arxiv_id for d in docs])
        vectors = _embed(embedder, docs)
        new = [i for i, d in enumerate(docs) if d.arxiv_id not in ordinals]
        next_ordinal = self.count
        for offset, i in enumerate(new):
            ordinals[docs[i].arxiv_id] = next_ordinal + offset
        rows = _stored_rows(vectors, self.vectors.dtype)
        with open(self.vectors_file, "r+b") as out:
            for i, doc in enumerate(docs):
                out.seek(ordinals[doc.arxiv_id] * rows.strides[0])
                out.write(rows[i].tobytes())
            out.flush()
            os.fsync(out.fileno())
        _write_rows(
            self.path / "ids.bin", ID_BYTES, ((ordinals[d.arxiv_id], d.arxiv_id) for d in docs)
        )
        _write_rows(
            self.path / "hashes.bin",
            HASH_BYTES,
            ((ordinals[d.arxiv_id], d.content_hash) for d in docs),
        )
        self.meta["count"] = next_ordinal + len(new)
        if watermark and (not self.meta["watermark"] or watermark > self.meta["watermark"]):
            self.meta["watermark"] = watermark
        self.save_meta()
        writer = _writer(self.text)
        for doc in docs:
            writer.delete_documents_by_term("arxiv_id", doc.arxiv_id)
            writer.add_document(tantivy_doc(doc, ordinals[doc.arxiv_id]))
        writer.commit()
        writer.wait_merging_threads()
        self.save_meta()  # a new mtime tells readers to reload
        self.reload()

    # --- the HNSW graph, extended in the background ---------------------------------------

    @property
    def graph_pending(self) -> int:
        """Rows the HNSW graph does not cover yet (searched by an exact scan until then)."""
        return self.count - self.meta["hnsw_count"]

    def extend_hnsw(
        self, progress=None, step: int = HNSW_STEP, still_current=lambda folder: True
    ) -> int:
        """Add the rows the graph does not cover, `step` at a time (by the folder's one graph
        writer, `background_writer("graph")`). Each step saves the graph beside the old file
        and renames it over it, then records its row count in meta.json under the write
        lock, so readers never map a half-written graph. The graph holds rows 0..len-1, so a
        run killed between the rename and meta.json resumes from the saved graph and adds no
        row twice. Stops after a step when `still_current(self)` turns false (a rebuild
        swapped in another folder). Returns how many rows were added."""
        from usearch.index import Index

        path = self.path / "hnsw.usearch"
        if path.exists():
            hnsw = Index.restore(str(path))
            hnsw.expansion_add = HNSW_EXPANSION_ADD
        else:
            hnsw = Index(
                ndim=self.dimensions,
                metric="cos",
                dtype="i8",
                connectivity=16,
                expansion_add=HNSW_EXPANSION_ADD,
            )
        first = start = len(hnsw)
        count = self.count
        while start < count and still_current(self):
            stop = min(count, start + step)
            hnsw.add(
                np.arange(start, stop, dtype=np.uint64),
                _graph_rows(self.vectors[start:stop].astype(np.float32)),
            )
            saving = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            hnsw.save(str(saving))
            with open(saving, "rb") as saved:
                os.fsync(saved.fileno())
            os.replace(saving, path)
            with self.locked() as fresh:
                fresh.meta["hnsw_count"] = stop
                fresh.save_meta()  # a new mtime: readers map the larger graph
            start = stop
            if progress:
                progress(stop - first)
        if start > first:
            self.reload()
        return start - first

    # --- the background neural vectors (neural.py) ---------------------------------------

    @property
    def neural_fusion(self) -> dict | None:
        """The fusion row for the neural signal (fusion.neural_row) recorded by the
        background model that wrote this folder's neural vectors, or None."""
        neural = self.meta.get("neural")
        return neural["fusion"] if neural and neural["model"] == NEURAL_NAME else None

    def record_neural_fusion(self) -> None:
        """Record (in meta, saved by the caller) the background model and the table's fusion
        row for it with this folder's embedding model, as a rebuild records today's fusion."""
        self.meta["neural"] = {
            "model": NEURAL_NAME,
            "fusion": fusion.neural_row(self.meta["model"], NEURAL_NAME),
        }

    def _neural_current(self) -> np.ndarray:
        """For each ordinal from 0 up to the last neural row written: whether its neural
        vector is current (computed from the paper's present text)."""
        done = min(len(self.neural_hashes), len(self.neural), self.count)
        return self.neural_hashes[:done] == self.hashes[:done]

    def neural_pending(self) -> np.ndarray:
        """Ordinals without a current neural vector, newest (highest) first."""
        current = self._neural_current()
        pending = np.concatenate([np.flatnonzero(~current), np.arange(len(current), self.count)])
        return pending[::-1]

    @property
    def has_neural_rows(self) -> bool:
        """Whether this folder has neural rows (some may be pending: a rebuild carries zero
        rows for changed papers); a cheap test, where counting the current ones reads every
        hash."""
        return min(len(self.neural_hashes), len(self.neural)) > 0

    def neural_of(self, ordinals: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Which of these ordinals have a current neural vector, and the vectors (rows of
        zeros for the others)."""
        wanted = np.asarray(ordinals, dtype=np.int64)
        done = min(len(self.neural_hashes), len(self.neural))
        has = np.zeros(len(wanted), dtype=bool)
        inside = wanted < done
        has[inside] = self.neural_hashes[wanted[inside]] == self.hashes[wanted[inside]]
        vectors = np.zeros((len(wanted), NEURAL_DIMENSIONS), dtype=np.float32)
        vectors[has] = unit_rows(self.neural[wanted[has]].astype(np.float32))
        return has, vectors

    def write_neural(self, ordinals: list[int], vectors: np.ndarray, hashes: list[str]) -> None:
        """Record neural vectors, each with the content hash of the text it was computed from
        (by the folder's one neural writer). The vectors reach the disk before the hashes
        that make them current, so a crash leaves rows pending, never wrong."""
        rows = _stored_rows(vectors, self.neural.dtype)
        _write_rows(
            self.neural_file,
            rows.strides[0],
            ((o, rows[i].tobytes()) for i, o in enumerate(ordinals)),
        )
        _write_rows(self.path / "neural_hashes.bin", HASH_BYTES, zip(ordinals, hashes, strict=True))

    def carry_neural(self, old: "IndexFolder") -> int:
        """Copy, into this new folder, the current neural vectors of the papers whose text is
        unchanged since the folder it replaces (a rebuild would otherwise make every paper
        pending again: hours at 2.7M). Returns how many were carried."""
        sources = np.flatnonzero(old._neural_current())
        if not len(sources) or not self.count:
            return 0
        keys = np.asarray(old.ids[sources])
        order = np.argsort(keys)
        keys, sources = keys[order], sources[order]
        ids = np.asarray(self.ids)
        found = np.minimum(np.searchsorted(keys, ids), len(keys) - 1)
        targets = np.flatnonzero(keys[found] == ids)
        sources = sources[found[targets]]
        same = old.hashes[sources] == self.hashes[targets]
        targets, sources = targets[same], sources[same]
        with open(self.path / "neural.i8", "wb") as out:
            for start in range(0, self.count, 100_000):
                stop = min(self.count, start + 100_000)
                rows = np.zeros((stop - start, NEURAL_DIMENSIONS), dtype=np.int8)
                inside = (targets >= start) & (targets < stop)
                carried = old.neural[sources[inside]].astype(np.float32)
                rows[targets[inside] - start] = _stored_rows(carried, np.int8)
                out.write(rows.tobytes())
            out.flush()
            os.fsync(out.fileno())
        hashes = np.zeros(self.count, dtype=f"S{HASH_BYTES}")
        hashes[targets] = old.neural_hashes[sources]
        with open(self.path / "neural_hashes.bin", "wb") as out:
            out.write(hashes.tobytes())
            out.flush()
            os.fsync(out.fileno())
        self.record_neural_fusion()
        self.save_meta()
        self.reload()
        return len(targets)

    # --- reading -------------------------------------------------------------------------

    def ordinals_of(self, arxiv_ids: list[str]) -> dict[str, int]:
        if not arxiv_ids:
            return {}
        query = tantivy.Query.term_set_query(SCHEMA, "arxiv_id", list(arxiv_ids))
        ordinals = self._ordinals(query, len(arxiv_ids) * 2)
        return {self.arxiv_id(o): o for o, _ in ordinals}

    def arxiv_id(self, ordinal: int) -> str:
        return bytes(self.ids[ordinal]).rstrip(b"\0").decode()

    def arxiv_ids(self, ordinals: list[int]) -> list[str]:
        """The ids of ordinals, in their order, read in one pass over the memory map."""
        rows = self.ids[np.asarray(ordinals, dtype=np.int64)]
        return [bytes(row).rstrip(b"\0").decode() for row in rows]

    def contents(self) -> dict[str, str]:
        """arXiv id -> content hash of every indexed paper (for drift checks)."""
        return {
            bytes(i).rstrip(b"\0").decode(): bytes(h).rstrip(b"\0").decode()
            for i, h in zip(self.ids, self.hashes, strict=True)
            if i
        }

    def vector(self, ordinal: int) -> np.ndarray:
        return self.vectors_of([ordinal])[0]

    def vectors_of(self, ordinals: list[int]) -> np.ndarray:
        """Unit rows in the order given, read in one pass over the memory map."""
        return unit_rows(self.vectors[np.asarray(ordinals, dtype=np.int64)].astype(np.float32))

    def keyword(self, query: tantivy.Query, limit: int) -> list[tuple[int, float]]:
        return self._ordinals(query, limit)

    def keyword_above(
        self, query: tantivy.Query, limit: int, bounded: list[tuple[str, str, float]]
    ) -> list[tuple[int, float]] | None:
        """The top `limit` hits of `query` if the last of them scores above the most that the
        terms `bounded` (field, token, boost) can add up to in one paper, else None.

        A term's BM25 in a paper is below idf * (k1 + 1) * boost, with idf from this
        searcher's own counts: the term's document frequency, and the documents tantivy
        counts, deleted ones included, which only its explanation of a hit tells. The hits
        equal the full query's up to float32 rounding of sums added in another order."""
        searcher = self.text.searcher()
        hits = searcher.search(query, limit=limit, count=False).hits
        if not hits or len(hits) < limit:
            return None
        documents = _documents_counted(json.loads(query.explain(searcher, hits[-1][1]).to_json()))
        if documents is None:
            return None
        most = sum(
            boost * _idf(searcher.doc_freq(field, token), documents) * (1 + BM25_K1)
            for field, token, boost in bounded
        )
        if hits[-1][0] <= most * (1 + 1e-4):  # tantivy scores in float32
            return None
        return _with_ordinals(searcher, hits)

    def shares_of_papers(self, terms: list[tuple[str, str]]) -> list[float]:
        """For each (field, token), the share of the papers that have it."""
        searcher = self.text.searcher()
        papers = max(searcher.num_docs, 1)
        return [searcher.doc_freq(field, token) / papers for field, token in terms]

    def newest(self, query: tantivy.Query, limit: int) -> list[int]:
        return [o for o, _ in self._ordinals(query, limit, order_by_field="published")]

    def _ordinals(self, query: tantivy.Query, limit: int, **order) -> list[tuple[int, float]]:
        """(ordinal, score) of the top hits, read from the fast field: fetching each stored
        document instead cost a random read per hit (p95 52 ms for rare terms at 2.7M)."""
        searcher = self.text.searcher()
        hits = searcher.search(query, limit=limit, count=False, **order).hits
        return _with_ordinals(searcher, hits)

    def nearest(self, vector: np.ndarray, limit: int) -> list[tuple[int, float]]:
        """Cosine similarity: the HNSW graph for the rows it covers, an exact scan after."""
        found: list[tuple[int, float]] = []
        covered = self.meta["hnsw_count"]
        if self.hnsw is not None and covered:
            matches = self.hnsw.search(_graph_rows(vector[None])[0], min(limit, len(self.hnsw)))
            # A graph saved by a step whose meta.json this process has not read yet holds
            # rows past `covered`: the scan below finds those.
            found += [
                (int(k), 1.0 - float(d))
                for k, d in zip(matches.keys, matches.distances, strict=True)
                if k < covered
            ]
        if self.count > covered:
            # usearch's exact scan reads the rows in place: numpy's product needed a float32
            # copy of them, 1 GB and 1.6 s a query at 1M, against 0.32 s (one thread). int8
            # rows each have their own scale, so they are compared by cosine.
            from usearch.index import MetricKind, search

            rows = self.vectors[covered:]
            hits = search(
                rows,
                _stored_rows(vector[None], rows.dtype)[0],
                min(limit, len(rows)),
                MetricKind.Cos if rows.dtype == np.int8 else MetricKind.IP,
                exact=True,
                threads=1,
            )
            found += [
                (covered + int(k), 1.0 - float(d))
                for k, d in zip(hits.keys, hits.distances, strict=True)
            ]
        found.sort(key=lambda hit: -hit[1])
        return found[:limit]

    def keep_matching(self, ordinals: list[int], filter_query: tantivy.Query) -> set[int]:
        if not ordinals:
            return set()
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, self.only(ordinals)), (tantivy.Occur.Must, filter_query)]
        )
        return {o for o, _ in self.keyword(query, limit=len(ordinals))}

    def only(self, ordinals: list[int]) -> tantivy.Query:
        """Matches these papers and no others, by their arXiv ids' terms: a union of term
        queries for a few papers, one term-set query for more. At 1M papers, searching 100
        papers cost 1.05 ms as a union and 1.35 ms as a set (a proximity bonus over them 0.73
        against 1.29 ms), but 1,000 papers 10.5 against 5.4 ms (session 15, docs/search.md).
        By the integer ordinal field it cost 5.1 ms for 100 (tantivy scans its column)."""
        ids = [i for i in self.arxiv_ids(ordinals) if i]
        if len(ids) > ONLY_AS_UNION:
            return tantivy.Query.term_set_query(SCHEMA, "arxiv_id", ids)
        return tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(SCHEMA, "arxiv_id", i)) for i in ids]
        )


def _embed(embedder: Embedder, docs: list[PaperDoc]) -> np.ndarray:
    return embedder.encode(_texts(docs))


def _texts(docs: list[PaperDoc]) -> list[str]:
    """What each paper's vector is embedded from."""
    return [paper_text(d.title, d.abstract) for d in docs]


# The model a forked embedding process encodes with (set in the child only).
_child_embedder: Embedder | None = None


@contextmanager
def _embedding_ahead(embedder: Embedder, in_place: bool = False):
    """Yields submit(texts), which starts embedding them and returns the Future of their
    vectors. A fork-safe model embeds in one forked process (inherited, not pickled) while
    this one fills the text index; it exits when this process dies, so a killed build leaves
    no orphan (tests/test_crash.py). Any other model, or any model `in_place`, embeds on one
    thread of this process."""
    if in_place or not getattr(embedder, "fork_safe", False):
        with ThreadPoolExecutor(max_workers=1) as threads:
            yield lambda texts: threads.submit(embedder.encode, texts)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=_adopt, initargs=(embedder, os.getpid())
    ) as child:
        yield lambda texts: child.submit(_encode_in_child, texts)


def _adopt(embedder: Embedder, parent: int) -> None:
    global _child_embedder
    _child_embedder = embedder
    threading.Thread(target=_exit_without, args=(parent,), daemon=True).start()


def _exit_without(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.1)
    os._exit(1)


def _encode_in_child(texts: list[str]) -> np.ndarray:
    return _child_embedder.encode(texts)


@contextmanager
def _exclusive(folder: Path):
    with open(folder / "write.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_rows(path: Path, width: int, rows) -> None:
    """Write (ordinal, text or bytes) rows in place, padded to width, and sync them."""
    with open(path, "r+b" if path.exists() else "w+b") as out:
        for ordinal, value in rows:
            out.seek(ordinal * width)
            raw = value if isinstance(value, bytes) else value.encode()
            out.write(raw.ljust(width, b"\0")[:width])
        out.flush()
        os.fsync(out.fileno())


def _rows_file(path: Path, stem: str) -> Path:
    """A folder's file of vector rows: stem.f16 where a folder from before int8 rows has one
    (neural before session 14, vectors before session 15; read and extended as float16 until
    a rebuild), stem.i8 otherwise."""
    older = path / f"{stem}.f16"
    return older if older.exists() else path / f"{stem}.i8"


def _row_dtype(path: Path):
    return np.float16 if path.suffix == ".f16" else np.int8


def _stored_rows(vectors: np.ndarray, dtype) -> np.ndarray:
    """Vectors as a folder stores them: int8, each row scaled so that its largest component
    is 127 (readers make rows unit again, so no scale is kept), or float16 in a folder from
    before. int8 halves the rows (at 2.7M papers, 0.69 GB of wordllama's and 1.04 GB of
    MiniLM's, all of it mapped by the search process): rows so stored keep a cosine of
    0.9999 to their float32 selves (docs/search.md, "Queries, session 14")."""
    if dtype == np.float16:
        return vectors.astype(np.float16)
    peak = np.abs(vectors).max(axis=1, keepdims=True)
    return np.round(vectors * (127 / np.where(peak > 0, peak, 1))).astype(np.int8)


def _graph_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows (and queries) as the int8 HNSW graph takes them: each scaled to its largest
    component, as a folder stores them. Given floats, usearch casts each component times 127
    to an integer, so a unit row of 256 dimensions (components about 0.06) kept about 4 bits:
    cosines off by up to 0.013, and neighbours found out of order (session 15,
    docs/search.md). Cosine does not see a row's scale, so no scale is kept."""
    return _stored_rows(vectors, np.int8)


def _memmap_rows(path: Path, dtype, row_shape: tuple[int, ...]) -> np.ndarray:
    """A file of fixed-width rows that may be absent or still growing, as far as it goes."""
    width = np.dtype(dtype).itemsize * int(np.prod(row_shape))
    rows = path.stat().st_size // width if path.exists() else 0
    return _memmap(path, dtype, (rows, *row_shape))


def _memmap(path: Path, dtype, shape) -> np.ndarray:
    if shape[0] == 0:
        return np.zeros(shape, dtype=dtype)
    # A plain array over the map: np.memmap's own __getitem__ cost 7.9 us a row, a tenth of
    # the hybrid query's Python at 1M papers (a query reads ~120 ids).
    return np.memmap(path, dtype=dtype, mode="r", shape=shape).view(np.ndarray)


def _writer(text: tantivy.Index, attempts: int = 50):
    """Tantivy allows one writer per index across processes; wait briefly for it."""
    for attempt in range(attempts):
        try:
            return text.writer(heap_size=128_000_000, num_threads=1)
        except ValueError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.1)
    raise AssertionError("unreachable")


def _with_ordinals(searcher: tantivy.Searcher, hits: list) -> list[tuple[int, float]]:
    """(ordinal, score) of tantivy hits, read from the fast field."""
    ordinals = searcher.fast_field_values("ordinal", [address for _, address in hits])
    return [(o, score) for o, (score, _) in zip(ordinals, hits, strict=True)]


# tantivy's BM25 (tantivy::query::bm25): k1, and its idf of a term in `documents` documents.
BM25_K1 = 1.2


def _idf(frequency: int, documents: int) -> float:
    return math.log1p((documents - frequency + 0.5) / (frequency + 0.5))


def _documents_counted(explanation: dict) -> int | None:
    """The N of an idf in a tantivy explanation: the documents it counts, deleted included."""
    if explanation.get("description", "").startswith("N, total number of docs"):
        return int(explanation["value"])
    for detail in explanation.get("details", []):
        if (found := _documents_counted(detail)) is not None:
            return found
    return None
