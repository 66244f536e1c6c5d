"""Recommendation quality (and, with --scale, speed) of `dailypapers recommend`, side by side
with arxiv-sanity-lite's SVM.

    python bench/recommend.py [--collection cacm|scifact] [--min-relevant 6] [--sweep]
    python bench/recommend.py --scale [--papers 1000000] [--subscribers 100000] ...
      (bench/recommend_scale.py: /for-you latency, send-digests with papers for you, memory)

Quality, the protocol of issue 13: every query with at least --min-relevant relevant documents
is one user. Its relevant ids, sorted and shuffled with random.Random(f"13:{qid}"), give the
library (the first ceil(n/2)) and the targets (the rest). Every other paper is ranked
(`--window all`); nDCG@10 and Recall@50 of the targets are averaged over users.
The documents go through the normal import path and `reindex` (bench/relevance.py's prepare),
and the recommender is the function behind `dailypapers recommend`.
The baseline is arxiv-sanity-lite's: compute.py's TfidfVectorizer (1-2 grams, 20k features,
sublinear tf, max_df 0.1, min_df 5, over title + abstract + authors) and serve.py's
LinearSVC(C=0.01, class_weight="balanced") trained per user on the whole corpus.
"""

import argparse
import json
import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from relevance import ndcg_at, prepare, recall_at

ROOT = Path(__file__).resolve().parent.parent
RELEVANCE = ROOT.parent / "shared" / "data" / "relevance"


def users(queries: list[dict], min_relevant: int):
    """(qid, library, targets) per the issue's protocol."""
    for query in queries:
        relevant = sorted(query["relevant"])
        if len(relevant) < min_relevant:
            continue
        random.Random(f"13:{query['qid']}").shuffle(relevant)
        cut = math.ceil(len(relevant) / 2)
        yield query["qid"], relevant[:cut], set(relevant[cut:])


class Baseline:
    """arxiv-sanity-lite's recommender, from its compute.py and serve.py."""

    def __init__(self):
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer

        from dailypapers.papers.models import Paper

        rows = list(
            Paper.objects.order_by("arxiv_id").values_list(
                "arxiv_id", "title", "abstract", "authors"
            )
        )
        self.ids = [row[0] for row in rows]
        self.position = {arxiv_id: i for i, arxiv_id in enumerate(self.ids)}
        vectorizer = TfidfVectorizer(
            input="content",
            encoding="utf-8",
            decode_error="replace",
            strip_accents="unicode",
            lowercase=True,
            analyzer="word",
            stop_words="english",
            token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
            ngram_range=(1, 2),
            max_features=20000,
            norm="l2",
            use_idf=True,
            smooth_idf=True,
            sublinear_tf=True,
            max_df=0.1,
            min_df=5,
        )
        corpus = [
            " ".join([title, abstract, " ".join(authors)]) for _, title, abstract, authors in rows
        ]
        self.features = vectorizer.fit_transform(corpus).astype(np.float32)
        self.np = np

    def rank(self, library: list[str], limit: int) -> list[str]:
        from sklearn import svm

        labels = self.np.zeros(len(self.ids))
        labels[[self.position[i] for i in library]] = 1
        model = svm.LinearSVC(class_weight="balanced", max_iter=10000, tol=1e-6, C=0.01)
        model.fit(self.features, labels)
        scores = model.decision_function(self.features)
        order = self.np.argsort(-scores, kind="stable")
        taken = set(library)
        return [self.ids[i] for i in order if self.ids[i] not in taken][:limit]


def ours(library: list[str], limit: int, negative=()) -> list[str]:
    from dailypapers.recommend.service import recommendations

    return [r.arxiv_id for r in recommendations(library, negative, window="all", limit=limit)]


def score(rank, simulated) -> dict:
    ndcg, recall, elapsed = [], [], []
    for _, library, targets in simulated:
        started = time.perf_counter()
        ranked = rank(library, 50)
        elapsed.append(time.perf_counter() - started)
        ndcg.append(ndcg_at(ranked, targets, 10))
        recall.append(recall_at(ranked, targets, 50))
    return {
        "nDCG@10": statistics.mean(ndcg),
        "R@50": statistics.mean(recall),
        "ms/user": 1000 * statistics.mean(elapsed),
    }


