"""Every stored paper, a chunk at a time, in id order: what recomputes data derived from the
papers (links on `reindex`, author identities on `dailypapers authors`) and what builds a new
search index walk with this."""

from collections.abc import Callable, Iterator, Sequence

from .models import Paper


def walk(fields: Sequence[str], chunk: int = 2000) -> Iterator[list[tuple]]:
    """Every paper's `fields` (starting with "arxiv_id"), `chunk` papers at a time, in id
    order.

    Each chunk is a read of its own, after the last id seen, so no read stays open while
    the caller works on a chunk. On SQLite an open read keeps its snapshot, and the
    write-ahead log cannot start over until it ends. A single read held across `reindex`'s
    writes grew the log to 1,074 MiB when 100k papers' authors were rebuilt from empty
    tables, and to 41 GiB for 1M papers, until the disk was full (docs/search.md)."""
    if not fields or fields[0] != "arxiv_id":
        raise ValueError("the fields walked start with arxiv_id")
    papers = Paper.objects.order_by("arxiv_id").values_list(*fields)
    batch = list(papers[:chunk])
    while batch:
        last, full = batch[-1][0], len(batch) == chunk
        yield batch
        batch = list(papers.filter(arxiv_id__gt=last)[:chunk]) if full else []


def each_chunk(
    fields: Sequence[str],
    write: Callable[[list[tuple]], object],
    progress: Callable[[int], None] | None = None,
    chunk: int = 2000,
) -> int:
    """Call write(rows) with `chunk` papers' `fields` at a time (the last call may hold
    fewer), as `walk` reads them; progress(papers so far) after each. Returns how many
    papers were walked."""
    done = 0
    for batch in walk(fields, chunk):
        write(batch)
        done += len(batch)
        if progress:
            progress(done)
    return done
