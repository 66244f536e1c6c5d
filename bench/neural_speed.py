"""Speed of the background neural model (search/neural.py) against wordllama (the import
path's model) in the same run: papers/s embedding paper texts on two threads, and the
latency of embedding a query (p50 / p95 over the dev queries of SciFact and CACM), with the
disk and memory the vectors take at 2.7M papers, by arithmetic from their row size.

    python bench/neural_speed.py [--papers 400]

Paper texts are SciFact abstracts (read from ../shared, never copied); the queries are
SciFact's and CACM's dev queries. Nothing is written.
"""

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "relevance"
PAPERS_AT_SCALE = 2_700_000


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def papers_per_second(encode, texts: list[str], threads: int) -> float:
    """Wall-clock rate of encoding texts split over threads (each its own slice)."""
    slices = [texts[i::threads] for i in range(threads)]
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(encode, slices))
    return len(texts) / (time.perf_counter() - started)


def latencies_ms(encode, queries: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Wall-clock and CPU milliseconds of embedding each query alone."""
    wall, cpu = [], []
    for query in queries:
        started, used = time.perf_counter(), time.process_time()
        encode([query])
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return np.asarray(wall), np.asarray(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=400, help="SciFact abstracts to embed")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
    import django

    django.setup()
    from dailypapers.search.embeddings import load_embedder, paper_text
    from dailypapers.search.neural import NeuralEmbedder

    docs = read_jsonl(DATA / "scifact" / "scifact_docs.jsonl")[: args.papers]
    texts = [paper_text(d["title"], d["abstract"]) for d in docs]
    queries = [
        q["query"]
        for name in ("scifact", "cacm")
        for q in read_jsonl(DATA / name / "queries_dev.jsonl")
    ]
    wordllama = load_embedder("wordllama")
    # Background: embed-neural's model, one run per text on each of two threads.
    background = NeuralEmbedder(workers=1)
    models = {"wordllama (import path)": wordllama.encode, "MiniLM int8 ONNX": background.encode}
    for encode in models.values():
        encode(texts[:8])  # warm up
    print(f"{len(texts)} SciFact abstracts, {len(queries)} dev queries; load {os.getloadavg()}")
    rates = {}
    for label, encode in models.items():
        rates[label] = papers_per_second(encode, texts, threads=2)
        print(f"  {label:<26} {rates[label]:8.1f} papers/s on 2 threads")
    base, neural = rates.values()
    print(f"  ratio MiniLM / wordllama: {neural / base:.3f}")
    # Queries: what a search process does, one text on one thread; wall and CPU time.
    for label, encode in {
        "wordllama": wordllama.encode,
        "MiniLM int8 ONNX": background.encode,
    }.items():
        encode(queries[:8])
        wall, cpu = latencies_ms(encode, queries)
        print(
            f"  query embedding, {label:<18} wall p50 {np.percentile(wall, 50):6.2f} ms,"
            f" p95 {np.percentile(wall, 95):6.2f} ms; CPU p50 {np.percentile(cpu, 50):6.2f} ms,"
            f" p95 {np.percentile(cpu, 95):6.2f} ms"
        )
    row = 384 + 32  # int8 vector + content hash
    hours = PAPERS_AT_SCALE / neural / 3600
    print(
        f"at {PAPERS_AT_SCALE:,} papers: neural.i8 + neural_hashes.bin"
        f" {PAPERS_AT_SCALE * row / 1e9:.2f} GB on disk, memory-mapped (search reads only"
        f" its ~200 candidates' rows); embedding them all: {hours:.1f} h at {neural:.1f}/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
