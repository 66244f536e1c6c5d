"""Learn the fusion weights of an embedding model on the dev queries, and write them to the
table the index records (src/dailypapers/search/fusion_weights.json).

    python bench/tune_fusion.py --model wordllama [--write] [--workdir DIR]

Builds SciFact and CACM with that model (as bench/relevance.py does; --workdir reuses the
builds), takes every dev query's fusion candidates and their signals (ranking.SIGNALS), and
compares, each under the same cross-validation:
- hand weights: z(bm25) + a·z(cosine) + b·z(feedback), a and b chosen by grid search;
- learnt: logistic regression over all the signals (relevant or not, per candidate).
Cross-validation: 5 folds of SciFact's 809 dev queries, 5 folds of CACM's 26, and each
collection scored with weights fitted on the other one alone. The row written is the method
with the better mean of the two collections' cross-validated nDCG@10, fitted on all dev
queries of both (each collection weighs the same in the fit: CACM's 26 queries would
otherwise count for nothing, and alone would overfit).
"""

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

import numpy as np
from relevance import (
    COLLECTIONS,
    read_jsonl,
    reference_model_path,
    reference_vectors,
    run_child,
    slug,
    z,
)

FOLDS = 5
GRID = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0)
# The signals of today's fusion, and of the fusion with the background neural model
# (docs/search.md: bm25 + cosine + minilm reached both dev targets in session 11; after
# session 12's tokenizer CACM's fell to 0.548 on all dev, and feedback took its
# cross-validated nDCG@10 from 0.549 to 0.560, SciFact's from 0.737 to 0.738).
BASE_SIGNALS = ("bm25", "cosine", "feedback")
NEURAL_SIGNALS = ("bm25", "cosine", "feedback", "minilm")
FEEDBACK_DOCS = 5  # as ranking.FEEDBACK_DOCS: the first candidates are BM25's top hits
# --reference: the signal sets compared with learnt fusion (issue 18, stage 1). Those without
# "minilm" need no query embedding by the neural model.
REFERENCE_SETS = (
    ("bm25", "cosine", "feedback"),
    ("bm25", "minilm"),
    ("bm25", "minilm", "minilm_feedback"),
    ("bm25", "cosine", "minilm"),
    ("bm25", "cosine", "feedback", "minilm"),
    ("bm25", "cosine", "feedback", "minilm", "minilm_feedback"),
    ("bm25", "cosine", "minilm_feedback"),
    ("bm25", "cosine", "feedback", "minilm_feedback"),
)


class Queries:
    """One collection's dev queries: per query the candidates' signals, relevance labels and
    the number of relevant papers."""

    def __init__(self, path: Path):
        data = np.load(path)
        self.names = tuple(str(n) for n in data["names"])
        count = sum(1 for key in data.files if key.startswith("signals"))
        self.signals = [data[f"signals{n}"] for n in range(count)]
        self.relevant = [data[f"relevant{n}"].astype(bool) for n in range(count)]
        self.totals = [int(data[f"total{n}"]) for n in range(count)]
        self.ids = [[str(i) for i in data[f"ids{n}"]] for n in range(count)]
        self.neural = [data[f"neural{n}"].astype(bool) for n in range(count)]

    def add_reference(self, collection: str, model_path: Path, cache: Path | None) -> None:
        """Two more signals from the neural reference model's vectors (bench/relevance.py),
        z-normalised over the same candidates: "minilm", the cosine of query and paper;
        "minilm_feedback", the cosine of the paper and the centroid of the top FEEDBACK_DOCS
        BM25 hits (which needs no query embedding)."""
        docs_file, queries_file = COLLECTIONS[collection]
        docs = read_jsonl(docs_file)
        doc_vectors, query_vectors = reference_vectors(
            docs, read_jsonl(queries_file), model_path, cache
        )
        row = {d["id"]: n for n, d in enumerate(docs)}
        kept = [i for i, name in enumerate(self.names) if name != "minilm"]  # the site's
        self.names = tuple(self.names[i] for i in kept) + ("minilm", "minilm_feedback")
        self.signals = [s[:, kept] for s in self.signals]
        for n, ids in enumerate(self.ids):
            vectors = doc_vectors[[row[i] for i in ids]]
            centroid = vectors[:FEEDBACK_DOCS].mean(axis=0)
            extra = np.column_stack(
                [z(vectors @ query_vectors[n]), z(vectors @ (centroid / np.linalg.norm(centroid)))]
            )
            self.signals[n] = np.column_stack([self.signals[n], extra])

    def only(self, names: tuple[str, ...]) -> "Queries":
        """The same queries with only the signals named."""
        chosen = [self.names.index(name) for name in names]
        copy = object.__new__(Queries)
        copy.__dict__.update(self.__dict__)
        copy.names = names
        copy.signals = [s[:, chosen] for s in self.signals]
        return copy

    def __len__(self) -> int:
        return len(self.signals)

    def ndcg(self, weights: np.ndarray, which=None, k: int = 10) -> float:
        """Mean nDCG@k of the candidates ordered by signals @ weights."""
        scores = []
        for n in range(len(self)) if which is None else which:
            order = np.argsort(-(self.signals[n] @ weights), kind="stable")[:k]
            gains = self.relevant[n][order] / np.log2(np.arange(2, len(order) + 2))
            ideal = (1 / np.log2(np.arange(2, min(k, self.totals[n]) + 2))).sum()
            scores.append(gains.sum() / ideal if ideal else 0.0)
        return float(np.mean(scores))

    def rows(self, which):
        x = np.concatenate([self.signals[n] for n in which])
        y = np.concatenate([self.relevant[n] for n in which])
        # Every query weighs the same, however many candidates it has.
        w = np.concatenate([np.full(len(self.signals[n]), 1 / len(self.signals[n])) for n in which])
        return x, y, w


