"""Text embedders behind one small interface.

The default, wordllama, ships its weights inside its PyPI wheel, so nothing is downloaded.
`DAILYPAPERS_EMBEDDING_MODEL` picks a model on disk instead: `model2vec:/path/to/model` (a
static model, e.g. one distilled by bench/distill_model.py) or
`sentence-transformers:/path/to/model` (both need the `neural` extra).
"""

import copy
import itertools
import threading
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np
from django.conf import settings


class Embedder(Protocol):
    name: str
    dimensions: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""


class WordLlamaEmbedder:
    """wordllama's model: the mean of its token vectors. Averaged here over the tokens
    themselves rather than through wordllama's `embed`, which pads every batch to its
    longest text and multiplies the padding by a mask: 2.4x less CPU (docs/search.md). The
    sums are added in another order, so a vector may differ from `embed`'s in its last bit
    (as `embed`'s own do with the batch a text lands in)."""

    name = "wordllama-l2_supercat-256"

    def __init__(self):
        import wordllama
        from tokenizers import Tokenizer

        # Its loader looks for the tokenizer in tokenizer/ but the wheel ships tokenizers/:
        # pointing cache_dir at the package folder finds both, and nothing is downloaded.
        package = Path(wordllama.__file__).parent
        self.model = wordllama.WordLlama.load(cache_dir=package, disable_download=True)
        self.table = self.model.embedding
        self.dimensions = 256
        # A copy that does not pad, so the model's own tokenizer keeps its settings.
        self.tokenizer = Tokenizer.from_str(self.model.tokenizer.to_str())
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()

    def encode(self, texts: list[str]) -> np.ndarray:
        from scipy.sparse import csr_matrix

        encoded = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in encoded), np.int64, len(encoded))
        ids = np.fromiter(
            itertools.chain.from_iterable(e.ids for e in encoded), np.int64, lengths.sum()
        )
        np.clip(ids, 0, len(self.table) - 1, out=ids)
        # Each text's token counts over the vocabulary, times the table: the sum of its token
        # vectors without gathering them (an empty text stays a zero vector).
        counts = csr_matrix(
            (np.ones(len(ids), np.float32), ids, np.concatenate([[0], np.cumsum(lengths)])),
            shape=(len(texts), len(self.table)),
        )
        vectors = np.asarray(counts @ self.table, dtype=np.float32)
        return _unit_rows(vectors / np.maximum(lengths, 1)[:, None])


class Model2VecEmbedder:
    """A static model: the mean of its token vectors. Tokenizing is most of the work and
    releases the GIL, so a rebuild embeds on two threads; each thread has its own copy of the
    tokenizer (model2vec sets its truncation on every call, which two threads can't share)."""

    def __init__(self, path: Path, name: str):
        from model2vec import StaticModel

        # A local folder is read as it is: model2vec only asks a hub for names it can't find.
        self.model = StaticModel.from_pretrained(path)
        self.dimensions = self.model.dim
        self.name = name
        self.per_thread = threading.local()

    def encode(self, texts: list[str]) -> np.ndarray:
        model = getattr(self.per_thread, "model", None)
        if model is None:
            model = self.per_thread.model = copy.copy(self.model)
            model.tokenizer = copy.deepcopy(self.model.tokenizer)
        vectors = model.encode(texts, batch_size=256, use_multiprocessing=False)
        return _unit_rows(np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1))


class SentenceTransformerEmbedder:
    def __init__(self, path: str, name: str):
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self.dimensions = self.model.get_embedding_dimension()
        self.name = name

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=64, convert_to_numpy=True)
        return _unit_rows(np.asarray(vectors, dtype=np.float32))


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Unit length; an empty text (a zero vector) stays zero instead of becoming NaN."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def model_name(spec: str) -> str:
    """The name an index records for the model a DAILYPAPERS_EMBEDDING_MODEL value picks,
    known without loading it: an index built by another model must be rebuilt."""
    kind, _, path = spec.partition(":")
    if spec == "wordllama":
        return WordLlamaEmbedder.name
    if kind in ("model2vec", "sentence-transformers") and path:
        return f"{kind}:{Path(path).name}"
    raise ValueError(
        f"unknown embedding model {spec!r}: use 'wordllama', 'model2vec:/path' or "
        "'sentence-transformers:/path'"
    )


@cache
def load_embedder(spec: str) -> Embedder:
    name = model_name(spec)
    if spec == "wordllama":
        return WordLlamaEmbedder()
    kind, _, path = spec.partition(":")
    if kind == "model2vec":
        return Model2VecEmbedder(Path(path), name)
    return SentenceTransformerEmbedder(path, name)


def embedder() -> Embedder:
    return load_embedder(settings.SEARCH_EMBEDDING_MODEL)


def paper_text(title: str, abstract: str) -> str:
    return f"{title}. {abstract}"
