"""Which entries a day, week, month or trending page lists, in a constant number of queries.

The reads behind every list page (the newest day, its neighbours, one page of entry ids and
their cards) are SQL written once here: building each as a QuerySet cost 10-20 times the
query itself, and they were most of an uncached day page (pyinstrument, docs/performance.md).
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from ..core import sql
from ..links.stars import papers_by_gain
from ..papers.models import Paper
from .models import DailyEntry, Vote
from .periods import PERIOD_OF, Period, day_period

# Trending looks back over one window: ?window= on the site, the API and the CLI (whose older
# ?period= / --period still work).
TRENDING_WINDOWS = {"day": 1, "week": 7, "month": 30}
DEFAULT_WINDOW = "week"


def trending_window(asked: str | None) -> str:
    """The window asked for, or the default for anything else."""
    return asked if asked in TRENDING_WINDOWS else DEFAULT_WINDOW


# What trending ranks by (?by= on the site, the API and the feeds): upvote hotness, the
# default, or GitHub stars gained in the window (links/stars.py; both formulas on /about).
TRENDING_BY = ("upvotes", "code")


def trending_by(asked: str | None) -> str:
    return asked if asked in TRENDING_BY else TRENDING_BY[0]


ENTRIES = DailyEntry._meta.db_table
PAPERS = Paper._meta.db_table
USERS = get_user_model()._meta.db_table


def _day(value) -> date | None:
    """SQLite hands back aggregates of dates as text."""
    return date.fromisoformat(value) if isinstance(value, str) else value


_NEWEST_DAY_SQL = f"SELECT MAX(day) AS day FROM {ENTRIES} WHERE NOT hidden"


def newest_day() -> date | None:
    return _day(sql.rows(_NEWEST_DAY_SQL)[0][0])


PAGE_SIZE = 50
LIST_ORDER = ("-pinned", "-upvotes", "submitted_at", "paper_id")
_LIST_ORDER_SQL = "pinned DESC, upvotes DESC, submitted_at, paper_id"
_JOINED_LIST_ORDER_SQL = ", ".join(f"e.{term}" for term in _LIST_ORDER_SQL.split(", "))


class EntryIds(Sequence):
    """The ids of a period's listed entries in list order, fetched a slice at a time: what
    Paginator needs (count() and slices), without building a QuerySet per call."""

    def __init__(self, period: Period):
        self.known_count: int | None = None  # when a caller read it already (period_page)
        if period.start == period.end:  # equality, so the entry_day_in_order index gives order
            self.where = f"FROM {ENTRIES} WHERE day = %s AND hidden = %s"
            self.params = (period.start, False)
        else:
            self.where = f"FROM {ENTRIES} WHERE day BETWEEN %s AND %s AND hidden = %s"
            self.params = (period.start, period.end, False)

    def count(self) -> int:
        if self.known_count is not None:
            return self.known_count
        return sql.rows(f"SELECT COUNT(*) {self.where}", self.params)[0][0]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, int):
            found = self[index : index + 1] if index >= 0 else []
            if not found:
                raise IndexError(index)
            return found[0]
        if index.step not in (None, 1) or (index.start or 0) < 0 or (index.stop or 0) < 0:
            raise ValueError("entry ids slice forward only")
        start = index.start or 0
        if index.stop is not None and index.stop <= start:
            return []  # an empty list's one page
        page = f" LIMIT {max(index.stop - start, 0)}" if index.stop is not None else ""
        if start:
            page += f" OFFSET {start}" if page else f" LIMIT {2**62} OFFSET {start}"
        return self._read(f"SELECT id {self.where} ORDER BY {_LIST_ORDER_SQL}{page}")

    def _read(self, ids_sql: str) -> list:
        return [row[0] for row in sql.rows(ids_sql, self.params)]

    def __iter__(self):
        return iter(self[:])


class ListedCards(EntryIds):
    """The cards of a period's listed entries in list order, a slice at a time: one statement
    that sorts the narrow entry rows for the slice's ids (as EntryIds does) and joins their
    papers' content hashes, which on PostgreSQL saves a round trip a list page (their text
    comes from _cards). The page asked for may have
    been read already, with the count (`read_ahead`: its offset and cards)."""

    def __init__(self, period: Period):
        super().__init__(period)
        self.read_ahead: tuple[int, list[Card]] | None = None

    def __getitem__(self, index):
        if isinstance(index, slice) and self.read_ahead and self.known_count is not None:
            offset, cards = self.read_ahead
            whole_page = min(offset + PAGE_SIZE, self.known_count)
            if (
                index.step in (None, 1)
                and (index.start or 0) == offset
                and index.stop == whole_page
            ):
                return cards
        return super().__getitem__(index)

    def _read(self, ids_sql: str) -> list["Card"]:
        query = _CARDS_SQL.format(ids_sql) + f" ORDER BY {_JOINED_LIST_ORDER_SQL}"
        return list(_cards(sql.rows(query, self.params)).values())


def entry_ids_in(period: Period) -> EntryIds:
    """Ids only, in list order: sorting narrow entry rows, then joining one page of papers,
    is several times faster than sorting the joined rows."""
    return EntryIds(period)


@dataclass(frozen=True, slots=True)
class PeriodPage:
    """What a period's page shows around its cards."""

    period: Period
    cards: ListedCards
    previous: Period | None  # the nearest earlier and later periods that have entries
    following: Period | None


