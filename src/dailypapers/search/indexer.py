"""Keeping the search index in step with the papers table."""

import logging
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from ..links.models import PaperLink
from ..papers.batches import walk
from ..papers.models import Paper
from ..papers.progress import Phases, Progress
from . import index
from .embeddings import embedder, paper_text
from .folder import HNSW_STEP, IndexFolder, IndexMissing
from .neural import neural_embedder
from .schema import PaperDoc

log = logging.getLogger("dailypapers.search")
CHUNK = 2000
# Papers per neural step: ~10 s of two cores (docs/search.md); each step commits its rows.
NEURAL_CHUNK = 256
FIELDS = (
    "arxiv_id",
    "title",
    "abstract",
    "authors",
    "categories",
    "published",
    "updated",
    "content_hash",
)


def _docs(queryset):
    """The queryset's papers as index documents, CHUNK at a time (see _doc_chunks)."""
    return _doc_chunks(_chunks(queryset.values_list(*FIELDS).iterator(chunk_size=CHUNK)))


def _doc_chunks(row_chunks):
    """Each chunk of FIELDS rows as a list of index documents, with the kinds of their
    published links (one query per chunk)."""
    for rows in row_chunks:
        kinds: dict[str, set[str]] = {}
        links = PaperLink.objects.published().filter(paper_id__in=[row[0] for row in rows])
        for paper_id, kind in links.values_list("paper_id", "kind"):
            kinds.setdefault(paper_id, set()).add(kind)
        yield [PaperDoc(*row, link_kinds=tuple(sorted(kinds.get(row[0], ())))) for row in rows]


def _chunks(iterable, size=CHUNK):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def rebuild(progress=None, phases: Phases | None = None) -> IndexFolder:
    """Build a complete new index from the database and swap it in atomically (`phases`
    gets the time of each step). Its HNSW graph is left to extend_graph."""
    phases = phases or Phases()
    index.root().mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    model = embedder()
    folder = IndexFolder.create(index.root() / f"build-{stamp}", model)
    watermark = _watermark(Paper.objects.all())
    with phases("index (embedding + Tantivy)"):
        # A chunk a read (`walk`): one read held open across the whole build kept the
        # authors' writes beside it from being checkpointed on SQLite.
        folder.bulk_load(_doc_chunks(walk(FIELDS, CHUNK)), model, progress)
    # No HNSW graph yet: semantic search scans the vectors exactly until `reindex
    # --incremental` builds it in the background (extend_graph).
    with phases("neural vectors kept, swap"):
        folder.meta["watermark"] = watermark
        folder.save_meta()
        _carry_neural(folder)
        index.open_index.swap_in(folder.path)
    # Papers imported while this ran went into the old folder: bring them over.
    later = Paper.objects.all()
    if watermark is not None:
        later = later.filter(imported_at__gt=watermark)
    if later.exists():
        incremental()
    return index.open_index.get()


def _carry_neural(folder: IndexFolder) -> None:
    """Keep the neural vectors of the papers unchanged since the folder being replaced."""
    try:
        previous = IndexFolder(index.current_link().resolve(strict=True))
    except (OSError, IndexMissing):  # no index yet, or one of another layout
        return
    carried = folder.carry_neural(previous)
    log.info("kept %d neural vectors of unchanged papers", carried)


def index_papers(arxiv_ids: list[str]) -> int:
    """Bring these papers into the current index; a no-op until an index exists."""
    try:
        folder = index.open_index.get()
    except IndexMissing:
        return 0
    with folder.locked() as folder:
        papers = Paper.objects.filter(arxiv_id__in=arxiv_ids)
        docs = [doc for chunk in _docs(papers) for doc in chunk]
        folder.upsert(docs, embedder(), watermark=_watermark(papers))
    return len(arxiv_ids)


def incremental(progress=None) -> int:
    """Index every paper imported at or after the index's watermark (for replicas)."""
    done = 0
    with index.open_index.get().locked() as folder:
        since = folder.meta["watermark"]
        papers = (
            Paper.objects.all() if since is None else Paper.objects.filter(imported_at__gte=since)
        )
        for docs in _docs(papers.order_by("imported_at", "arxiv_id")):
            ids = [d.arxiv_id for d in docs]
            folder.upsert(
                docs, embedder(), watermark=_watermark(Paper.objects.filter(arxiv_id__in=ids))
            )
            done += len(docs)
            if progress:
                progress(done)
    return done


class GraphBusy(RuntimeError):
    """Another process is extending the current index's HNSW graph."""


