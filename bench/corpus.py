"""Synthetic arXiv snapshots of any size, shaped like the real records.

Lengths (title, abstract, author count), categories, author names and a Zipfian vocabulary are
learnt from the real records in ../shared/data/arxiv (or the copies in tests/fixtures/arxiv).
Words past the real vocabulary are made-up syllable strings, so the vocabulary keeps growing
with corpus size the way real text does. Later benchmarks reuse `write_snapshot`.
"""

import gzip
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT.parent / "shared" / "data" / "arxiv", ROOT / "tests" / "fixtures" / "arxiv"]
WORD = re.compile(r"[A-Za-z][A-Za-z\-]+|\$[^$]{1,20}\$|\d+")
BATCH = 10_000
SYLLABLES = ["ka", "lo", "mi", "ne", "ra", "sto", "phy", "tor", "qua", "zen", "vi", "dro", "el"]


@dataclass
class Profile:
    title_lengths: list[int] = field(default_factory=list)
    abstract_lengths: list[int] = field(default_factory=list)
    author_counts: list[int] = field(default_factory=list)
    first_names: list[str] = field(default_factory=list)
    last_names: list[str] = field(default_factory=list)
    category_sets: list[str] = field(default_factory=list)
    words: Counter = field(default_factory=Counter)


def learn_profile() -> Profile:
    sys.path.insert(0, str(ROOT / "src"))
    from dailypapers.papers.records import PaperRecord
    from dailypapers.papers.sources.files import InputFile
    from dailypapers.papers.sources.xml import MalformedInput

    folder = next(p for p in SOURCES if p.exists())
    profile = Profile()
    for path in sorted(folder.rglob("*")):
        if path.suffix not in {".jsonl", ".json", ".xml"} or not path.is_file():
            continue
        try:
            with InputFile(path) as source:
                records = [r for r in source.items() if isinstance(r, PaperRecord)]
        except MalformedInput:
            continue
        for record in records:
            title, abstract = WORD.findall(record.title), WORD.findall(record.abstract)
            profile.title_lengths.append(len(title))
            if abstract:
                profile.abstract_lengths.append(len(abstract))
            profile.words.update(w.lower() for w in title + abstract)
            if record.categories:
                profile.category_sets.append(" ".join(record.categories))
            profile.author_counts.append(max(1, len(record.authors)))
            for name in record.authors:
                *first, last = name.split() or ["A."]
                profile.last_names.append(last)
                profile.first_names.append(" ".join(first) or "A.")
    return profile


class Vocabulary:
    """Real words by frequency rank, extended with invented ones; drawn with Zipf weights."""

    def __init__(self, words: Counter, size: int, exponent: float = 1.07):
        ranked = [w for w, _ in words.most_common()]
        known = set(ranked)
        number = len(SYLLABLES) ** 2  # every invented word has at least three syllables
        while len(ranked) < size:
            word = _spell(number)
            number += 1
            if word not in known:
                ranked.append(word)
        self.words = np.array(ranked, dtype=object)
        self.cumulative = np.cumsum(1.0 / np.arange(1, size + 1, dtype=np.float64) ** exponent)

    def sample(self, rng: np.random.Generator, k: int) -> list[str]:
        draws = rng.random(k) * self.cumulative[-1]
        return self.words[np.searchsorted(self.cumulative, draws, side="right")].tolist()


def _spell(number: int) -> str:
    """A unique pronounceable word for each number: its digits in base len(SYLLABLES)."""
    syllables = []
    while number:
        number, digit = divmod(number, len(SYLLABLES))
        syllables.append(SYLLABLES[digit])
    return "".join(reversed(syllables))


def write_snapshot(path: Path, records: int, seed: int = 1, vocabulary: int = 200_000) -> Path:
    """Draws BATCH records at a time with numpy (every length, name and word of the batch in
    one call each): 1M records in about a minute, where a Python draw per word made ~27k a
    minute on the loaded bench machine."""
    rng = np.random.default_rng(seed)
    profile = learn_profile()
    vocab = Vocabulary(profile.words, vocabulary)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as out:
        for start in range(0, records, BATCH):
            batch = _records(range(start, min(records, start + BATCH)), rng, profile, vocab)
            out.write("".join(json.dumps(record) + "\n" for record in batch))
    return path


def arxiv_id_of(n: int) -> str:
    """The id of the snapshot's record n: 90,000 a month from January 2015."""
    year, month, number = 15 + n // (12 * 90_000), 1 + (n // 90_000) % 12, n % 90_000
    return f"{year:02d}{month:02d}.{number:05d}"


def _choose(rng: np.random.Generator, population: list, k: int) -> list:
    return [population[i] for i in rng.integers(0, len(population), k).tolist()]


def _records(numbers: range, rng: np.random.Generator, profile: Profile, vocab: Vocabulary):
    size = len(numbers)
    title_lengths = _choose(rng, profile.title_lengths, size)
    abstract_lengths = _choose(rng, profile.abstract_lengths, size)
    author_counts = _choose(rng, profile.author_counts, size)
    words = iter(vocab.sample(rng, sum(title_lengths) + sum(abstract_lengths)))
    names = iter(
        zip(
            _choose(rng, profile.last_names, sum(author_counts)),
            _choose(rng, profile.first_names, sum(author_counts)),
            strict=True,
        )
    )
    categories = _choose(rng, profile.category_sets, size)
    version_counts = _choose(rng, [1, 1, 1, 2, 2, 3], size)
    pages, figures = rng.integers(4, 41, size).tolist(), rng.integers(1, 13, size).tolist()
    for i, n in enumerate(numbers):
        year, month = 15 + n // (12 * 90_000), 1 + (n // 90_000) % 12
        authors = [[last, first, ""] for last, first in islice(names, author_counts[i])]
        title = " ".join(islice(words, title_lengths[i])).capitalize()
        abstract = " ".join(islice(words, abstract_lengths[i]))
        created = f"{_MONTHS[month - 1]} 20{year} 10:00:00 GMT"
        versions = [
            {"version": f"v{v}", "created": f"Mon, {1 + v} {created}"}
            for v in range(1, version_counts[i] + 1)
        ]
        yield {
            "id": arxiv_id_of(n),
            "submitter": " ".join(reversed(authors[0][:2])),
            "authors": ", ".join(f"{a[1]} {a[0]}" for a in authors),
            "title": title,
            "comments": f"{pages[i]} pages, {figures[i]} figures",
            "journal-ref": None,
            "doi": None,
            "report-no": None,
            "categories": categories[i],
            "license": "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
            "abstract": abstract,
            "versions": versions,
            "update_date": f"20{year}-{month:02d}-28",
            "authors_parsed": authors,
        }


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