def hand_weights(names: tuple[str, ...], others: tuple[float, ...]) -> np.ndarray:
    """bm25 weighs 1, and the other signals, in order, the weights given."""
    chosen = dict(zip((n for n in names if n != "bm25"), others, strict=True))
    return np.asarray([1.0 if name == "bm25" else chosen[name] for name in names])


def fit_hand(parts: list[tuple["Queries", list[int]]]) -> np.ndarray:
    """The grid point (a weight from GRID for each signal but bm25) with the best mean
    nDCG@10 over the parts (collection, queries)."""
    names = parts[0][0].names
    best = max(
        itertools.product(GRID, repeat=len(names) - 1),
        key=lambda w: np.mean([q.ndcg(hand_weights(names, w), which) for q, which in parts]),
    )
    return hand_weights(names, best)


def fit_logistic(parts: list[tuple["Queries", list[int]]]) -> tuple[np.ndarray, float]:
    """Logistic regression over all signals, each part weighing the same: the coefficients
    and intercept, so that signals @ coefficients + intercept is the log-odds of relevance."""
    from sklearn.linear_model import LogisticRegression

    xs, ys, ws = zip(*(q.rows(which) for q, which in parts), strict=True)
    ws = [w / w.sum() for w in ws]
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(np.concatenate(xs), np.concatenate(ys), sample_weight=np.concatenate(ws) * 1000)
    return model.coef_[0], float(model.intercept_[0])


def fit_learnt(parts: list[tuple["Queries", list[int]]]) -> np.ndarray:
    """fit_logistic's coefficients scaled so that bm25's is 1 (only the order matters)."""
    coefficients, _ = fit_logistic(parts)
    bm25 = coefficients[parts[0][0].names.index("bm25")]
    return coefficients / bm25 if bm25 > 0 else coefficients


METHODS = {"hand": fit_hand, "learnt": fit_learnt}


def folds(count: int, seed: int = 0) -> list[list[int]]:
    order = np.random.default_rng(seed).permutation(count)
    return [sorted(order[i::FOLDS].tolist()) for i in range(FOLDS)]


def cross_validate(data: dict[str, "Queries"], fit) -> dict[str, dict[str, float]]:
    """Per collection: nDCG@10 over its dev queries, each fold scored with weights fitted on
    the other folds of both collections; and with weights fitted on the other collection."""
    report = {}
    for name, queries in data.items():
        others = [(q, list(range(len(q)))) for n, q in data.items() if n != name]
        scored = []
        for fold in folds(len(queries)):
            rest = [n for n in range(len(queries)) if n not in set(fold)]
            weights = fit([(queries, rest), *others])
            scored.append(queries.ndcg(weights, fold) * len(fold))
        report[name] = {
            "cross-validated": sum(scored) / len(queries),
            "fitted on the other collection": queries.ndcg(fit(others)) if others else None,
        }
    return report


def assess(data: dict[str, "Queries"], fit) -> dict:
    """A fusion method's weights fitted on all dev queries, its cross-validated nDCG@10 per
    collection, their mean, and nDCG@10 in-sample."""
    everything = [(q, list(range(len(q)))) for q in data.values()]
    names = next(iter(data.values())).names
    report = cross_validate(data, fit)
    weights = fit(everything)
    return {
        "weights": {n: round(float(w), 4) for n, w in zip(names, weights, strict=True)},
        "cv": report,
        "mean": float(np.mean([r["cross-validated"] for r in report.values()])),
        "fitted on all dev": {n: q.ndcg(weights) for n, q in data.items()},
    }


