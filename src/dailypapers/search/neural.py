"""The neural signal computed in the background (issue 18): all-MiniLM-L6-v2, quantized to
int8 ONNX and run by onnxruntime (no torch), from the `dailypapers-minilm` wheel that
`make neural-model` builds (bench/export_onnx.py). Optional: without the wheel, or for papers
whose neural vector is not computed yet, search ranks as before (ranking.py).

Too slow for the import path (measured in docs/search.md), so `dailypapers embed-neural`
computes the vectors after import, resumably; `check` reports how many are pending.
"""

import contextlib
import importlib.util
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np

# Loaded before usearch can be (folder.py imports this module first): importing onnxruntime
# 1.32 after usearch 2.26 crashes the process (SIGSEGV in onnxruntime's pybind module).
# Without it, search works as before the neural signal.
with contextlib.suppress(ImportError):
    import onnxruntime  # noqa: F401

NAME = "minilm-l6-int8"
DIMENSIONS = 384


class NeuralEmbedder:
    """Unit-length MiniLM vectors of texts (float32 rows)."""

    name = NAME
    dimensions = DIMENSIONS

    def __init__(self, workers: int = 0):
        import dailypapers_minilm as package
        import onnxruntime
        from tokenizers import Tokenizer

        # One thread per run, without spinning; parallel over texts instead (`workers`). A
        # query on two intra-op threads took twice the CPU of one (p50 33 vs 16 ms of CPU,
        # 835 dev queries, load average 11), and spinning threads hurt everyone else.
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.workers = workers or min(2, os.cpu_count() or 1)
        self.session = onnxruntime.InferenceSession(
            str(package.MODEL), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(package.TOKENIZER))
        self.tokenizer.enable_truncation(package.MAX_TOKENS)
        # The teacher's tokenizer.json pads every text to 128 tokens: a 20-token query cost
        # the CPU of 128 (15 ms; the mask keeps the vector, up to int8 rounding).
        self.tokenizer.no_padding()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Each text in a run of its own: dynamic int8 quantization scales the activations
        per run, so in a batch a text's vector would depend on its batch-mates (cosine 0.993
        to its vector alone). Alone is also fastest, with no padding (SciFact abstracts, one
        thread: 27 papers/s of CPU alone, 22 in batches of 8, 19 of 32)."""
        if len(texts) < 2 or self.workers < 2:
            rows = [self._one(text) for text in texts]
        else:  # onnxruntime and tokenizers release the GIL
            with ThreadPoolExecutor(self.workers) as pool:
                rows = list(pool.map(self._one, texts))
        return np.stack(rows) if rows else np.zeros((0, DIMENSIONS), np.float32)

    def _one(self, text: str) -> np.ndarray:
        encoded = self.tokenizer.encode(text)
        feed = {
            "input_ids": np.asarray([encoded.ids], dtype=np.int64),
            "attention_mask": np.asarray([encoded.attention_mask], dtype=np.int64),
            "token_type_ids": np.asarray([encoded.type_ids], dtype=np.int64),
        }
        return self.session.run(["embedding"], feed)[0][0]


def available() -> bool:
    """Whether the model's wheel and onnxruntime are installed."""
    return all(importlib.util.find_spec(m) for m in ("dailypapers_minilm", "onnxruntime"))


@cache
def neural_embedder() -> NeuralEmbedder | None:
    """The process's neural model, or None when it is not installed."""
    return NeuralEmbedder() if available() else None
