"""Text derived from papers (keywords, key sentences), computed when first asked for, in one
batch for a whole page, and kept per process by (arxiv id, content hash): a paper whose text
changes gets it computed again. Emptied when full rather than tracking recency."""

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Value = TypeVar("Value")
# (arxiv id, content hash), title, abstract
Text = tuple[tuple[str, str], str, str]


class PerPaper(Generic[Value]):
    def __init__(self, compute: Callable[[list[tuple[str, str]]], list[Value]], limit=8192):
        self.compute = compute  # [(title, abstract), ...] -> one value each
        self.limit = limit
        self.known: dict[tuple[str, str], Value] = {}

    def values(self, texts: Sequence[Text]) -> list[Value]:
        # Read each once into a local dict: another thread may empty the cache meanwhile.
        found = {key: value for key, _, _ in texts if (value := self.known.get(key)) is not None}
        missing = {key: (title, abstract) for key, title, abstract in texts if key not in found}
        if missing:
            computed = dict(zip(missing, self.compute(list(missing.values())), strict=True))
            if len(self.known) + len(computed) > self.limit:
                self.known.clear()
            self.known.update(computed)
            found.update(computed)
        return [found[key] for key, _, _ in texts]


def paper_texts(papers) -> list[Text]:
    """Papers (models) as the texts PerPaper takes."""
    return [((p.arxiv_id, p.content_hash), p.title, p.abstract) for p in papers]
