"""The one module that writes Author and Authorship rows.

A paper's author list is resolved to identities in the transaction that imports it (papers'
`papers_written` signal), a batch at a time, and again for every paper by `rebuild()`, which
`dailypapers authors` runs (nightly). Per batch, in a constant number of queries per 900 names:
1. every name gets the identity of its own key (created when new) and is written;
2. each abbreviated name ("Y. LeCun", "Lucas M. B. Alves") then moves to a full-name
   identity when exactly one identity that `names.may_be` allows has written a paper with
   someone whose name has the same key as one of this paper's other authors (the batch's
   own papers count); otherwise it keeps the identity of its own key.
An identity already on the paper is never a candidate: one author list does not name one
person twice. Evidence grows with the corpus, so an abbreviation left alone on import may
resolve on the next `dailypapers authors` (docs/authors.md).

`rebuild()` asks the same questions of an in-memory copy of the two tables (`Authorships`),
loaded once and kept in step with its writes, and writes only the papers whose rows change:
the same rows as asking the database, 3x less CPU (tests compare the two; docs/search.md).
The copy answers the co-author evidence with set operations: the papers naming each slug, the
identities on each paper, and the papers with an identity of each (surname key, initial)
bucket, so that most questions end in one intersection (docs/search.md).
"""

import bisect
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby, repeat
from operator import itemgetter

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, OuterRef, Subquery

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


def write_authors(
    papers: Iterable[tuple[str, list[str], datetime]], known: "Authorships | None" = None
) -> int:
    """Replace the authorships of (arxiv_id, author names, published) triples; returns how
    many were written. `known`: an in-memory copy of the tables kept by `rebuild()`, which
    then answers the lookups the database would (same answers, no queries)."""
    papers = list(papers)
    source = known or _Database()
    parse = known.parse if known else parse_name
    names = [
        _Name(arxiv_id, position, written, parse(written), published)
        for arxiv_id, authors, published in papers
        for position, written in enumerate(authors)
    ]
    names = [name for name in names if name.parsed.slug]
    ids = [arxiv_id for arxiv_id, _, _ in papers]
    by_paper: dict[str, list[_Name]] = defaultdict(list)
    for name in names:
        by_paper[name.paper_id].append(name)
    short = [name for name in names if name.parsed.abbreviated]
    with transaction.atomic():
        # Every name first gets the identity of its own key, so that the whole batch is
        # evidence; then the abbreviations the co-author graph resolves move.
        _assign_own_identities(names, source)
        if known is None:
            _replace_rows(ids, names)
            _move(_resolve(short, by_paper, source))
            return len(names)
        before = known.replace(ids, by_paper)
        moved = _resolve(short, by_paper, source)
        for name, to in moved:
            name.author_id = to
        known.replace(list(dict.fromkeys(name.paper_id for name, _ in moved)), by_paper)
        # Only the papers whose rows differ are written: the same rows, with less work.
        changed = [i for i in ids if known.rows[i] != before.get(i)]
        _replace_rows(changed, [name for i in changed for name in by_paper.get(i, ())])
    return len(names)


def _replace_rows(paper_ids: list[str], names: list[_Name]) -> None:
    for chunk in _chunks(paper_ids):
        Authorship.objects.filter(paper_id__in=chunk).delete()
    _write(names)


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


def _assign_own_identities(names: list[_Name], source: "_Database | Authorships") -> None:
    """Give each name the identity of its own key, creating the missing ones."""
    wanted = {name.parsed.slug: name for name in names}
    known = source.ids_of(list(wanted))
    missing = [
        (slug, name.written[:300], name.parsed.surname_key[:MAX_SLUG], name.parsed.abbreviated)
        for slug, name in wanted.items()
        if slug not in known
    ]
    if missing:
        # A concurrent import may create the same identity first: then its row is used.
        _insert_many(Author, ["slug", "name", "surname_key", "abbreviated"], missing, "slug")
        created = _ids_of([slug for slug, *_ in missing])
        known.update(created)
        source.created(created, missing)
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


