"""The one module that writes Author and Authorship rows.

A paper's author list is resolved to identities in the transaction that imports it (papers'
`papers_written` signal), a batch at a time, and again for every paper by `rebuild()`, which
`reindex` runs. Per batch, in a constant number of queries per 900 names:
1. every name gets the identity of its own key (created when new) and is written;
2. each abbreviated name ("Y. LeCun", "Lucas M. B. Alves") then moves to a full-name
   identity when exactly one identity that `names.may_be` allows has written a paper with
   someone whose name has the same key as one of this paper's other authors (the batch's
   own papers count); otherwise it keeps the identity of its own key.
An identity already on the paper is never a candidate: one author list does not name one
person twice. Evidence grows with the corpus, so an abbreviation left alone on import may
resolve on the next `reindex` (docs/authors.md).
"""

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import DateTimeField

from ..papers.batches import each_chunk
from ..papers.models import Paper
from .models import Author, Authorship
from .names import MAX_SLUG, ParsedName, may_be, parse_name

# SQLite allows 32766 parameters per statement; this stays well under it on every database.
_CHUNK = 900


@dataclass(slots=True)
class _Name:
    paper_id: str
    position: int
    written: str
    parsed: ParsedName
    published: datetime
    author_id: int | None = None


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_authors(papers: Iterable[tuple[str, list[str], datetime]]) -> int:
    """Replace the authorships of (arxiv_id, author names, published) triples; returns how
    many were written."""
    papers = list(papers)
    names = [
        _Name(arxiv_id, position, written, parse_name(written), published)
        for arxiv_id, authors, published in papers
        for position, written in enumerate(authors)
    ]
    names = [name for name in names if name.parsed.slug]
    with transaction.atomic():
        for ids in _chunks([arxiv_id for arxiv_id, _, _ in papers]):
            Authorship.objects.filter(paper_id__in=ids).delete()
        # Every name first gets the identity of its own key, so that the whole batch is
        # evidence; then the abbreviations the co-author graph resolves move.
        _assign_own_identities(names)
        _write(names)
        by_paper: dict[str, list[_Name]] = defaultdict(list)
        for name in names:
            by_paper[name.paper_id].append(name)
        moved = _resolve([name for name in names if name.parsed.abbreviated], by_paper)
        _move(moved)
    return len(names)


def _write(names: list[_Name]) -> None:
    _insert_many(
        Authorship,
        ["paper", "position", "author", "written_slug", "published"],
        [
            (name.paper_id, name.position, name.author_id, name.parsed.slug, name.published)
            for name in names
        ],
    )


def _insert_many(model, names: list[str], rows: list[tuple], conflict: str = "") -> None:
    """One executemany INSERT: bulk_create spent four fifths of the import's author time
    compiling SQL for each row's values (profiled on the bundled sample, 12,500 names)."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
    if conflict:
        sql += f" ON CONFLICT ({quote(conflict)}) DO NOTHING"
    # Only dates need the database's form; a paper's date repeats for each of its authors.
    dates = [index for index, field in enumerate(fields) if isinstance(field, DateTimeField)]
    as_stored = functools.cache(lambda value: fields[dates[0]].get_db_prep_save(value, connection))
    prepared = rows
    if dates:
        prepared = [list(row) for row in rows]
        for row in prepared:
            for index in dates:
                row[index] = as_stored(row[index])
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)


def _assign_own_identities(names: list[_Name]) -> None:
    """Give each name the identity of its own key, creating the missing ones."""
    wanted = {name.parsed.slug: name for name in names}
    known = _ids_of(list(wanted))
    missing = [
        (slug, name.written[:300], name.parsed.surname_key[:MAX_SLUG], name.parsed.abbreviated)
        for slug, name in wanted.items()
        if slug not in known
    ]
    if missing:
        # A concurrent import may create the same identity first: then its row is used.
        _insert_many(Author, ["slug", "name", "surname_key", "abbreviated"], missing, "slug")
        known.update(_ids_of([slug for slug, *_ in missing]))
    for name in names:
        name.author_id = known[name.parsed.slug]


def _ids_of(slugs: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(slugs)):
        found.update(Author.objects.filter(slug__in=chunk).values_list("slug", "id"))
    return found


def _move(moved: list[tuple[_Name, int]]) -> None:
    table = connection.ops.quote_name(Authorship._meta.db_table)
    sql = f"UPDATE {table} SET author_id = %s WHERE paper_id = %s AND position = %s"
    if moved:
        with connection.cursor() as cursor:
            cursor.executemany(sql, [(to, n.paper_id, n.position) for n, to in moved])
    for name, to in moved:
        name.author_id = to


def _resolve(short: list[_Name], by_paper: dict[str, list[_Name]]) -> list[tuple[_Name, int]]:
    """The abbreviated names the co-author graph resolves, with their identities: a
    candidate counts as evidenced when it wrote a paper with someone whose name has the
    same key as one of this paper's other authors."""
    surnames = sorted({name.parsed.surname_key for name in short if name.parsed.given})
    # Full-name identities by surname and first initial: a name's only possible candidates.
    candidates: dict[tuple[str, str], list[tuple[int, ParsedName]]] = defaultdict(list)
    for chunk in _chunks(surnames):
        rows = Author.objects.filter(surname_key__in=chunk, abbreviated=False)
        # An identity's name is a written form of its key, so parsing it gives the key's parts.
        for author_id, surname_key, written in rows.values_list("id", "surname_key", "name"):
            parsed = parse_name(written)
            if parsed.given:
                candidates[surname_key, parsed.given[0][0]].append((author_id, parsed))
    consistent: dict[int, list[int]] = {}
    for index, name in enumerate(short):
        if not name.parsed.given:
            continue
        on_paper = {other.author_id for other in by_paper[name.paper_id]}
        bucket = candidates.get((name.parsed.surname_key, name.parsed.given[0][0]), ())
        found = [
            author_id
            for author_id, parsed in bucket
            if author_id not in on_paper and may_be(name.parsed, parsed)
        ]
        if found:
            consistent[index] = found
    if not consistent:
        return []
    others = {index: _nearest_coauthors(short[index], by_paper) for index in consistent}
    pairs = _coauthor_pairs([(consistent[index], others[index]) for index in consistent])
    moved = []
    for index, found in consistent.items():
        evidenced = [a for a in found if not others[index].isdisjoint(pairs.get(a, ()))]
        if len(evidenced) == 1:
            moved.append((short[index], evidenced[0]))
    return moved


