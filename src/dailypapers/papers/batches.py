"""Every stored paper, a chunk at a time, in id order: what recomputes data derived from the
papers (links and author identities on `reindex`) walks with this."""

from collections.abc import Callable, Sequence

from .models import Paper


def each_chunk(
    fields: Sequence[str],
    write: Callable[[list[tuple]], object],
    progress: Callable[[int], None] | None = None,
    chunk: int = 2000,
) -> int:
    """Call write(rows) with `chunk` papers' `fields` at a time (the last call may hold
    fewer); progress(papers so far) after each. Returns how many papers were walked."""
    done = 0
    batch: list[tuple] = []
    rows = Paper.objects.order_by("arxiv_id").values_list(*fields)
    for row in rows.iterator(chunk_size=chunk):
        batch.append(row)
        if len(batch) == chunk:
            write(batch)
            done += len(batch)
            batch = []
            if progress:
                progress(done)
    if batch:
        write(batch)
        done += len(batch)
        if progress:
            progress(done)
    return done
