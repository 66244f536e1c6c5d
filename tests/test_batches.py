"""papers.batches.each_chunk: the walk over every paper that `reindex` recomputes links and
author identities with."""

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dailypapers.papers.batches import each_chunk
from dailypapers.papers.models import Paper

IDS = [f"2611.{number:05d}" for number in (4, 1, 3, 5, 2)]


@pytest.fixture
def five_papers(make_paper):
    for arxiv_id in IDS:
        make_paper(arxiv_id)


def test_every_paper_is_walked_once_in_id_order_a_chunk_at_a_time(five_papers):
    chunks, progress = [], []
    assert each_chunk(("arxiv_id", "title"), chunks.append, progress.append, chunk=2) == 5
    assert [[row[0] for row in rows] for rows in chunks] == [
        ["2611.00001", "2611.00002"],
        ["2611.00003", "2611.00004"],
        ["2611.00005"],
    ]
    assert chunks[0][0] == ("2611.00001", "Paper 2611.00001")
    assert progress == [2, 4, 5]


def test_a_last_full_chunk_is_not_followed_by_an_empty_one(five_papers):
    chunks = []
    assert each_chunk(("arxiv_id",), chunks.append, chunk=5) == 5
    assert [len(rows) for rows in chunks] == [5]


@pytest.mark.django_db
def test_no_papers_no_writes():
    chunks = []
    assert each_chunk(("arxiv_id",), chunks.append) == 0
    assert chunks == []


@pytest.mark.django_db
def test_the_fields_start_with_the_id():
    with pytest.raises(ValueError, match="arxiv_id"):
        each_chunk(("title", "arxiv_id"), list)


def test_no_read_is_open_while_a_chunk_is_written(five_papers):
    """Each chunk is read to its end before `write` runs: a read held open across the writes
    kept SQLite's snapshot, so its write-ahead log grew with every write of the walk (41 GiB
    rebuilding 1M papers' authors). One finished statement per chunk; on PostgreSQL, no
    cursor left open (an `.iterator()` walk holds one)."""
    open_cursors = []

    def write(rows):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_cursors")
                open_cursors.append(cursor.fetchone()[0])

    with CaptureQueriesContext(connection) as queries:
        each_chunk(("arxiv_id",), write, chunk=2)
    reads = [q["sql"] for q in queries if Paper._meta.db_table in q["sql"]]
    assert len(reads) == 3
    assert not any(open_cursors)


def test_a_new_index_reads_the_papers_a_chunk_at_a_time(five_papers, search_index, monkeypatch):
    """The index build reads through `walk` too: its one read used to stay open for the
    whole build, while other processes wrote (then `reindex`'s authors, now `dailypapers
    authors` and imports)."""
    from dailypapers.search import indexer

    monkeypatch.setattr(indexer, "CHUNK", 2)
    with CaptureQueriesContext(connection) as queries:
        folder = indexer.rebuild()
    assert folder.count == 5
    reads = [q["sql"] for q in queries if "content_hash" in q["sql"] and "ORDER BY" in q["sql"]]
    assert len(reads) == 3


def test_a_build_of_one_chunk_embeds_in_place_and_a_longer_one_in_a_child(
    five_papers, search_index, monkeypatch
):
    """Embedding ahead in a forked child pays off only with a chunk to overlap; for one chunk
    (a first run, a test) the fork's start and exit were the build's largest cost."""
    from dailypapers.search import folder, indexer
    from dailypapers.search.embeddings import embedder, paper_text, unit_rows

    children = []

    def counted(*args, **kwargs):
        children.append(pool := folder_pool(*args, **kwargs))
        return pool

    folder_pool = folder.ProcessPoolExecutor
    monkeypatch.setattr(folder, "ProcessPoolExecutor", counted)
    assert indexer.rebuild().count == 5 and not children
    for chunk, forks in ((3, 1), (2, 2)):  # two chunks, then three
        monkeypatch.setattr(indexer, "CHUNK", chunk)
        built = indexer.rebuild()
        assert built.count == 5 and len(children) == forks
        # Every paper's vector is its own, in the order of the ids, whoever embedded it.
        papers = Paper.objects.order_by("-arxiv_id")  # not the order they were built in
        ordinals = built.ordinals_of([p.arxiv_id for p in papers])
        expected = embedder().encode([paper_text(p.title, p.abstract) for p in papers])
        stored = built.vectors_of([ordinals[p.arxiv_id] for p in papers])
        kept = folder._stored_rows(expected, built.vectors.dtype).astype(np.float32)
        assert np.array_equal(stored, unit_rows(kept))


def test_vectors_are_int8_and_a_folder_from_before_keeps_float16_until_a_rebuild(
    five_papers, search_index
):
    """A folder from before int8 (vectors.f16) is searched and extended as float16; the next
    rebuild writes int8 rows. Either way a paper's nearest neighbour is itself."""
    from dailypapers.search import indexer
    from dailypapers.search.embeddings import embedder, paper_text
    from dailypapers.search.index import open_index

    built = indexer.rebuild()
    assert built.vectors.dtype == np.int8 and not (built.path / "vectors.f16").exists()
    papers = list(Paper.objects.order_by("arxiv_id"))
    exact = embedder().encode([paper_text(p.title, p.abstract) for p in papers])
    ordinals = built.ordinals_of([p.arxiv_id for p in papers])
    rows = np.zeros((built.count, exact.shape[1]), dtype=np.float16)
    rows[[ordinals[p.arxiv_id] for p in papers]] = exact
    (built.path / "vectors.f16").write_bytes(rows.tobytes())
    (built.path / "vectors.i8").unlink()
    open_index.forget()
    older = open_index.get()
    assert older.vectors.dtype == np.float16
    for paper, vector in zip(papers, exact, strict=True):
        assert older.nearest(vector, 1)[0][0] == ordinals[paper.arxiv_id]
    Paper.objects.filter(pk=papers[0].pk).update(abstract="Rye, spelt and wheat.", content_hash="x")
    indexer.index_papers([papers[0].arxiv_id])  # written into vectors.f16, as float16
    assert not (older.path / "vectors.i8").exists()
    current = open_index.get()
    assert current.vectors.dtype == np.float16
    changed = embedder().encode([paper_text(papers[0].title, "Rye, spelt and wheat.")])[0]
    ordinal = current.ordinals_of([papers[0].arxiv_id])[papers[0].arxiv_id]
    assert float(current.vector(ordinal) @ changed) > 0.999  # read back as it was written

    rebuilt = indexer.rebuild()
    assert rebuilt.vectors.dtype == np.int8 and not (rebuilt.path / "vectors.f16").exists()
    ordinals = rebuilt.ordinals_of([p.arxiv_id for p in papers])
    for paper, vector in zip(papers[1:], exact[1:], strict=True):
        assert rebuilt.nearest(vector, 1)[0][0] == ordinals[paper.arxiv_id]
