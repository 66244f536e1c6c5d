"""Keywords of a paper, extracted from its title and abstract with no hosted model.

Candidates are runs of words between stop words and punctuation (noun-phrase-like: without a
part-of-speech tagger, verbs and function words are listed as stop words), at most
`MAX_WORDS` long. Each candidate is scored by how central its words are to the abstract
(each word's frequency, summed over the phrase, as SingleRank does), by the cosine of its
wordllama embedding to the document's, and by how early it first appears; the title counts
twice. Measured on Inspec in docs/search.md ("Keywords") with `bench/keywords.py`.
"""

import functools
import math
import re
from dataclasses import dataclass

import numpy as np
import tantivy

from .embeddings import Embedder, paper_text

MAX_KEYWORDS = 10
MAX_WORDS = 4
# Weights chosen on half of Inspec dev and checked on the other half (docs/search.md).
WORD_WEIGHT = 1.0
COSINE_WEIGHT = 1.5
POSITION_WEIGHT = 0.3
SUBPHRASES = False

_TOKEN = re.compile(r"\w+(?:[-/'’.]\w+)*|[^\w\s]")

# Function words, and the verbs, adverbs and vague nouns that abstracts use around their topic
# ("we propose a novel method"): without a tagger, these are what cuts a sentence into phrases.
STOPWORDS = frozenset(
    """
a about above across after again against all almost along already also although always am
among an and another any anyone anything are around as at be became because become becomes
been before being below between both but by can cannot could did do does doing done down
during each either else enough etc even ever every few for from further had has have having
he her here hers herself him himself his how however i if in into is it its itself just
least less like many may me might more most much must my myself neither no nor not now of
off often on once one only onto or other others otherwise our ours ourselves out over own
per perhaps quite rather same several she should since so some such than that the their
theirs them themselves then there thereby therefore these they this those though through
thus to together too toward towards under until up upon us very via was we well were what
whatever when where whereas whether which while who whom whose why will with within without
would yet you your yours yourself yourselves
able according achieve achieved achieves achieving allow allows allowed applied apply
applies applying based called carried consider considered considering consists contain
contains containing demonstrate demonstrated demonstrates derive derived describe described
describes describing develop developed developing discuss discussed discusses enable enables
enabled ensure examine examined examines find finds found gave get gets give given gives
giving help helps improve improved improves include included includes including introduce
introduced introduces investigate investigated investigates involve involved involves
known lead leads led make makes making needed obtain obtained obtains offer offers
performed present presented presents propose proposed proposes provide provided provides
providing reported require required requires result resulted resulting results see seen
shown show showed shows studied studies study suggest suggested suggests take taken takes
use used uses using yield yields
also approximately clearly currently especially finally first firstly fully generally
greatly highly mainly namely particularly previously recently respectively second secondly
significantly simply specifically still strongly third typically usually widely
approach approaches article aspect aspects case cases different paper papers part parts
problem problems various way ways work works new novel main
""".split()
)


@dataclass(frozen=True)
class Candidate:
    words: tuple[str, ...]
    stems: tuple[str, ...]
    first: int


@functools.cache
def _stemmer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    stems = _stemmer().analyze(word)
    return stems[0] if stems else word


def _is_phrase_word(token: str) -> bool:
    lowered = token.lower()
    return (
        token[0].isalnum()
        and lowered not in STOPWORDS
        and not lowered.replace(".", "").isdigit()
        and len(lowered) > 1
    )


def candidates(text: str) -> tuple[list[Candidate], dict[str, int]]:
    """Stop-word-free runs of words in text (each at most MAX_WORDS long; longer runs give
    their MAX_WORDS-long windows), first occurrence kept, and the frequency of each stem."""
    found: dict[tuple[str, ...], Candidate] = {}
    stem_counts: dict[str, int] = {}
    run: list[str] = []
    position = 0

    def close_run():
        longest = min(len(run), MAX_WORDS)
        sizes = range(1, longest + 1) if SUBPHRASES else (longest,)
        for size in sizes:
            for start in range(len(run) - size + 1):
                words = tuple(run[start : start + size])
                stems = tuple(stem(w.lower()) for w in words)
                if stems not in found:
                    found[stems] = Candidate(words, stems, position - len(run) + start)
        run.clear()

    for token in _TOKEN.findall(text):
        if _is_phrase_word(token):
            run.append(token)
            key = stem(token.lower())
            stem_counts[key] = stem_counts.get(key, 0) + 1
        else:
            close_run()
        position += 1
    close_run()
    return list(found.values()), stem_counts


def extract(title: str, abstract: str, embedder: Embedder, limit: int = MAX_KEYWORDS):
    """The keywords of one paper, best first."""
    return extract_many([(title, abstract)], embedder, limit)[0]


def extract_many(
    papers: list[tuple[str, str]], embedder: Embedder, limit: int = MAX_KEYWORDS
) -> list[list[str]]:
    """Keywords of many papers, best first, embedding every candidate in one batch."""
    per_paper = []
    phrases: list[str] = []
    documents: list[str] = []
    for title, abstract in papers:
        # The title counts twice: its words are the paper's topic.
        text = f"{title}. {title}. {abstract}"
        found, counts = candidates(text)
        per_paper.append((found, counts, len(phrases)))
        phrases.extend(" ".join(c.words) for c in found)
        documents.append(paper_text(title, abstract))
    if not phrases:
        return [[] for _ in papers]
    phrase_vectors = embedder.encode(phrases)
    document_vectors = embedder.encode(documents)
    results = []
    for (found, counts, offset), document in zip(per_paper, document_vectors, strict=True):
        if not found:
            results.append([])
            continue
        cosines = phrase_vectors[offset : offset + len(found)] @ document
        scores = np.array(
            [
                WORD_WEIGHT * sum(math.log1p(counts[s]) for s in c.stems)
                + COSINE_WEIGHT * cosine
                - POSITION_WEIGHT * math.log1p(c.first) / 5
                for c, cosine in zip(found, cosines, strict=True)
            ]
        )
        order = np.argsort(-scores, kind="stable")
        results.append(_distinct([found[i] for i in order], limit))
    return results


def _distinct(ranked: list[Candidate], limit: int) -> list[str]:
    """The first `limit` phrases, one per stemmed form, lowercased unless written as an
    acronym."""
    chosen: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for candidate in ranked:
        if candidate.stems in seen:
            continue
        seen.add(candidate.stems)
        chosen.append(" ".join(w if _is_acronym(w) else w.lower() for w in candidate.words))
        if len(chosen) == limit:
            break
    return chosen


def _is_acronym(word: str) -> bool:
    return sum(ch.isupper() for ch in word) >= 2