def graph_pending_count() -> int:
    """Indexed papers the current HNSW graph does not cover yet."""
    return index.open_index.get().graph_pending


def extend_graph(progress=None, step: int = HNSW_STEP) -> int:
    """Add the current index's rows that its HNSW graph does not cover yet, in saved steps
    (resumable: a killed run loses at most one step). Stops early when `reindex` swaps in
    another folder. Returns how many rows were added."""
    folder = index.open_index.get()
    with folder.background_writer("graph") as acquired:
        if not acquired:
            raise GraphBusy("another process is extending this index's HNSW graph")
        return folder.extend_hnsw(progress, step, still_current=_is_current)


def _is_current(folder: IndexFolder) -> bool:
    return index.open_index.get().path == folder.path


class NeuralBusy(RuntimeError):
    """The neural vectors cannot be computed now (model not installed, or already running)."""


def neural_pending_count() -> int:
    """Indexed papers without a current neural vector."""
    return len(index.open_index.get().neural_pending())


def embed_pending(limit: int | None = None, progress=None, chunk: int = NEURAL_CHUNK) -> int:
    """Compute the neural vectors of papers pending in the current index, newest first, in
    steps of `chunk` papers that each commit on their own (resumable: a killed run loses at
    most one step). Stops early when `reindex` swaps in another folder. Returns how many."""
    model = neural_embedder()
    if model is None:
        raise NeuralBusy(
            "the neural model is not installed: run `make neural-model` (docs/search.md)"
        )
    folder = index.open_index.get()
    done = 0
    with folder.background_writer("neural") as acquired:
        if not acquired:
            raise NeuralBusy("another `dailypapers embed-neural` is running on this index")
        pending = folder.neural_pending()[:limit].tolist()
        for ordinals in _chunks(pending, chunk):
            if not _is_current(folder):
                log.info("the index was rebuilt: stopping; run embed-neural again")
                break
            by_id = {folder.arxiv_id(o): o for o in ordinals}
            papers = list(
                Paper.objects.filter(arxiv_id__in=by_id).values_list(
                    "arxiv_id", "title", "abstract", "content_hash"
                )
            )
            texts = [paper_text(title, abstract) for _, title, abstract, _ in papers]
            vectors = model.encode(texts)
            with folder.locked() as fresh:
                fresh.write_neural([by_id[p[0]] for p in papers], vectors, [p[3] for p in papers])
                fresh.record_neural_fusion()
                fresh.save_meta()  # a new mtime: readers map the new rows
            done += len(ordinals)
            if progress:
                progress(done)
    return done


def drift() -> dict[str, list[str]]:
    """Papers missing from the index, stale in it, or in it but not in the database."""
    indexed = index.open_index.get().contents()
    missing, stale = [], []
    for arxiv_id, content_hash in Paper.objects.values_list("arxiv_id", "content_hash").iterator(
        chunk_size=10_000
    ):
        seen = indexed.pop(arxiv_id, None)
        if seen is None:
            missing.append(arxiv_id)
        elif seen != content_hash:
            stale.append(arxiv_id)
    return {"missing": missing, "stale": stale, "unknown": sorted(indexed)}


def _watermark(papers) -> str | None:
    latest = papers.aggregate(latest=Max("imported_at"))["latest"]
    return latest.isoformat() if latest else None


def on_papers_changed(sender, arxiv_ids, **kwargs) -> None:
    if not settings.SEARCH_INDEX_ON_IMPORT:
        return
    try:
        index_papers(arxiv_ids)
    except Exception:  # the import itself succeeded; `dailypapers check` reports the drift
        log.exception(
            "could not index %d papers; run `dailypapers reindex --incremental`", len(arxiv_ids)
        )


def on_links_changed(sender, arxiv_ids, **kwargs) -> None:
    """A link published or removed changes what has:code finds: index the papers once the
    change commits (the signal comes inside its transaction)."""
    transaction.on_commit(lambda: on_papers_changed(sender, arxiv_ids))


def on_import_finished(sender, **kwargs) -> str | None:
    """The first import into a database without an index builds one, so search works at once
    (papers_changed could not: it only adds to an index that exists)."""
    if not settings.SEARCH_INDEX_ON_IMPORT or not Paper.objects.exists():
        return None
    try:
        index.open_index.get()
        return None
    except IndexMissing:
        pass
    progress = Progress("build search index", Paper.objects.count(), unit="papers")
    try:
        folder = rebuild(lambda n: progress.update(n, n))
    finally:
        progress.close()
    return f"built the search index ({folder.count} papers)"
