"""Fusion weights per embedding model: how much each ranking signal (ranking.SIGNALS) counts,
for the model that built an index.

A stronger embedding model deserves more weight than wordllama (issue 18: MiniLM fused at 0.2
under-uses it), so the weights are a table keyed by the model's name (`Embedder.name`), in
fusion_weights.json next to this module. A build records its model's weights in the index
folder's meta.json, so a search always uses the weights of the model that built the index it
reads; a folder from before the table uses its model's row. A model without a row gets the
"default" row.

`python bench/tune_fusion.py --model SPEC --write` learns a model's row on the dev queries of
SciFact and CACM and writes it here (docs/search.md, "Fusion").
"""

import json
from functools import cache
from pathlib import Path

import numpy as np

TABLE = Path(__file__).with_name("fusion_weights.json")
DEFAULT = "default"


@cache
def table() -> dict[str, dict]:
    return json.loads(TABLE.read_text())


def weights_for(model: str) -> dict[str, float]:
    """The signal weights of an embedding model (the default row when it has none)."""
    rows = table()
    return dict(rows.get(model, rows[DEFAULT])["weights"])


def neural_row(model: str, neural: str) -> dict | None:
    """The fusion of an embedding model with the background neural model (ranking.py): the
    "weights" and "intercept" for candidates that have a neural vector, the "fallback" ones
    for those that do not, both log-odds of relevance so that the two mix in one ranking.
    None when the pair has no row (search then ignores the neural vectors)."""
    row = table().get(f"{model}+{neural}")
    return {k: row[k] for k in ("weights", "intercept", "fallback")} if row else None


def weight_vector(weights: dict[str, float], signals: tuple[str, ...]) -> np.ndarray:
    """Weights in the order of signals; a signal the weights do not name counts 0."""
    return np.asarray([weights.get(name, 0.0) for name in signals])


def write_row(model: str, weights: dict[str, float], measured: dict, **more) -> None:
    """Set one model's row (weights, what they were measured to give, and for a row of a
    neural model its intercept and fallback) in the table."""
    rows = json.loads(TABLE.read_text())
    rows[model] = {"weights": weights, "measured": measured, **more}
    TABLE.write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n")
    table.cache_clear()
