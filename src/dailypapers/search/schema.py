"""What the text index holds and how its words are cut: one analyzer for indexing, queries
and highlighting, so that all three always stem alike."""

import string
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import tantivy

from .query import STOPWORDS

# Words of one character carry nothing a search can use, as stop words do: Latin letters,
# digits and the Greek letters of "TGF-β" and "IFN-γ".
SINGLE_CHARACTERS = frozenset(
    [*string.ascii_lowercase, *string.digits, *map(chr, range(ord("α"), ord("ω") + 1))]
)


def paper_analyzer() -> tantivy.TextAnalyzer:
    r"""Runs of letters or digits, lowercased, without English stop words and without the
    single characters above, Snowball-stemmed (docs/search.md has what each part measured).

    Tantivy's simple tokenizer, not a regular expression: `[^\W_]{2,}` gave the same tokens
    for 14,191 of 14,222 texts (arXiv, CACM, SciFact, their queries) and cost 393 us an
    arXiv abstract against 42, most of the text index's build time (session 12). The others
    keep a superscript or a rarer single letter ("km²", "å")."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.custom_stopword(sorted(STOPWORDS | SINGLE_CHARACTERS)))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


ANALYZER = "paper_text"


def open_text_index(path: Path, reuse: bool = True) -> tantivy.Index:
    text = tantivy.Index(SCHEMA, path=str(path), reuse=reuse)
    text.register_tokenizer(ANALYZER, paper_analyzer())
    return text


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    # Nothing is read back from Tantivy's document store: a hit's row is its "ordinal" fast
    # field, and ids and vectors are in the folder's own files by that row.
    builder.add_text_field("arxiv_id", tokenizer_name="raw")
    builder.add_integer_field("ordinal", fast=True)
    # Title and abstract together: one length norm, as BM25 expects (and measured better).
    builder.add_text_field("text", tokenizer_name=ANALYZER)
    builder.add_text_field("authors", tokenizer_name="default")
    builder.add_text_field("categories", tokenizer_name="raw")
    builder.add_date_field("published", indexed=True, fast=True)
    builder.add_date_field("updated", indexed=True, fast=True)
    # The kinds of the paper's published links ("code", "project"…), for has:code.
    builder.add_text_field("links", tokenizer_name="raw")
    return builder.build()


SCHEMA = build_schema()


@dataclass
class PaperDoc:
    arxiv_id: str
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    published: datetime
    updated: datetime
    content_hash: str
    link_kinds: tuple[str, ...] = ()


def tantivy_doc(doc: PaperDoc, ordinal: int) -> tantivy.Document:
    return tantivy.Document(
        arxiv_id=doc.arxiv_id,
        ordinal=ordinal,
        text=f"{doc.title}\n{doc.abstract}",
        authors=" ; ".join(doc.authors),
        categories=list(doc.categories) or [""],
        published=doc.published,
        updated=doc.updated,
        links=list(doc.link_kinds) or [""],
    )


def date_range_query(
    start: date | None, end: date | None, field_name: str = "published"
) -> tantivy.Query:
    lower = datetime(start.year, start.month, start.day, tzinfo=UTC) if start else None
    upper = datetime(end.year, end.month, end.day, 23, 59, 59, tzinfo=UTC) if end else None
    return tantivy.Query.range_query(SCHEMA, field_name, tantivy.FieldType.Date, lower, upper)
