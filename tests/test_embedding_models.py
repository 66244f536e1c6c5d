"""The embedding interface: wordllama by default, or a model2vec or sentence-transformers model
on disk; an index built by another model than the configured one is refused until rebuilt."""

import io
import json
import re
from datetime import UTC, datetime
from functools import cache

import numpy as np
import pytest
from conftest import SNAPSHOT_200, examples
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dailypapers.search.embeddings import (
    WordLlamaEmbedder,
    WordPieces,
    load_embedder,
    paper_text,
)
from dailypapers.search.index import IndexMissing, open_index
from dailypapers.search.indexer import rebuild
from dailypapers.search.query import compile_query
from dailypapers.search.service import ranked_ids

pytestmark = pytest.mark.django_db


def test_wordllama_loads_from_its_wheel_and_gives_unit_vectors():
    model = WordLlamaEmbedder()
    vectors = model.encode(["graph neural networks", "quantum error correction", ""])
    assert vectors.shape == (3, 256) and vectors.dtype == np.float32
    assert not np.isnan(vectors).any() and not vectors[2].any()
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)
    similar, different = (
        vectors[0] @ model.encode(["neural networks on graphs"])[0],
        (vectors[0] @ vectors[1]),
    )
    assert similar > different


@pytest.fixture(scope="module")
def wordllama():
    """One model for the module: loading it costs a second (its tokenizer, twice)."""
    return WordLlamaEmbedder()


@pytest.mark.parametrize("batch", [1, 3, 300])
def test_wordllama_vectors_are_wordllamas_own_mean_of_token_vectors(wordllama, batch):
    """encode() sums token vectors itself (no padding); it must give wordllama's own vectors,
    up to the order of the additions, whatever the batch and however long or empty a text."""
    model = wordllama
    words = [
        "graph",
        "neural",
        "networks",
        "quantum",
        "error",
        "correction",
        "Müller",
        "façade",
        "𝔽",
        "$x^2$",
    ]
    texts = ["", "   ", "x", "Attention is all you need. " * 40] + [
        " ".join(words[i % len(words) :] + words[: i % 7]) for i in range(batch)
    ]
    ours = model.encode(texts)
    theirs = model.model.embed(texts, batch_size=256)
    norms = np.linalg.norm(theirs, axis=1, keepdims=True)
    theirs = theirs / np.where(norms > 0, norms, 1.0)
    assert np.abs(ours - theirs).max() < 1e-6
    assert not ours[0].any() and ours[2].any()


@cache
def unpadded(model):
    """A copy of the model's own tokenizer without padding, one per model object: writing the
    tokenizer out (to_str) costs 50 ms, so it must not be done per example."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(model.model.tokenizer.to_str())
    tokenizer.no_padding()
    return tokenizer


def whole_text_ids(model, texts):
    """The token ids of wordllama's own tokenizer, run over each whole text (no padding)."""
    tokenizer = unpadded(model)
    return [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]


def word_ids(model, texts):
    """The ids WordPieces gives, one list per text."""
    ids, lengths = model.tokens.ids(texts)
    assert len(lengths) == len(texts) and lengths.sum() == len(ids)
    return [part.tolist() for part in np.split(ids, np.cumsum(lengths)[:-1])]


def real_texts() -> list[str]:
    """Every title and abstract of the arXiv snapshot fixture, as the index embeds them."""
    rows = [json.loads(line) for line in SNAPSHOT_200.read_text().splitlines()]
    return [paper_text(row["title"], row["abstract"]) for row in rows]


def test_wordllama_tokenizes_word_by_word_exactly_as_its_tokenizer_on_real_abstracts(
    wordllama, monkeypatch
):
    """The remembered words give the ids the whole-text tokenizer gives, in the same order,
    so the same vectors, bit for bit; a second pass answers from memory alone."""
    texts = real_texts()
    assert wordllama.tokens.words is not None, "wordllama's tokenizer must split into words"
    assert word_ids(wordllama, texts) == whole_text_ids(wordllama, texts)
    assert word_ids(wordllama, texts) == whole_text_ids(wordllama, texts)  # remembered
    ours = wordllama.encode(texts)
    monkeypatch.setattr(wordllama.tokens, "words", None)  # the whole-text path
    assert np.array_equal(ours, wordllama.encode(texts))


