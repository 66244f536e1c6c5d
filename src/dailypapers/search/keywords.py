"""Keywords of a paper, extracted from its title and abstract with no hosted model.

Candidates are runs of words between stop words and punctuation (noun-phrase-like: without a
part-of-speech tagger, verbs and function words are listed as stop words), at most
`MAX_WORDS` long. A candidate scores the cosine of its wordllama embedding to the paper's,
less a penalty for appearing late (`log(1 + first word's position)`): titles and first
sentences name the topic. Measured on Inspec in docs/search.md ("Keywords") with
`bench/keywords.py`: F1@5 0.27 where YAKE scores 0.17.
"""

import functools
import re
from dataclasses import dataclass

import numpy as np
import tantivy

from .embeddings import Embedder, embedder, paper_text
from .remembered import PerPaper, paper_texts

MAX_KEYWORDS = 10
# What the paper page shows.
SHOWN_KEYWORDS = 8
# Chosen on the even documents of Inspec dev and checked on the odd ones (docs/search.md):
# runs longer than 5 words are cut into 5-word windows (3: F1@5 0.25, 4: 0.27, 5-10: 0.275).
MAX_WORDS = 5
# Penalty per unit of log(1 + position): 0.33-1.5 all give F1@5 0.26-0.27.
POSITION_WEIGHT = 0.67 / 5

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
""".split()  # noqa: SIM905 (330 quoted words would read worse)
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


def candidates(text: str) -> list[Candidate]:
    """Stop-word-free runs of words in text, each at most MAX_WORDS long (longer runs give
    their MAX_WORDS-long windows), once per stemmed form, at their first occurrence."""
    found: dict[tuple[str, ...], Candidate] = {}
    run: list[str] = []
    position = 0

    def close_run():
        if not run:
            return
        size = min(len(run), MAX_WORDS)
        for start in range(len(run) - size + 1):
            words = tuple(run[start : start + size])
            stems = tuple(stem(w.lower()) for w in words)
            if stems not in found:
                found[stems] = Candidate(words, stems, position - len(run) + start)
        run.clear()

    for token in _TOKEN.findall(text):
        if _is_phrase_word(token):
            run.append(token)
        else:
            close_run()
        position += 1
    close_run()
    return list(found.values())


def extract(title: str, abstract: str, embedder: Embedder, limit: int = MAX_KEYWORDS):
    """The keywords of one paper, best first."""
    return extract_many([(title, abstract)], embedder, limit)[0]


# Keywords of the papers pages have shown (about 1.6 ms of CPU a paper): docs/search.md.
shown_keywords: PerPaper[tuple[str, ...]] = PerPaper(
    lambda texts: [tuple(found) for found in extract_many(texts, embedder(), SHOWN_KEYWORDS)]
)


def papers_keywords(papers) -> list[tuple[str, ...]]:
    """Each paper's keywords (up to SHOWN_KEYWORDS) for a page or an API answer."""
    return shown_keywords.values(paper_texts(papers))


def paper_keywords(paper) -> tuple[str, ...]:
    return papers_keywords([paper])[0]


def extract_many(
    papers: list[tuple[str, str]], embedder: Embedder, limit: int = MAX_KEYWORDS
) -> list[list[str]]:
    """Keywords of many papers, best first, embedding every candidate in one batch."""
    per_paper = []
    phrases: list[str] = []
    documents: list[str] = []
    for title, abstract in papers:
        text = paper_text(title, abstract)
        found = candidates(text)
        per_paper.append((found, len(phrases)))
        phrases.extend(" ".join(c.words) for c in found)
        documents.append(text)
    if not phrases:
        return [[] for _ in papers]
    phrase_vectors = embedder.encode(phrases)
    # Few abstracts per call: wordllama pads a batch to its longest text, and 8 abstracts at a
    # time embed 4x faster than 64 (CPU time, Inspec dev).
    document_vectors = np.vstack(
        [embedder.encode(documents[i : i + 8]) for i in range(0, len(documents), 8)]
    )
    results = []
    for (found, offset), document in zip(per_paper, document_vectors, strict=True):
        cosines = phrase_vectors[offset : offset + len(found)] @ document
        first = np.fromiter((c.first for c in found), dtype=np.float32, count=len(found))
        scores = cosines - POSITION_WEIGHT * np.log1p(first)
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
