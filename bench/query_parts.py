"""Where a hybrid query's CPU goes: each part of the search alone, one after the other, over
one class of bench/search_latency.py's queries (the same queries every run over a home).

    python bench/query_parts.py HOME [--class "3-5 terms"] [--queries 200]

HOME is a DAILYPAPERS_HOME with an index (bench/search_latency.py's WORKDIR/SIZE/home). The
parts: BM25 (bm25_hits), the proximity bonuses over its top hits, wordllama's query
embedding, the graph (or the exact scan past it), MiniLM's query embedding (when the neural
model is installed), and the whole `ranked_ids` call; "rest" is the whole less the parts
(fusion, and what two threads cost each other). CPU time of this process, so a busy
machine inflates the parts less than it does wall time. Compare two code lines by running
each over the same home (PYTHONPATH=OTHER/src for the other one).
"""

import argparse
import time
from pathlib import Path

from search_latency import CLASSES, query_sets, use_home


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("home", type=Path)
    parser.add_argument("--class", dest="kind", default="3-5 terms", choices=CLASSES)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    use_home(args.home)
    import numpy as np

    from dailypapers.search import index, ranking
    from dailypapers.search.embeddings import embedder
    from dailypapers.search.neural import neural_embedder
    from dailypapers.search.query import compile_query
    from dailypapers.search.service import ranked_ids

    queries, warm = query_sets(args.queries)
    folder = index.open_index.get()
    for text in warm:
        ranked_ids(compile_query(text), 20)
    neural = neural_embedder()
    names = ["BM25", "bonuses", "wordllama", "graph", "MiniLM", "rest", "whole"]
    spent = {name: [] for name in names}
    for text, filters, mode in queries[args.kind]:
        query = compile_query(text, **filters)
        filter_query = ranking.filter_query(query)
        depth = max(20, ranking.KEYWORD_DEPTH)
        marks = [time.process_time()]
        ranking.bm25_hits(
            folder, ranking.keyword_clauses(query), filter_query, max(depth, ranking.RESCORE_DEPTH)
        )
        marks.append(time.process_time())
        ranking.keyword_hits(folder, query, filter_query, depth)  # BM25 again, then bonuses
        marks.append(time.process_time())
        vector = embedder().encode([query.text])[0]
        marks.append(time.process_time())
        folder.nearest(vector, max(depth, ranking.SEMANTIC_DEPTH))
        marks.append(time.process_time())
        if neural is not None:
            neural.encode([query.text])
        marks.append(time.process_time())
        ranked_ids(query, 20, mode)
        marks.append(time.process_time())
        bm25, keyword, wordllama, graph, minilm, whole = np.diff(marks) * 1000
        parts = {
            "BM25": bm25,
            "bonuses": keyword - bm25,
            "wordllama": wordllama,
            "graph": graph,
            "MiniLM": minilm,
        }
        parts["rest"] = whole - sum(parts.values())
        parts["whole"] = whole
        for name, value in parts.items():
            spent[name].append(value)
    print(f"{folder.count:,} papers, {len(queries[args.kind])} {args.kind!r} queries, CPU ms")
    print(f"{'part':<10} {'mean':>7} {'p50':>7} {'p95':>7}")
    for name in names:
        values = np.asarray(spent[name])
        print(
            f"{name:<10} {values.mean():7.2f} {np.percentile(values, 50):7.2f} "
            f"{np.percentile(values, 95):7.2f}"
        )


if __name__ == "__main__":
    main()