SPACES = " \t\n\r\u00a0\u2581\u3000"
AWKWARD = st.one_of(
    st.text(),  # any unicode, surrogates excluded
    st.text(alphabet=SPACES + "ab'’0123456789.,-() $\\^_{}<>/s", max_size=200),
    st.sampled_from(["<s>", "</s>", "<unk>", "don't", "l'état", "1e-9", "  x  ", "▁▁y"]),
)


@hypothesis_settings(max_examples=examples(300), deadline=None)
@given(texts=st.lists(st.lists(AWKWARD, max_size=12).map("".join), min_size=1, max_size=6))
def test_wordllama_tokenizes_any_text_exactly_as_its_tokenizer(wordllama, texts):
    """Unicode, whitespace runs and other spaces, digits, apostrophes, "▁" typed in the
    text, wordllama's special tokens written out: always the whole-text ids."""
    assert word_ids(wordllama, texts) == whole_text_ids(wordllama, texts)


@hypothesis_settings(max_examples=examples(20), deadline=None)
@given(word=AWKWARD, repeat=st.integers(1, 3000), spaces=st.sampled_from([" ", "  ", "\n"]))
def test_wordllama_tokenizes_very_long_texts_exactly(wordllama, word, repeat, spaces):
    texts = [spaces.join([word] * repeat), real_texts()[0] * (repeat // 100 + 1)]
    assert word_ids(wordllama, texts) == whole_text_ids(wordllama, texts)


def test_the_word_memory_stays_bounded_and_exact(wordllama, monkeypatch):
    monkeypatch.setattr(WordPieces, "MEMORY", 50)
    monkeypatch.setattr(wordllama.tokens, "words", {})
    texts, sizes = real_texts()[:40], []
    for start in range(0, 40, 4):
        batch = texts[start : start + 4]
        assert word_ids(wordllama, batch) == whole_text_ids(wordllama, batch)
        sizes.append(len(wordllama.tokens.words))
    assert max(sizes) <= 50 + 4 * 400
    assert sizes != sorted(sizes), "the memory must have started afresh"


def test_a_tokenizer_that_does_not_split_into_words_is_run_on_whole_texts(wordllama):
    """Any other normalizer, or a pre-tokenizer, and the memory is not used at all."""
    spec = json.loads(wordllama.model.tokenizer.to_str())
    spec["normalizer"]["normalizers"].append({"type": "Lowercase"})
    lowercased = WordPieces(json.dumps(spec))
    assert lowercased.words is None
    ids, lengths = lowercased.ids(["Graph Neural", ""])
    assert ids.tolist() == whole_text_ids(wordllama, ["graph neural"])[0]
    assert lengths.tolist() == [len(ids), 0]


def test_unknown_model_is_a_clear_error():
    with pytest.raises(ValueError, match="'wordllama', 'model2vec:/path' or 'sentence-trans"):
        load_embedder("word2vec-from-the-internet")


@pytest.fixture
def tiny_static_model(tmp_path):
    """A model2vec model with a 9-word vocabulary and made-up vectors, built here, offline:
    words about one topic share a direction."""
    pytest.importorskip("model2vec", reason="needs the neural extra")
    from model2vec import StaticModel
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    topics = {"quantum": 0, "qubits": 0, "surface": 0, "codes": 0, "noise": 0}
    topics |= {"graph": 1, "neural": 1, "networks": 1}
    vocab = {"[UNK]": 0, "[PAD]": 1} | {w: i + 2 for i, w in enumerate(topics)}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    vectors = np.random.default_rng(7).normal(0, 0.1, (len(vocab), 8)).astype(np.float32)
    for word, topic in topics.items():
        vectors[vocab[word], topic] += 1.0
    path = tmp_path / "tiny-static"
    StaticModel(vectors=vectors, tokenizer=tokenizer, normalize=True).save_pretrained(str(path))
    return path


def test_a_model2vec_model_on_disk_plugs_in(tiny_static_model):
    model = load_embedder(f"model2vec:{tiny_static_model}")
    assert (model.name, model.dimensions) == ("model2vec:tiny-static", 8)
    vectors = model.encode(["Surface codes", "quantum noise", "graph neural networks", ""])
    assert vectors.dtype == np.float32 and not vectors[3].any()
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > 0.8 > vectors[0] @ vectors[2]


def test_an_index_built_by_another_model_is_refused_until_rebuilt(
    tiny_static_model, settings, search_index, make_paper
):
    make_paper("2611.00001", title="Quantum error correction", abstract="Surface codes.")
    make_paper("2611.00002", title="Graph neural networks", abstract="Message passing.")
    assert rebuild().meta["model"] == "wordllama-l2_supercat-256"
    settings.SEARCH_EMBEDDING_MODEL = f"model2vec:{tiny_static_model}"
    open_index.forget()
    refused = (
        "built with the embedding model wordllama-l2_supercat-256, but "
        "DAILYPAPERS_EMBEDDING_MODEL is now model2vec:tiny-static: run `dailypapers reindex`"
    )
    for command in (["check"], ["reindex", "--incremental"]):
        with pytest.raises(CommandError, match=re.escape(refused)):
            call_command(*command, stdout=io.StringIO())
    with pytest.raises(IndexMissing, match=re.escape(refused)):  # the search page says so
        ranked_ids(compile_query("surface codes"), 5)
    call_command("reindex", stdout=io.StringIO())
    assert open_index.get().meta["model"] == "model2vec:tiny-static"
    assert open_index.get().dimensions == 8
    assert ranked_ids(compile_query("qubits"), 5, "semantic")[0] == "2611.00001"


@pytest.fixture
def tiny_sentence_transformer(tmp_path):
    """A two-layer BERT with random weights and a 60-word vocabulary, built here, offline."""
    pytest.importorskip("sentence_transformers", reason="needs the neural extra")
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    words = [
        "graph",
        "neural",
        "network",
        "networks",
        "quantum",
        "error",
        "correction",
        "surface",
        "codes",
        "qubits",
        "noise",
        "translation",
        "machine",
        "attention",
        "language",
        "model",
        "learning",
        "molecule",
        "property",
        "prediction",
        "message",
        "passing",
        "survey",
        "transformers",
        "protect",
        "logical",
        "from",
        "on",
        "for",
        "of",
        "with",
        "a",
        "the",
        "in",
    ]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *dict.fromkeys(words)]
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "vocab.txt").write_text("\n".join(vocab))
    BertTokenizerFast(vocab_file=str(raw / "vocab.txt")).save_pretrained(raw)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(raw)
    encoder = Transformer(str(raw), max_seq_length=64)
    model = SentenceTransformer(modules=[encoder, Pooling(32)], device="cpu")
    path = tmp_path / "tiny-model"
    model.save(str(path))
    return path


@pytest.mark.system  # imports torch and sentence-transformers: 11 s of the fast tier
def test_a_sentence_transformers_model_on_disk_plugs_in(
    tiny_sentence_transformer, settings, search_index, make_paper
):
    settings.SEARCH_EMBEDDING_MODEL = f"sentence-transformers:{tiny_sentence_transformer}"
    model = load_embedder(settings.SEARCH_EMBEDDING_MODEL)
    assert model.dimensions == 32
    make_paper(
        "2611.00001",
        title="Quantum error correction",
        abstract="Surface codes protect qubits from noise.",
        published=datetime(2026, 1, 1, tzinfo=UTC),
    )
    make_paper("2611.00002", title="Graph neural networks", abstract="Message passing.")
    folder = rebuild()
    assert folder.meta["model"] == f"sentence-transformers:{tiny_sentence_transformer.name}"
    assert folder.dimensions == 32
    assert ranked_ids(compile_query("surface codes"), 5)[0] == "2611.00001"
    assert set(ranked_ids(compile_query("qubits"), 5, "semantic")) == {"2611.00001", "2611.00002"}
