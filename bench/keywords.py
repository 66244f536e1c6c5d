"""Keyword quality on Inspec dev, ours beside YAKE, and our speed.

    python bench/keywords.py [--data ../shared/data/keyphrases/inspec/docs_dev.jsonl]
        [--half all|a|b] [--limit N]

The protocol of issue 17: lowercase; words are `\\w+(?:[-/'’.]\\w+)*`; every word Porter-stemmed
(NLTK); predictions de-duplicated on the stemmed form, then cut at k; exact match of stemmed
phrases; F1 averaged per document. `--half a` / `--half b` score the even / odd documents only
(tune on one, check on the other). Install the `bench` extra (yake, nltk).
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import yake
from nltk.stem import PorterStemmer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
import django  # noqa: E402

django.setup()

from dailypapers.search import keywords  # noqa: E402
from dailypapers.search.embeddings import load_embedder  # noqa: E402

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "keyphrases" / "inspec"
) / "docs_dev.jsonl"
WORD = re.compile(r"\w+(?:[-/'’.]\w+)*")
_porter = PorterStemmer()


def normalise(phrase: str) -> tuple[str, ...]:
    return tuple(_porter.stem(word) for word in WORD.findall(phrase.lower()))


def f1_at(predicted: list[str], gold: list[str], k: int) -> float:
    gold_set = {g for g in map(normalise, gold) if g}
    top: list[tuple[str, ...]] = []
    for phrase in map(normalise, predicted):
        if phrase and phrase not in top:
            top.append(phrase)
    top = top[:k]
    hits = sum(phrase in gold_set for phrase in top)
    if not hits:
        return 0.0
    precision, recall = hits / k, hits / len(gold_set)
    return 2 * precision * recall / (precision + recall)


def score(predictions: list[list[str]], documents: list[dict]) -> tuple[float, float]:
    pairs = list(zip(predictions, documents, strict=True))
    return tuple(sum(f1_at(p, d["keyphrases"], k) for p, d in pairs) / len(pairs) for k in (5, 10))


def load(path: Path, half: str, limit: int | None) -> list[dict]:
    documents = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if half != "all":
        documents = documents[half == "b" :: 2]
    return documents[:limit] if limit else documents


def run_ours(documents: list[dict], batch: int = 64) -> tuple[list[list[str]], float, float]:
    """Predictions, wall seconds and CPU seconds (the rate on one idle core)."""
    embedder = load_embedder("wordllama")
    keywords.extract_many([("warm", "up the model")], embedder)
    started, cpu = time.perf_counter(), time.process_time()
    predictions = []
    for start in range(0, len(documents), batch):
        chunk = documents[start : start + batch]
        predictions += keywords.extract_many(
            [(d["title"], d["abstract"]) for d in chunk], embedder, keywords.MAX_KEYWORDS
        )
    return predictions, time.perf_counter() - started, time.process_time() - cpu


def run_yake(documents: list[dict]) -> tuple[list[list[str]], float, float]:
    extractor = yake.KeywordExtractor(lan="en", n=3, top=10)
    started, cpu = time.perf_counter(), time.process_time()
    predictions = [
        [phrase for phrase, _ in extractor.extract_keywords(f"{d['title']}. {d['abstract']}")]
        for d in documents
    ]
    return predictions, time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--half", choices=["all", "a", "b"], default="all")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--no-yake", action="store_true", help="skip the baseline (tuning)")
    args = parser.parse_args()
    if not args.data.exists():
        raise SystemExit(f"{args.data} not found: this benchmark needs ../shared (or --data)")
    documents = load(args.data, args.half, args.limit)
    print(f"{len(documents)} documents from {args.data} (half: {args.half})", file=sys.stderr)

    rows = []
    ours, *ours_seconds = run_ours(documents)
    rows.append(("ours (search/keywords.py)", *score(ours, documents), *ours_seconds))
    if not args.no_yake:
        theirs, *yake_seconds = run_yake(documents)
        rows.append(("YAKE (n=3, top=10)", *score(theirs, documents), *yake_seconds))

    # The machine may be shared: wall-clock rate in this one process, and the rate per
    # CPU-second (what one idle core does; two processes on two idle cores do twice that).
    cores = len(os.sched_getaffinity(0))
    load1 = os.getloadavg()[0]
    print(f"\n{cores} cores, load average {load1:.1f}")
    print(
        "\n| method | F1@5 | F1@10 | abstracts/s (wall, 1 process) | abstracts/s per core (CPU) |"
    )
    print("| --- | --- | --- | --- | --- |")
    n = len(documents)
    for name, at5, at10, wall, cpu in rows:
        print(f"| {name} | {at5:.3f} | {at10:.3f} | {n / wall:,.0f} | {n / cpu:,.0f} |")
    if len(rows) == 2:
        ours_row, yake_row = rows
        print(
            f"\nours / YAKE: F1@5 x{ours_row[1] / yake_row[1]:.2f}, "
            f"F1@10 x{ours_row[2] / yake_row[2]:.2f}, speed (CPU) x{yake_row[4] / ours_row[4]:.1f}"
        )


if __name__ == "__main__":
    main()
