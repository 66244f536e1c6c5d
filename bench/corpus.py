"""Synthetic arXiv snapshots of any size, shaped like the real records.

Lengths (title, abstract, author count), categories, author names and a Zipfian vocabulary are
learnt from the real records in ../shared/data/arxiv (or the copies in tests/fixtures/arxiv).
Words past the real vocabulary are made-up syllable strings, so the vocabulary keeps growing
with corpus size the way real text does. Later benchmarks reuse `write_snapshot`.
"""

import gzip
import json
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT.parent / "shared" / "data" / "arxiv", ROOT / "tests" / "fixtures" / "arxiv"]
WORD = re.compile(r"[A-Za-z][A-Za-z\-]+|\$[^$]{1,20}\$|\d+")
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
        self.words = ranked
        self.cumulative = list(accumulate(1.0 / (rank**exponent) for rank in range(1, size + 1)))

    def sample(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=k)


def _spell(number: int) -> str:
    """A unique pronounceable word for each number: its digits in base len(SYLLABLES)."""
    syllables = []
    while number:
        number, digit = divmod(number, len(SYLLABLES))
        syllables.append(SYLLABLES[digit])
    return "".join(reversed(syllables))


def write_snapshot(path: Path, records: int, seed: int = 1, vocabulary: int = 200_000) -> Path:
    rng = random.Random(seed)
    profile = learn_profile()
    vocab = Vocabulary(profile.words, vocabulary)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as out:
        for n in range(records):
            out.write(json.dumps(_record(n, rng, profile, vocab)) + "\n")
    return path


def arxiv_id_of(n: int) -> str:
    """The id of the snapshot's record n: 90,000 a month from January 2015."""
    year, month, number = 15 + n // (12 * 90_000), 1 + (n // 90_000) % 12, n % 90_000
    return f"{year:02d}{month:02d}.{number:05d}"


def _record(n: int, rng: random.Random, profile: Profile, vocab: Vocabulary) -> dict:
    year, month = 15 + n // (12 * 90_000), 1 + (n // 90_000) % 12
    authors = [
        [rng.choice(profile.last_names), rng.choice(profile.first_names), ""]
        for _ in range(rng.choice(profile.author_counts))
    ]
    title = " ".join(vocab.sample(rng, rng.choice(profile.title_lengths))).capitalize()
    abstract = " ".join(vocab.sample(rng, rng.choice(profile.abstract_lengths)))
    versions = [
        {"version": f"v{v}", "created": f"Mon, {1 + v} {_MONTHS[month - 1]} 20{year} 10:00:00 GMT"}
        for v in range(1, rng.choice([1, 1, 1, 2, 2, 3]) + 1)
    ]
    return {
        "id": arxiv_id_of(n),
        "submitter": " ".join(reversed(authors[0][:2])),
        "authors": ", ".join(f"{a[1]} {a[0]}" for a in authors),
        "title": title,
        "comments": f"{rng.randint(4, 40)} pages, {rng.randint(1, 12)} figures",
        "journal-ref": None,
        "doi": None,
        "report-no": None,
        "categories": rng.choice(profile.category_sets),
        "license": "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
        "abstract": abstract,
        "versions": versions,
        "update_date": f"20{year}-{month:02d}-28",
        "authors_parsed": authors,
    }


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
