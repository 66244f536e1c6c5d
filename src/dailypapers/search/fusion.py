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


def weight_vector(weights: dict[str, float], signals: tuple[str, ...]) -> np.ndarray:
    """Weights in the order of signals; a signal the weights do not name counts 0."""
    return np.asarray([weights.get(name, 0.0) for name in signals])


def write_row(model: str, weights: dict[str, float], measured: dict) -> None:
    """Set one model's row (weights, and what they were measured to give) in the table."""
    rows = json.loads(TABLE.read_text())
    rows[model] = {"weights": weights, "measured": measured}
    TABLE.write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n")
    table.cache_clear()