# Co-authors whose papers count as evidence: the nearest in the author list. A collaboration
# paper names hundreds, and any twenty of them already say which group the name belongs to.
EVIDENCE_COAUTHORS = 20


def _nearest_coauthors(name: _Name, by_paper: dict[str, list[_Name]]) -> set[str]:
    others = [other for other in by_paper[name.paper_id] if other is not name]
    others.sort(key=lambda other: abs(other.position - name.position))
    return {other.parsed.slug for other in others[:EVIDENCE_COAUTHORS]} - {name.parsed.slug}


# Candidates and co-authors per evidence query. Each abbreviation's own candidates are paired
# with its own co-authors only: pairing the batch's whole candidate list with its whole
# co-author list took 57 of 83 s importing 8,000 generated papers (bench/authors.py).
_GROUP = 400


def _coauthor_pairs(questions: list[tuple[list[int], set[str]]]) -> dict[int, set[str]]:
    """candidate identity -> the written slugs, among those asked with it, of people who
    share a paper with it. `questions`: (candidates, co-author slugs) per abbreviation,
    packed into queries of at most _GROUP of each."""
    pairs: dict[int, set[str]] = defaultdict(set)
    candidates: set[int] = set()
    coauthors: set[str] = set()
    for found, slugs in questions:
        for found_part in _chunks(sorted(found), _GROUP):
            for slug_part in _chunks(sorted(slugs), _GROUP):
                if (
                    len(candidates | set(found_part)) > _GROUP
                    or len(coauthors | set(slug_part)) > _GROUP
                ):
                    _ask_pairs(candidates, coauthors, pairs)
                    candidates, coauthors = set(), set()
                candidates.update(found_part)
                coauthors.update(slug_part)
    _ask_pairs(candidates, coauthors, pairs)
    return pairs


def _ask_pairs(candidates: set[int], coauthors: set[str], pairs: dict[int, set[str]]) -> None:
    if not candidates or not coauthors:
        return
    table = connection.ops.quote_name(Authorship._meta.db_table)
    sql = (
        f"SELECT DISTINCT c.author_id, o.written_slug FROM {table} c "
        f"JOIN {table} o ON o.paper_id = c.paper_id "
        f"WHERE c.author_id IN ({', '.join(['%s'] * len(candidates))}) "
        f"AND o.written_slug IN ({', '.join(['%s'] * len(coauthors))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*candidates, *coauthors])
        for candidate, coauthor in cursor.fetchall():
            pairs[candidate].add(coauthor)


def on_papers_written(sender, records, **kwargs) -> None:
    write_authors((r.arxiv_id, list(r.authors), r.published) for r in records)


def rebuild(progress: Callable[[int], None] | None = None, chunk: int = 2000) -> int:
    """Resolve every paper's authors again, one transaction per chunk (resumable: a killed
    run leaves each chunk done or untouched). Two passes, so that an abbreviation is judged
    against the whole corpus: every paper, then again the papers with abbreviated names.
    Returns papers processed."""
    with_abbreviations: list[str] = []

    def write(batch: list[tuple[str, list[str], datetime]]) -> None:
        write_authors(batch)
        with_abbreviations.extend(
            arxiv_id
            for arxiv_id, authors, _ in batch
            if any(parse_name(written).abbreviated for written in authors)
        )

    done = each_chunk(("arxiv_id", "authors", "published"), write, progress, chunk)
    for ids in _chunks(with_abbreviations):
        again = Paper.objects.filter(arxiv_id__in=ids)
        write_authors(again.values_list("arxiv_id", "authors", "published"))
    return done
