"""A paper's key sentence: the abstract's sentence closest to the whole paper in embedding
space, shown labelled "Key sentence" (never "AI summary": it is the authors' own words)."""

import re

import numpy as np

from .embeddings import Embedder, embedder, paper_text
from .remembered import PerPaper, paper_texts

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
    return key_sentences([(title, abstract)], model)[0]


def key_sentences(papers: list[tuple[str, str]], model: Embedder) -> list[str]:
    """key_sentence of many (title, abstract) pairs, their sentences embedded together."""
    split = [sentences(abstract) for _, abstract in papers]
    texts: list[str] = []
    for (title, abstract), candidates in zip(papers, split, strict=True):
        if len(candidates) > 1:
            texts.extend([*candidates, paper_text(title, abstract)])
    vectors = model.encode(texts) if texts else None
    chosen, offset = [], 0
    for candidates in split:
        if len(candidates) <= 1:
            chosen.append(candidates[0] if candidates else "")
            continue
        block = vectors[offset : offset + len(candidates) + 1]
        chosen.append(candidates[int(np.argmax(block[:-1] @ block[-1]))])
        offset += len(candidates) + 1
    return chosen


# Key sentences of the paper pages shown (cards keep their finished HTML: card_parts.py).
shown_key_sentences: PerPaper[str] = PerPaper(lambda texts: key_sentences(texts, embedder()))


def paper_key_sentence(paper) -> str:
    """For the paper page, computed when first shown, kept per process for its current text."""
    return shown_key_sentences.values(paper_texts([paper]))[0]
