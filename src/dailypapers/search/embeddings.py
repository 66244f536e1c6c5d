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
        vectors = self.model.embed(texts, norm=True, batch_size=256)
        return np.ascontiguousarray(vectors, dtype=np.float32)


class SentenceTransformerEmbedder:
    def __init__(self, path: str):
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self.dimensions = self.model.get_sentence_embedding_dimension()
        self.name = f"sentence-transformers:{Path(path).name}"

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(texts, normalize_embeddings=True, batch_size=64)
        return np.ascontiguousarray(vectors, dtype=np.float32)


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
