"""Text embedders behind one small interface.

The default, wordllama, ships its weights inside its PyPI wheel, so nothing is downloaded.
`DAILYPAPERS_EMBEDDING_MODEL` picks a model on disk instead: `model2vec:/path/to/model` (a
static model, e.g. one distilled by bench/distill_model.py) or
`sentence-transformers:/path/to/model` (both need the `neural` extra).
"""

import copy
import itertools
import json
import operator
import re
import threading
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np
from django.conf import settings


class Embedder(Protocol):
    name: str
    dimensions: int
    # Whether a forked child may encode with a copy of this model (a rebuild embeds in one:
    # folder.py). Not for torch's or onnxruntime's models: a child forked after their thread
    # pools ran hangs in its first product (a test's rebuild hung in layer_norm, session 12).
    fork_safe: bool

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""


class WordLlamaEmbedder:
    """wordllama's model: the mean of its token vectors. Averaged here over the tokens
    themselves rather than through wordllama's `embed`, which pads every batch to its
    longest text and multiplies the padding by a mask: 2.4x less CPU (docs/search.md). The
    sums are added in another order, so a vector may differ from `embed`'s in its last bit
    (as `embed`'s own do with the batch a text lands in). The token ids come from
    `WordPieces`, wordllama's own tokenizer remembered word by word."""

    name = "wordllama-l2_supercat-256"
    fork_safe = True  # numpy, scipy, and the tokenizers library, which disables its threads

    def __init__(self):
        import wordllama

        # Its loader looks for the tokenizer in tokenizer/ but the wheel ships tokenizers/:
        # pointing cache_dir at the package folder finds both, and nothing is downloaded.
        package = Path(wordllama.__file__).parent
        self.model = wordllama.WordLlama.load(cache_dir=package, disable_download=True)
        self.table = self.model.embedding
        self.dimensions = 256
        self.tokens = WordPieces(self.model.tokenizer.to_str())

    def encode(self, texts: list[str]) -> np.ndarray:
        from scipy.sparse import csr_matrix

        ids, lengths = self.tokens.ids(texts)
        ids = np.clip(ids, 0, len(self.table) - 1)
        # Each text's token counts over the vocabulary, times the table: the sum of its token
        # vectors without gathering them (an empty text stays a zero vector).
        counts = csr_matrix(
            (np.ones(len(ids), np.float32), ids, np.concatenate([[0], np.cumsum(lengths)])),
            shape=(len(texts), len(self.table)),
        )
        vectors = np.asarray(counts @ self.table, dtype=np.float32)
        return unit_rows(vectors / np.maximum(lengths, 1)[:, None])


# A word as wordllama's tokenizer sees it: a run of "▁" (its spaces, and the one it puts in
# front of every text) and the characters up to the next "▁".
WORD = re.compile("\u2581+[^\u2581]*")