def _resolve(
    short: list[_Name], by_paper: dict[str, list[_Name]], source: "_Database | Authorships"
) -> list[tuple[_Name, int]]:
    """The abbreviated names the co-author graph resolves, with their identities: a
    candidate counts as evidenced when it wrote a paper with someone whose name has the
    same key as one of this paper's other authors."""
    surnames = sorted({name.parsed.surname_key for name in short if name.parsed.given})
    candidates = source.candidates(surnames)
    consistent: dict[int, tuple[tuple[str, str], Sequence[int]]] = {}
    on_papers: dict[str, set[int]] = {}  # a paper often has several initials
    for index, name in enumerate(short):
        if not name.parsed.given:
            continue
        if (on_paper := on_papers.get(name.paper_id)) is None:
            on_paper = on_papers[name.paper_id] = {o.author_id for o in by_paper[name.paper_id]}
        key = (name.parsed.surname_key, name.parsed.given[0][0])
        found = source.consistent(name.parsed, candidates.get(key, ()))
        if not on_paper.isdisjoint(found):  # seldom: a namesake on the same paper
            found = [a for a in found if a not in on_paper]
        if found:
            consistent[index] = key, found
    if not consistent:
        return []
    evidenced = source.evidenced(
        [(*consistent[index], _nearest_coauthors(short[index], by_paper)) for index in consistent]
    )
    return [
        (short[index], found[0])
        for index, found in zip(consistent, evidenced, strict=True)
        if len(found) == 1
    ]


def _full_names(rows: Iterable[tuple[int, str, str]], parse=parse_name):
    """(surname key, first initial) -> [(identity, parsed name)] of full-name identities, from
    (id, surname key, name) rows: an abbreviation's only possible candidates. An identity's
    name is a written form of its key, so parsing it gives the key's parts."""
    candidates: dict[tuple[str, str], list[tuple[int, ParsedName]]] = defaultdict(list)
    for author_id, surname_key, written in rows:
        parsed = parse(written)
        if parsed.given:
            candidates[surname_key, parsed.given[0][0]].append((author_id, parsed))
    return candidates


def _consistent(short: ParsedName, bucket) -> list[int]:
    """The identities of a candidate bucket an abbreviated name may be."""
    return [author_id for author_id, full in bucket if may_be(short, full)]


# An evidence question: the candidates' bucket (surname key, first initial), the candidates
# (identities of that bucket), and the co-authors' written slugs.
Question = tuple[tuple[str, str], Sequence[int], set[str]]


class _Database:
    """The lookups of one batch, answered by queries (imports)."""

    consistent = staticmethod(_consistent)

    def ids_of(self, slugs: list[str]) -> dict[str, int]:
        return _ids_of(slugs)

    def created(self, ids: dict[str, int], rows: list[tuple]) -> None:
        pass

    def candidates(self, surnames: list[str]):
        rows = Author.objects.filter(abbreviated=False)
        return _full_names(
            row
            for chunk in _chunks(surnames)
            for row in rows.filter(surname_key__in=chunk).values_list("id", "surname_key", "name")
        )

    def evidenced(self, questions: list[Question]) -> list[list[int]]:
        """For each (candidates' bucket, candidates, co-author slugs): the candidates that
        share a paper with one of those co-authors."""
        pairs = _coauthor_pairs([(found, slugs) for _, found, slugs in questions])
        return [
            [a for a in found if not slugs.isdisjoint(pairs.get(a, ()))]
            for _, found, slugs in questions
        ]