# No list has this many pages; past it an OFFSET would overflow the databases' integers.
_MOST_PAGES = 10**9


def asked_page(asked) -> int:
    """The page number Paginator.get_page settles on for `asked` (?page=) when that page
    exists; 1 for anything else (Paginator then picks the page, read apart)."""
    try:
        number = int(asked)
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= _MOST_PAGES else 1


def period_page(period: Period, asked=None) -> PeriodPage:
    """The period's cards, how many there are and its neighbours, counted and found in one
    statement (on PostgreSQL each round trip costs client and server about 0.15 ms), which
    also reads the cards of the page asked for (?page=) when it has any."""
    cards = ListedCards(period)
    about = f"(SELECT COUNT(*) {cards.where}), {_neighbours_sql('%s', '%s')}"
    about_params = (*cards.params, period.start, period.end)
    read_ahead, found = _with_cards(cards.where, cards.params, about, about_params, asked)
    if found is None:  # no cards on that page: the period is empty, or the page is not there
        (found,) = sql.rows(f"SELECT {about}", about_params)
    return _page(period, *found, read_ahead)


def newest_day_page(asked=None) -> PeriodPage | None:
    """The newest day's page (the home page), None when nothing is listed: the day, its
    count, its neighbours and the cards of the page asked for in one statement (and their
    papers' text in a second, for papers this process has not shown yet: _cards)."""
    newest = f"({_NEWEST_DAY_SQL})"
    where = f"FROM {ENTRIES} WHERE day = {newest} AND hidden = %s"
    about = f"{newest}, (SELECT COUNT(*) {where}), {_neighbours_sql(newest, newest)}"
    read_ahead, found = _with_cards(where, (False,), about, (False,), asked)
    if found is None:
        (found,) = sql.rows(f"SELECT {about}", (False,))
    day, count, before, after = found
    if day is None:
        return None
    return _page(day_period(_day(day)), count, before, after, read_ahead)


def _with_cards(where: str, params: tuple, about: str, about_params: tuple, asked):
    """The cards of the asked page of the entries `where` selects, as read_ahead (offset,
    cards), and the columns `about` them (SELECT-list SQL: their count, neighbours...), read
    in the same statement; (None, None) when that page has no cards."""
    offset = (asked_page(asked) - 1) * PAGE_SIZE
    ids_sql = f"SELECT id {where} ORDER BY {_LIST_ORDER_SQL} LIMIT {PAGE_SIZE} OFFSET {offset}"
    rows = sql.rows(
        f"SELECT {_CARD_COLUMNS}, {about} {_CARDS_FROM} WHERE e.id IN ({ids_sql}) "
        f"ORDER BY {_JOINED_LIST_ORDER_SQL}",
        (*about_params, *params),
    )
    if not rows:
        return None, None
    return (offset, list(_cards(rows).values())), rows[0][_CARD_WIDTH:]


def _page(period: Period, count: int, before, after, read_ahead=None) -> PeriodPage:
    cards = ListedCards(period)
    cards.known_count = count
    cards.read_ahead = read_ahead
    to_period = PERIOD_OF[period.kind]
    before, after = _day(before), _day(after)
    return PeriodPage(
        period, cards, to_period(before) if before else None, to_period(after) if after else None
    )


@dataclass(slots=True)
class Card:
    """What a list shows of an entry; plain values, since model instances cost more to build."""

    paper_id: str
    title: str
    abstract: str
    authors: Sequence[str]
    categories: Sequence[str]
    upvotes: int
    comment_count: int
    pinned: bool
    submitter: str | None
    content_hash: str  # of the paper's stored fields: what per-paper caches of its text key on


_CARD_COLUMNS = "e.id, e.paper_id, e.upvotes, e.comment_count, e.pinned, u.username, p.content_hash"
_CARD_WIDTH = 7
_CARDS_FROM = (
    f"FROM {ENTRIES} e JOIN {PAPERS} p ON p.arxiv_id = e.paper_id "
    f"LEFT JOIN {USERS} u ON u.id = e.submitted_by_id"
)
_CARDS_SQL = f"SELECT {_CARD_COLUMNS} {_CARDS_FROM} " + "WHERE e.id IN ({})"


def _names(value) -> tuple[str, ...]:
    """A JSON list of names (authors, categories) as a tuple; the drivers hand it back as
    text. Decoded when a paper's text is read, which _texts then keeps."""
    return tuple(json.loads(value)) if isinstance(value, str | bytes) else tuple(value)