class WordPieces:
    """The token ids a Hugging Face tokenizer gives each text, without padding, truncation or
    special tokens, remembered word by word. Running wordllama's tokenizer over each text was
    95% of the embedding's CPU: not its BPE, the rest of its pipeline per text (a tokenizer
    that splits into words first costs as much, docs/search.md).

    Exact because of how this tokenizer is built (checked when loading it; any other is run
    on whole texts): its normalizer only puts "▁" in front of the text and turns each space
    into "▁", it has no pre-tokenizer, BPE merges only neighbours into tokens of its
    vocabulary, and no token holds "▁" after another character. So no token crosses the start
    of a word (a run of "▁"), and each word is merged on its own exactly as within the whole
    text. A text holding one of its added tokens ("<s>"...), which it splits out before
    normalizing, is run whole. Thread-safe (a dict read and filled under the GIL); starts
    afresh past MEMORY words, so a long rebuild stays bounded."""

    MEMORY = 1 << 20  # words; ~150 MB with their ids

    def __init__(self, spec: str):
        from tokenizers import Tokenizer

        config = json.loads(spec)
        self.whole = _without_padding(Tokenizer.from_str(spec))
        self.added = [token["content"] for token in config.get("added_tokens", ())]
        # A word's key is the word without its first "▁": in a text with single spaces
        # only, where no word starts with two, str.split finds the keys.
        self.words: dict[str, bytes] | None = None
        if _splits_into_words(config):
            config["normalizer"] = None
            self.bare = _without_padding(Tokenizer.from_str(json.dumps(config)))
            self.words = {}

    def ids(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Every text's ids one after the other, and how many each text has."""
        if self.words is None:
            return _flat(self._whole(texts))
        keys: list[list[str]] = []
        whole = []
        for i, text in enumerate(texts):
            if not text or any(token in text for token in self.added):
                whole += [i] if text else []
                keys.append([])
            elif text[0] == " " or "  " in text or "\u2581" in text:
                keys.append([w[1:] for w in WORD.findall("\u2581" + text.replace(" ", "\u2581"))])
            else:
                keys.append(text.split(" "))
        known = self.words
        if len(known) > self.MEMORY:  # a new dict: another thread may be reading this one
            self.words = known = {}
        flat = list(itertools.chain.from_iterable(keys))
        found = list(map(known.get, flat))
        if None in found:
            missing = map(operator.is_, found, itertools.repeat(None))
            unseen = list(set(itertools.compress(flat, missing)))
            encoded = self.bare.encode_batch(
                ["\u2581" + key for key in unseen], add_special_tokens=False
            )
            known.update(zip(unseen, (_packed(e.ids) for e in encoded), strict=True))
            found = list(map(known.__getitem__, flat))
        # A word's ids are packed as bytes, so joining them is one copy; a text's length is
        # the gap between where its first word's ids start and its last word's end.
        ids = np.frombuffer(b"".join(found), ID)
        word_ends = np.cumsum(np.fromiter(map(len, found), np.int64, len(found))) // ID.itemsize
        text_words = np.cumsum(np.fromiter(map(len, keys), np.int64, len(keys)))
        lengths = np.diff(np.concatenate([[0], word_ends])[text_words], prepend=0)
        if not whole:
            return ids, lengths
        each = np.split(ids, np.cumsum(lengths)[:-1])
        for i, theirs in zip(whole, self._whole([texts[i] for i in whole]), strict=True):
            each[i] = theirs
        return _flat(each)

    def _whole(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.whole.encode_batch(texts, add_special_tokens=False)]


ID = np.dtype(np.int32)


def _packed(ids: list[int]) -> bytes:
    return np.asarray(ids, ID).tobytes()


def _flat(each) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter(map(len, each), np.int64, len(each))
    ids = np.fromiter(itertools.chain.from_iterable(each), ID, lengths.sum())
    return ids, lengths


def _without_padding(tokenizer):
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def _splits_into_words(config: dict) -> bool:
    """Whether WordPieces may tokenize word by word with this tokenizer (see there)."""
    model = config.get("model") or {}
    vocab = model.get("vocab") or {}
    spaces = {
        "type": "Sequence",
        "normalizers": [
            {"type": "Prepend", "prepend": "\u2581"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
        ],
    }
    return (
        model.get("type") == "BPE"
        and not model.get("dropout")
        and config.get("pre_tokenizer") is None
        and config.get("normalizer") == spaces
        and not any(re.search("[^\u2581]\u2581", token) for token in vocab)
        # An unknown character becomes its bytes' tokens, never an <unk> fused with the next.
        and all(f"<0x{byte:02X}>" in vocab for byte in range(256))
        and model.get("byte_fallback") is True
    )


class Model2VecEmbedder:
    """A static model: the mean of its token vectors. Each thread that encodes has its own
    copy of the tokenizer (model2vec sets its truncation on every call, which two threads
    can't share)."""

    fork_safe = False

    def __init__(self, path: Path, name: str):
        from model2vec import StaticModel

        # A local folder is read as it is: model2vec only asks a hub for names it can't find.
        self.model = StaticModel.from_pretrained(path)
        self.dimensions = self.model.dim
        self.name = name
        self.per_thread = threading.local()

    def encode(self, texts: list[str]) -> np.ndarray:
        model = getattr(self.per_thread, "model", None)
        if model is None:
            model = self.per_thread.model = copy.copy(self.model)
            model.tokenizer = copy.deepcopy(self.model.tokenizer)
        vectors = model.encode(texts, batch_size=256, use_multiprocessing=False)
        return unit_rows(np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1))


class SentenceTransformerEmbedder:
    fork_safe = False

    def __init__(self, path: str, name: str):
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self.dimensions = self.model.get_embedding_dimension()
        self.name = name

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=64, convert_to_numpy=True)
        return unit_rows(np.asarray(vectors, dtype=np.float32))


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Unit length; an empty text (a zero vector) stays zero instead of becoming NaN."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def model_name(spec: str) -> str:
    """The name an index records for the model a DAILYPAPERS_EMBEDDING_MODEL value picks,
    known without loading it: an index built by another model must be rebuilt."""
    kind, _, path = spec.partition(":")
    if spec == "wordllama":
        return WordLlamaEmbedder.name
    if kind in ("model2vec", "sentence-transformers") and path:
        return f"{kind}:{Path(path).name}"
    raise ValueError(
        f"unknown embedding model {spec!r}: use 'wordllama', 'model2vec:/path' or "
        "'sentence-transformers:/path'"
    )


@cache
def load_embedder(spec: str) -> Embedder:
    name = model_name(spec)
    if spec == "wordllama":
        return WordLlamaEmbedder()
    kind, _, path = spec.partition(":")
    if kind == "model2vec":
        return Model2VecEmbedder(Path(path), name)
    return SentenceTransformerEmbedder(path, name)


def embedder() -> Embedder:
    return load_embedder(settings.SEARCH_EMBEDDING_MODEL)


def paper_text(title: str, abstract: str) -> str:
    return f"{title}. {abstract}"