def print_assessment(label: str, result: dict) -> None:
    print(f"{label}: weights {result['weights']}")
    for collection, row in result["cv"].items():
        other = row["fitted on the other collection"]
        print(
            f"  {collection:<8} nDCG@10 cross-validated {row['cross-validated']:.4f},"
            f" fitted on the other collection {other:.4f},"
            f" fitted on all dev {result['fitted on all dev'][collection]:.4f}"
        )


def neural_row(data: dict[str, "Queries"]) -> dict:
    """The fusion row of the embedding model with the background neural model
    (fusion.neural_row): logistic log-odds over NEURAL_SIGNALS for candidates with a neural
    vector, and over BASE_SIGNALS for those without (the fallback), fitted on all dev
    queries of both collections, with the neural set's cross-validated numbers."""
    parts = {n: q.only(NEURAL_SIGNALS) for n, q in data.items()}
    assessed = assess(parts, fit_learnt)
    print_assessment(f"learnt {' + '.join(NEURAL_SIGNALS)}", assessed)
    row = {}
    for key, names in (("neural", NEURAL_SIGNALS), ("fallback", BASE_SIGNALS)):
        everything = [(q.only(names), list(range(len(q)))) for q in data.values()]
        coefficients, intercept = fit_logistic(everything)
        weights = {n: round(float(w), 4) for n, w in zip(names, coefficients, strict=True)}
        row[key] = {"weights": weights, "intercept": round(intercept, 4)}
    return {
        **row["neural"],
        "fallback": row["fallback"],
        "measured": {"method": "learnt", "nDCG@10 on dev": rounded(assessed)},
    }


def rounded(result: dict) -> dict:
    return {
        collection: {
            "cross-validated": round(row["cross-validated"], 4),
            "fitted on the other collection": round(row["fitted on the other collection"], 4),
            "fitted on all dev": round(result["fitted on all dev"][collection], 4),
        }
        for collection, row in result["cv"].items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="wordllama", help="DAILYPAPERS_EMBEDDING_MODEL value")
    parser.add_argument("--workdir", type=Path, help="keep built collections here for next time")
    parser.add_argument("--write", action="store_true", help="write the chosen row to the table")
    parser.add_argument(
        "--reference",
        action="store_true",
        help="also compare learnt fusions with the neural reference's signals (MiniLM, as "
        "bench/relevance.py computes it; cached in --workdir)",
    )
    parser.add_argument(
        "--neural",
        action="store_true",
        help="learn (and with --write, write) the row of the model with the background neural "
        "model instead, after computing its vectors (needs `make neural-model`)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dailypapers-fusion-") as tmp:
        workdir = args.workdir or Path(tmp)
        data, model_name = {}, None
        for collection in COLLECTIONS:
            signals = Path(tmp) / f"{collection}.npz"
            home = workdir / f"{collection}-{slug(args.model)}"
            model_name = run_child(collection, home, args.model, signals, args.neural)["model"]
            data[collection] = Queries(signals)
        if args.reference:
            reference = reference_model_path(None, workdir)
            for collection, queries in data.items():
                queries.add_reference(collection, reference, args.workdir)
    if args.neural:
        from dailypapers.search import fusion, neural

        if not all(q.neural[n].all() for q in data.values() for n in range(len(q))):
            raise SystemExit("some candidates have no neural vector: is the model installed?")
        row = neural_row(data)
        if args.write:
            fusion.write_row(f"{model_name}+{neural.NAME}", **row)
            print(f"wrote {model_name}+{neural.NAME}'s row to {fusion.TABLE}")
        return
    if args.reference:
        for names in REFERENCE_SETS:
            subset = {n: q.only(names) for n, q in data.items()}
            print_assessment(f"learnt {' + '.join(names)}", assess(subset, fit_learnt))
            if len(names) <= 3:  # the grid grows as len(GRID) ** (signals - 1)
                print_assessment(f"hand {' + '.join(names)}", assess(subset, fit_hand))
    data = {n: q.only(BASE_SIGNALS) for n, q in data.items()}
    results = {method: assess(data, fit) for method, fit in METHODS.items()}
    for method, result in results.items():
        print_assessment(method, result)
    best = max(results, key=lambda m: results[m]["mean"])
    print(f"model {model_name}: {best} fusion is better under cross-validation")
    if args.write:
        from dailypapers.search import fusion

        measured = {
            "method": best,
            "nDCG@10 on dev": {method: rounded(result) for method, result in results.items()},
        }
        fusion.write_row(model_name, results[best]["weights"], measured)
        print(f"wrote {model_name}'s weights to {fusion.TABLE}")


if __name__ == "__main__":
    sys.exit(main())
