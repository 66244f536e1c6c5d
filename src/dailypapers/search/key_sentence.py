"""A paper's key sentence: the abstract's sentence closest to the whole paper in embedding
space, shown labelled "Key sentence" (never "AI summary": it is the authors' own words)."""

import functools
import re

import numpy as np

from .embeddings import Embedder, embedder, paper_text

# A sentence ends at . ! or ? followed by space and an upper-case letter, digit or math.
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9$\\(\[])")
# Inline and display math: a boundary inside one is not a sentence's end.
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$|\\\(.+?\\\)|\\\[.+?\\\]", re.DOTALL)


def sentences(text: str) -> list[str]:
    """The sentences of text, never cutting a formula in half."""
    inside_math = [(m.start(), m.end()) for m in _MATH.finditer(text)]
    parts, start = [], 0
    for boundary in _BOUNDARY.finditer(text):
        if any(a < boundary.start() < b for a, b in inside_math):
            continue
        parts.append(text[start : boundary.start()])
        start = boundary.end()
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def key_sentence(title: str, abstract: str, model: Embedder) -> str:
    """The abstract's most representative sentence ("" for an empty abstract)."""
    candidates = sentences(abstract)
    if len(candidates) <= 1:
        return candidates[0] if candidates else ""
    vectors = model.encode([*candidates, paper_text(title, abstract)])
    return candidates[int(np.argmax(vectors[:-1] @ vectors[-1]))]


@functools.lru_cache(maxsize=4096)
def _cached(arxiv_id: str, content_hash: str, title: str, abstract: str) -> str:
    return key_sentence(title, abstract, embedder())


def paper_key_sentence(paper) -> str:
    """For the paper page, computed when first shown, kept per process for its current text."""
    return _cached(paper.arxiv_id, paper.content_hash, paper.title, paper.abstract)
