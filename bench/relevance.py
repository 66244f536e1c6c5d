"""Search quality on the CACM collection: nDCG@10, MAP@100 and Recall@100 on the dev queries,
for keyword-only, semantic-only and the shipped hybrid.

    python bench/relevance.py [--docs PATH] [--queries PATH]

Loads the documents through the normal import path into a fresh database, builds the index
with `reindex`, then runs every query through the same search function the site uses.
"""

import argparse
import json
import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACM = ROOT.parent / "shared" / "data" / "relevance" / "cacm"
MODES = ("keyword", "semantic", "hybrid")


def ndcg_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    gain = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return gain / ideal if ideal else 0.0


def average_precision(ranked: list[str], relevant: set[str], k: int = 100) -> float:
    hits, total = 0, 0.0
    for i, doc in enumerate(ranked[:k]):
        if doc in relevant:
            hits += 1
            total += hits / (i + 1)
    return total / len(relevant) if relevant else 0.0


def recall_at(ranked: list[str], relevant: set[str], k: int = 100) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def prepare(home: Path, docs: Path) -> None:
    os.environ["DAILYPAPERS_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dailypapers.settings"
    os.environ["DAILYPAPERS_INDEX_ON_IMPORT"] = "0"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    docs = in_arxiv_era(docs, home)
    with open(os.devnull, "w") as quiet:
        call_command("import", str(docs), stdout=quiet, stderr=quiet)
        call_command("reindex", stdout=quiet, stderr=quiet)


# CACM's papers are from 1958-1979; imports refuse dates before 1986 (records.py), so their
# years move forward this much (into 2004-2025). Nothing these benches rank reads dates.
YEARS_LATER = 46


def in_arxiv_era(docs: Path, folder: Path) -> Path:
    """A copy of docs (arXiv JSON lines) whose dates before 1986 are YEARS_LATER later."""

    def later(text: str | None) -> str | None:
        return text and re.sub(
            r"\b(19[0-7]\d|198[0-5])\b", lambda m: str(int(m[1]) + YEARS_LATER), text
        )

    moved = folder / docs.name
    with docs.open() as source, moved.open("w") as out:
        for line in source:
            if line.strip():
                record = json.loads(line)
                record["update_date"] = later(record.get("update_date"))
                for version in record.get("versions") or []:
                    version["created"] = later(version.get("created"))
                out.write(json.dumps(record) + "\n")
    return moved


def evaluate(queries: list[dict]) -> dict[str, dict[str, float]]:
    from dailypapers.search.query import compile_query
    from dailypapers.search.service import ranked_ids

    report = {}
    for mode in MODES:
        scores = {"nDCG@10": [], "MAP@100": [], "Recall@100": []}
        for q in queries:
            ranked = ranked_ids(compile_query(q["query"]), limit=100, mode=mode)
            relevant = set(q["relevant"])
            scores["nDCG@10"].append(ndcg_at(ranked, relevant))
            scores["MAP@100"].append(average_precision(ranked, relevant))
            scores["Recall@100"].append(recall_at(ranked, relevant))
        report[mode] = {name: sum(v) / len(v) for name, v in scores.items()}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=CACM / "cacm_docs.jsonl")
    parser.add_argument("--queries", type=Path, default=CACM / "queries_dev.jsonl")
    args = parser.parse_args()
    if not args.docs.exists():
        raise SystemExit(f"{args.docs} not found: this benchmark needs ../shared")
    queries = [json.loads(line) for line in args.queries.read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory(prefix="dailypapers-relevance-") as tmp:
        started = time.perf_counter()
        prepare(Path(tmp), args.docs)
        print(f"imported and indexed {args.docs.name} in {time.perf_counter() - started:.1f}s")
        report = evaluate(queries)
    print(f"{len(queries)} queries from {args.queries.name}")
    print(f"{'mode':<10} {'nDCG@10':>8} {'MAP@100':>8} {'Recall@100':>10}")
    for mode, scores in report.items():
        ndcg, ap, recall = scores["nDCG@10"], scores["MAP@100"], scores["Recall@100"]
        print(f"{mode:<10} {ndcg:8.3f} {ap:8.3f} {recall:10.3f}")


if __name__ == "__main__":
    sys.exit(main())
