"""Text embedders behind one small interface.

The default, wordllama, ships its weights inside its PyPI wheel, so nothing is downloaded.
`DAILYPAPERS_EMBEDDING_MODEL=sentence-transformers:/path/to/model` uses a model on disk instead.
"""

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
    def __init__(self):
        import wordllama

        # Its loader looks for the tokenizer in tokenizer/ but the wheel ships tokenizers/:
        # pointing cache_dir at the package folder finds both, and nothing is downloaded.
        package = Path(wordllama.__file__).parent
        self.model = wordllama.WordLlama.load(cache_dir=package, disable_download=True)
        self.dimensions = 256
        self.name = "wordllama-l2_supercat-256"

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.asarray(self.model.embed(texts, batch_size=256), dtype=np.float32)
        return _unit_rows(vectors)


class SentenceTransformerEmbedder:
    def __init__(self, path: str):
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self.dimensions = self.model.get_embedding_dimension()
        self.name = f"sentence-transformers:{Path(path).name}"

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=64, convert_to_numpy=True)
        return _unit_rows(np.asarray(vectors, dtype=np.float32))


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Unit length; an empty text (a zero vector) stays zero instead of becoming NaN."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)


@cache
def load_embedder(spec: str) -> Embedder:
    if spec == "wordllama":
        return WordLlamaEmbedder()
    if spec.startswith("sentence-transformers:"):
        return SentenceTransformerEmbedder(spec.split(":", 1)[1])
    raise ValueError(
        f"unknown embedding model {spec!r}: use 'wordllama' or 'sentence-transformers:/path'"
    )


def embedder() -> Embedder:
    return load_embedder(settings.SEARCH_EMBEDDING_MODEL)


def paper_text(title: str, abstract: str) -> str:
    return f"{title}. {abstract}"