class Authorships:
    """The Author and Authorship tables as `rebuild()` changes them, in memory: who wrote
    which paper, and the identities by slug and by surname. Loaded once and kept in step
    with every write, it answers `_Database`'s lookups with the same results and no query
    (those queries were 88% of the rebuild's CPU at 20k papers: docs/search.md), and says
    which papers' rows are unchanged, so they are not written again."""

    def __init__(self):
        self.by_slug: dict[str, int] = dict(
            Author.objects.values_list("slug", "id").iterator(10_000)
        )
        # Each distinct written form is parsed once per rebuild: `parse_name`'s own cache
        # holds 200k names, fewer than 100k papers name, so it kept parsing them again.
        self.parsed: dict[str, ParsedName] = {}
        # (surname key, first initial) -> full-name identities, as _full_names gives them.
        self.full = _full_names(
            Author.objects.filter(abbreviated=False)
            .values_list("id", "surname_key", "name")
            .iterator(10_000),
            self.parse,
        )
        # abbreviation -> (how much of its bucket was checked, the consistent identities).
        self.consistent_so_far: dict[ParsedName, tuple[int, tuple[int, ...]]] = {}
        # paper -> (published, ((position, identity, written slug), ...)): its rows.
        self.rows: dict[str, tuple] = {}
        # What the evidence question reads, kept in step with the rows: the papers that name
        # a written slug (`_add`, `_discard`), and the identities on each paper.
        self.papers_naming: dict[str, tuple[str, ...] | set[str]] = {}
        self.identities_on: dict[str, frozenset[int]] = {}
        # The papers with a full-name identity of each bucket, and each such identity's
        # bucket: most questions end there, as no co-author's paper has any candidate.
        self.papers_in_bucket: dict[tuple[str, str], tuple[str, ...] | set[str]] = {}
        self.bucket_of = {
            author_id: key for key, bucket in self.full.items() for author_id, _ in bucket
        }
        # A paper's date as its first row holds it: read for those rows only, since
        # converting every row's date was a tenth of the load at 100k papers.
        first = Authorship.objects.filter(paper=OuterRef("paper")).order_by("position")
        published = dict(
            Authorship.objects.filter(position=Subquery(first.values("position")[:1]))
            .values_list("paper_id", "published")
            .iterator(10_000)
        )
        rows = Authorship.objects.order_by("paper_id", "position").values_list(
            "paper_id", "position", "author_id", "written_slug"
        )
        for paper_id, paper_rows in groupby(rows.iterator(10_000), itemgetter(0)):
            # (.get: a paper an import wrote between the two queries is simply written again)
            rows_now = tuple([row[1:] for row in paper_rows])
            self._set(paper_id, published.get(paper_id), rows_now)

    def parse(self, written: str) -> ParsedName:
        if (parsed := self.parsed.get(written)) is None:
            # Past parse_name's cache, which this would only churn.
            parsed = self.parsed[written] = parse_name.__wrapped__(written)
        return parsed

    def _set(self, paper_id: str, published: datetime | None, rows: tuple) -> None:
        old = self.rows.get(paper_id, (None, ()))[1]
        self.rows[paper_id] = (published, rows) if rows else (None, ())
        if rows == old:  # most papers, in either pass: the index holds already
            return
        naming, in_bucket = self.papers_naming, self.papers_in_bucket
        for _, _, slug in old:
            _discard(naming, slug, paper_id)
        for _, _, slug in rows:
            _add(naming, slug, paper_id)
        identities = self.identities_on.get(paper_id, frozenset())
        self.identities_on[paper_id] = now = frozenset([author_id for _, author_id, _ in rows])
        buckets_before, buckets_now = self._buckets(identities), self._buckets(now)
        for key in buckets_before - buckets_now:
            _discard(in_bucket, key, paper_id)
        for key in buckets_now - buckets_before:
            _add(in_bucket, key, paper_id)

    def _buckets(self, identities: frozenset[int]) -> set[tuple[str, str]]:
        bucket_of = self.bucket_of
        return {bucket_of[a] for a in identities if a in bucket_of}

    def ids_of(self, slugs: list[str]) -> dict[str, int]:
        return {slug: self.by_slug[slug] for slug in slugs if slug in self.by_slug}

    def created(self, ids: dict[str, int], rows: list[tuple]) -> None:
        self.by_slug.update(ids)
        new = [
            (ids[slug], surname_key, name)
            for slug, name, surname_key, abbreviated in rows
            if not abbreviated and slug in ids
        ]
        for key, found in _full_names(new, self.parse).items():
            self.full[key].extend(found)
            self.bucket_of.update((author_id, key) for author_id, _ in found)

    def candidates(self, surnames: list[str]):
        return self.full

    def consistent(self, short: ParsedName, bucket) -> tuple[int, ...]:
        # Buckets only grow, at their end (`created`), so only the identities added since
        # the last answer are checked: asking the whole bucket again whenever it had grown
        # made 2.8M `may_be` calls at 100k papers, 7 of the rebuild's 58 s of CPU.
        checked, found = self.consistent_so_far.get(short, (0, ()))
        if checked < len(bucket):
            found += tuple(_consistent(short, bucket[checked:]))
            self.consistent_so_far[short] = (len(bucket), found)
        return found

    def evidenced(self, questions: list[Question]) -> list[list[int]]:
        # A candidate is evidenced when it is an identity on a paper that names one of the
        # co-authors. Those papers are gathered (44 on average at 100k papers), kept only if
        # an identity of the candidates' bucket is on them (most questions end there), and
        # their identities met with the candidates, all in set operations. Gathering the
        # candidates' papers instead (200 on average, of 92 candidates) took 18 of the
        # rebuild's 58 s of CPU at 100k papers; asking each candidate's papers in turn in
        # Python, twice that (docs/search.md).
        naming, in_bucket, none = self.papers_naming, self.papers_in_bucket, frozenset()
        identities_on = self.identities_on
        answers = []
        for key, found, slugs in questions:
            papers = set().union(*map(naming.get, slugs, repeat(none)))
            near = papers.intersection(in_bucket.get(key, none))
            hits = set().union(*map(identities_on.__getitem__, near)).intersection(found)
            # In the candidates' order; only a single one resolves the name.
            answers.append([*hits] if len(hits) < 2 else [a for a in found if a in hits])
        return answers

    def replace(self, paper_ids: list[str], by_paper: dict[str, list[_Name]]) -> dict:
        """Record these papers' rows as `by_paper` has them now (their names, with the
        identities given); returns what they were before (paper -> rows)."""
        before = {paper_id: self.rows.get(paper_id, (None, ())) for paper_id in paper_ids}
        for paper_id in paper_ids:
            names = by_paper.get(paper_id, ())
            rows = tuple([(name.position, name.author_id, name.parsed.slug) for name in names])
            self._set(paper_id, names[0].published if names else None, rows)
        return before