def dismissing(simulated, dismissed: int = 5) -> dict:
    """A user who marks the top `dismissed` non-targets of their first list "not interested":
    how the targets rank after."""

    def rank(library, limit, targets):
        first = ours(library, 10)
        negative = [i for i in first if i not in targets][:dismissed]
        return ours(library, limit, negative)

    ndcg, recall = [], []
    for _, library, targets in simulated:
        ranked = rank(library, 50, targets)
        ndcg.append(ndcg_at(ranked, targets, 10))
        recall.append(recall_at(ranked, targets, 50))
    return {"nDCG@10": statistics.mean(ndcg), "R@50": statistics.mean(recall)}


def table(rows: dict[str, dict]) -> None:
    print("| method | nDCG@10 | R@50 | ms/user |")
    print("| --- | --- | --- | --- |")
    for name, r in rows.items():
        print(f"| {name} | {r['nDCG@10']:.3f} | {r['R@50']:.3f} | {r.get('ms/user', 0):.1f} |")


def quality(args) -> None:
    folder = args.data / args.collection
    docs = folder / f"{args.collection}_docs.jsonl"
    if not docs.exists():
        raise SystemExit(f"{docs} not found: this benchmark needs ../shared")
    queries = [
        json.loads(line)
        for line in (folder / "queries_dev.jsonl").read_text().splitlines()
        if line.strip()
    ]
    simulated = list(users(queries, args.min_relevant))
    print(
        f"{args.collection}: {len(simulated)} users with >= {args.min_relevant} relevant documents"
    )
    if not simulated:
        return
    with tempfile.TemporaryDirectory(prefix="dailypapers-recommend-") as tmp:
        started = time.perf_counter()
        prepare(Path(tmp), docs)
        ours(
            simulated[0][1], 1
        )  # builds the lexical rows, as the first request after reindex would
        print(
            f"imported, indexed and featurised {docs.name} in {time.perf_counter() - started:.1f}s"
        )
        from dailypapers.recommend import engine

        rows = {"arxiv-sanity-lite SVM (baseline)": score(Baseline().rank, simulated)}
        rows["dailypapers (shipped)"] = score(ours, simulated)
        base, shipped = rows["arxiv-sanity-lite SVM (baseline)"], rows["dailypapers (shipped)"]
        table(rows)
        print(
            f"ratio to baseline: nDCG@10 {shipped['nDCG@10'] / base['nDCG@10']:.2f}x, "
            f"R@50 {shipped['R@50'] / base['R@50']:.2f}x, "
            f"time {shipped['ms/user'] / base['ms/user']:.2f}x"
        )
        if args.sweep:
            sweep(engine, simulated)


def sweep(engine, simulated) -> None:
    shipped = engine.EMBEDDING_WEIGHT, engine.NEGATIVE_WEIGHT
    rows = {}
    for weight in (0.0, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 100.0):
        engine.EMBEDDING_WEIGHT = weight
        label = "embedding only" if weight == 100.0 else f"embedding weight {weight}"
        rows[label] = score(ours, simulated)
    engine.EMBEDDING_WEIGHT = shipped[0]
    for weight in (0.0, 0.1, 0.2, 0.5, 1.0):
        engine.NEGATIVE_WEIGHT = weight
        rows[f"top-5 false positives dismissed, negative weight {weight}"] = dismissing(simulated)
    engine.NEGATIVE_WEIGHT = shipped[1]
    table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", default="cacm", choices=["cacm", "scifact"])
    parser.add_argument("--data", type=Path, default=RELEVANCE, help="the relevance folder")
    parser.add_argument("--min-relevant", type=int, default=6, help="the protocol says 6")
    parser.add_argument(
        "--sweep", action="store_true", help="also the weights around the shipped ones"
    )
    parser.add_argument(
        "--scale", action="store_true", help="speed and memory on a synthetic corpus instead"
    )
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--home", type=Path, help="keep the scale corpus here (reused if built)")
    parser.add_argument("--window-papers", type=int, default=20_000, help="papers in the week")
    parser.add_argument("--day-papers", type=int, default=2_000, help="papers on the last day")
    parser.add_argument("--pool", type=int, default=50_000, help="older papers libraries use")
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100, help="timed /for-you requests")
    parser.add_argument(
        "--processes", default="1,2", help="send-digests processes, comma-separated"
    )
    parser.add_argument(
        "--parts",
        default="foryou,digests,memory",
        help="what to measure after the build; 'build' builds (or completes) --home only",
    )
    parser.add_argument(
        "--texts-from",
        type=Path,
        help="reuse this snapshot's texts, cycled, instead of generating --papers new ones",
    )
    args = parser.parse_args()
    if args.scale:
        import recommend_scale

        recommend_scale.run(args)
    else:
        quality(args)


if __name__ == "__main__":
    sys.exit(main())