# Each paper's text on its card (title, abstract, authors, categories), kept per process by
# (arxiv id, content hash): the cards' statement reads the entries and each paper's hash, and a
# text is read once, when first shown or after it changed (a re-import or an admin edit
# changes the hash). Reading 50 papers' text with every list page (90 kB that PostgreSQL sorted
# and sent) was 11-25% of an uncached PostgreSQL day page's CPU, worker and server together
# (docs/performance.md, "Tenth round"). About 2.5 kB a paper: at most 4,096 kept, about 10 MB
# a process. Emptied when full rather than tracking recency, as feed.cards' heads are.
_Text = tuple[str, str, tuple[str, ...], tuple[str, ...]]
_texts: dict[tuple[str, str], _Text] = {}
_TEXTS_KEPT = 4096
_TEXTS_SQL = (
    f"SELECT arxiv_id, content_hash, title, abstract, authors, categories FROM {PAPERS} "
    "WHERE arxiv_id IN ({})"
)


def _cards(rows: list[tuple]) -> dict[int, Card]:
    """The cards of the cards' statement's rows, with their papers' texts, by entry id in the
    rows' order."""
    # Read each once into a local dict: another thread may empty _texts meanwhile.
    known = {key: text for row in rows if (text := _texts.get(key := (row[1], row[6])))}
    missing = [row[1] for row in rows if (row[1], row[6]) not in known]
    fresh = {}
    if missing:
        for arxiv_id, content_hash, title, abstract, authors, categories in sql.rows_for(
            _TEXTS_SQL, missing
        ):
            fresh[arxiv_id] = content_hash, (title, abstract, _names(authors), _names(categories))
        if len(_texts) + len(fresh) > _TEXTS_KEPT:
            _texts.clear()
        if len(fresh) <= _TEXTS_KEPT:  # a longer read (a whole day's BibTeX) is not kept
            _texts.update({(arxiv_id, h): text for arxiv_id, (h, text) in fresh.items()})
    cards = {}
    for entry_id, paper_id, upvotes, comments, pinned, submitter, content_hash, *_ in rows:
        text = known.get((paper_id, content_hash))
        if text is None:
            if paper_id not in fresh:  # deleted since the cards' statement
                continue
            # Re-imported between the two reads, perhaps: the card shows what was read last.
            content_hash, text = fresh[paper_id]
        cards[entry_id] = Card(
            paper_id, *text, upvotes, comments, bool(pinned), submitter, content_hash
        )
    return cards


def cards_for(entry_ids: list[int]) -> list[Card]:
    """Cards of these entries, in the order given."""
    by_id = _cards(sql.rows_for(_CARDS_SQL, entry_ids))
    return [by_id[i] for i in entry_ids if i in by_id]


def _neighbours_sql(start: str, end: str) -> str:
    """The nearest listed days before `start` and after `end` (placeholders or SQL)."""
    return (
        f"(SELECT MAX(day) FROM {ENTRIES} WHERE NOT hidden AND day < {start}), "
        f"(SELECT MIN(day) FROM {ENTRIES} WHERE NOT hidden AND day > {end})"
    )


TRENDING_ORDER = ("-hotness", "paper_id")


def trending_entry_ids(window: str, limit: int = 50, by: str = "upvotes") -> list[int]:
    """By upvotes: the hottest entries submitted in the window, hottest first. By code: listed
    entries whose papers' repositories gained the most GitHub stars in the window (ties by
    hotness)."""
    if by == "code":
        return [pk for pk, _, _ in code_trending(window, limit)]
    since = timezone.now() - timedelta(days=TRENDING_WINDOWS[window])
    hottest = DailyEntry.objects.listed().filter(submitted_at__gte=since).order_by(*TRENDING_ORDER)
    return list(hottest.values_list("pk", flat=True)[:limit])


def code_trending(window: str, limit: int = 50) -> list[tuple[int, str, int]]:
    """(entry id, paper id, stars gained) of the listed entries whose repositories gained the
    most GitHub stars in the window, best first, ties by hotness. The gains are stored with
    each repository (links/github.py) and read best first through their index, widening
    until `limit` listed entries are found: most repositories' papers are not on a list."""
    repositories = 2 * limit
    while True:
        gains, more = papers_by_gain(TRENDING_WINDOWS[window], repositories)
        papers = list(gains)
        rows = []
        for start in range(0, len(papers), 900):
            entries = DailyEntry.objects.listed().filter(paper_id__in=papers[start : start + 900])
            rows += entries.values_list("pk", "paper_id", "hotness")
        if len(rows) >= limit or not more:
            break
        repositories *= 4
    rows.sort(key=lambda row: (-gains[row[1]], -row[2], row[1]))
    return [(pk, paper_id, gains[paper_id]) for pk, paper_id, _ in rows[:limit]]


def trending(window: str, limit: int = 50, by: str = "upvotes") -> list[Card]:
    return cards_for(trending_entry_ids(window, limit, by))


def vote_counts(paper_ids: list[str]) -> dict[str, int]:
    """Upvotes per paper, counted from the votes table (papers without votes are absent)."""
    rows = Vote.objects.filter(paper_id__in=paper_ids).values("paper_id").annotate(n=Count("id"))
    return {row["paper_id"]: row["n"] for row in rows}


def voted_paper_ids(user, paper_ids: list[str]) -> set[str]:
    if not user.is_authenticated or not paper_ids:
        return set()
    votes = Vote.objects.filter(user=user, paper_id__in=paper_ids)
    return set(votes.values_list("paper_id", flat=True))