# Most written slugs are on one or two papers: their papers are held in a tuple
# (48 bytes for one paper, where a set takes 216), and in a set once there are more than
# _SMALL, so that adding and removing stay cheap for the names on thousands of papers.
_SMALL = 8


def _add(index: dict, key, paper_id: str) -> None:
    held = index.get(key, ())
    if type(held) is not tuple:
        held.add(paper_id)
    elif paper_id not in held:
        index[key] = held + (paper_id,) if len(held) < _SMALL else {*held, paper_id}


def _discard(index: dict, key, paper_id: str) -> None:
    held = index.get(key, ())
    if type(held) is not tuple:
        held.discard(paper_id)
    elif paper_id in held:
        index[key] = tuple([other for other in held if other != paper_id])


# Co-authors whose papers count as evidence: the nearest in the author list. A collaboration
# paper names hundreds, and any twenty of them already say which group the name belongs to.
EVIDENCE_COAUTHORS = 20


def _nearest_coauthors(name: _Name, by_paper: dict[str, list[_Name]]) -> set[str]:
    # A paper's names are in position order, so its nearest are within EVIDENCE_COAUTHORS
    # places either side: sorting only those (ties to the earlier, as a stable sort of the
    # whole list would) saved 4 s of 20 rebuilding 20k papers' authors.
    names = by_paper[name.paper_id]
    at = bisect.bisect_left(names, name.position, key=lambda other: other.position)
    window = names[max(0, at - EVIDENCE_COAUTHORS) : at + EVIDENCE_COAUTHORS + 1]
    others = [other for other in window if other is not name]
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
    if not settings.AUTHORS_ON_IMPORT:
        return  # a bulk load: `dailypapers authors` resolves them after
    write_authors((r.arxiv_id, list(r.authors), r.published) for r in records)


def rebuild(
    progress: Callable[[int], None] | None = None, chunk: int = 2000, in_memory: bool = True
) -> int:
    """Resolve every paper's authors again, one transaction per chunk (resumable: a killed
    run leaves each chunk done or untouched). Two passes, so that an abbreviation is judged
    against the whole corpus: every paper, then again the papers with abbreviated names.
    The lookups are answered from memory (`Authorships`); in_memory=False asks the database
    as an import does, with the same result (tests compare the two). Returns papers
    processed."""
    with_abbreviations: list[str] = []
    known = Authorships() if in_memory else None
    parse = known.parse if known else parse_name

    def write(batch: list[tuple[str, list[str], datetime]]) -> None:
        write_authors(batch, known)
        with_abbreviations.extend(
            arxiv_id
            for arxiv_id, authors, _ in batch
            if any(parse(written).abbreviated for written in authors)
        )

    done = each_chunk(("arxiv_id", "authors", "published"), write, progress, chunk)
    for ids in _chunks(with_abbreviations):
        again = Paper.objects.filter(arxiv_id__in=ids)
        write_authors(again.values_list("arxiv_id", "authors", "published"), known)
    return done
