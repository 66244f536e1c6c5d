"""RSS 2.0 and Atom feeds through Django's syndication framework.

RSS <description> and Atom <summary type="html"> hold HTML, which readers render. Abstracts are
plain text from outside, so they go out HTML-escaped, through feed_html(), the feeds' one path
from stored text to HTML (the framework then escapes that again as XML). Titles are plain text
in both formats and are only XML-escaped.
"""

from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from ..core.urls import paper_path, paper_url
from ..feed import listing, periods
from ..links.display import published_links
from ..papers.cleaning import strip_unstorable
from ..papers.models import Paper
from ..papers.text import FEED_AUTHORS, cut_authors, short_authors
from ..people.html import linked_authors
from ..search.index import IndexMissing
from ..search.query import compile_query
from ..search.service import ranked_ids

FEED_SIZE = 50


def feed_html(text: str) -> str:
    """Stored plain text as the HTML a feed reader renders: shown as written, never as markup."""
    return escape(text)


def links_html(links) -> str:
    """A paper's published links under its abstract: "Code: <a>url</a> · Project: …"."""
    if not links:
        return ""
    parts = [
        f'{feed_html(link.label)}: <a href="{feed_html(link.url)}">{feed_html(link.url)}</a>'
        for link in links
    ]
    return f"<p>{' · '.join(parts)}</p>"


def _storable(value):
    if isinstance(value, str):
        return strip_unstorable(value)
    if isinstance(value, list | tuple):
        return type(value)(_storable(each) for each in value)
    return value


class _StorableText:
    """Feed writers that drop characters XML 1.0 cannot hold. Text is cleaned at import and
    input already (papers/cleaning.py); this keeps one stray control character in the database,
    or in a search query, from turning a whole feed into a 500."""

    def __init__(self, *args, **kwargs):
        super().__init__(*_storable(args), **{k: _storable(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*_storable(args), **{k: _storable(v) for k, v in kwargs.items()})


class RssFeed(_StorableText, Rss201rev2Feed):
    pass


class AtomFeed(_StorableText, Atom1Feed):
    pass


class PaperFeed(Feed):
    """Items are papers; the GUID is the paper's permanent page, which never changes."""

    feed_type = RssFeed

    def item_title(self, paper: Paper) -> str:
        return paper.title

    def item_description(self, paper: Paper) -> str:
        authors = linked_authors(*cut_authors(paper.authors, FEED_AUTHORS), absolute=True)
        links = links_html(getattr(paper, "shown_links", []))
        return f"<p>{authors}</p>{feed_html(paper.abstract)}{links}"

    def item_link(self, paper: Paper) -> str:
        return paper_path(paper.arxiv_id)

    def item_guid(self, paper: Paper) -> str:
        return paper_url(paper.arxiv_id)

    item_guid_is_permalink = True

    def item_author_name(self, paper: Paper) -> str:
        return short_authors(paper.authors, FEED_AUTHORS)

    def item_pubdate(self, paper: Paper):
        return paper.published

    def item_updateddate(self, paper: Paper):
        return paper.updated

    def item_categories(self, paper: Paper):
        return paper.categories


def _papers(ids: list[str]) -> list[Paper]:
    """The papers in this order, each with its published links (one query for all)."""
    found = Paper.objects.in_bulk(ids)
    links = published_links(found)
    for paper_id, paper in found.items():
        paper.shown_links = links.get(paper_id, [])
    return [found[i] for i in ids if i in found]


class DailyFeed(PaperFeed):
    description = "Papers on the community's daily list, most upvoted first."

    def get_object(self, request):
        raw = request.GET.get("date")
        if raw:
            try:
                return periods.parse_period("date", raw)
            except ValueError as error:
                raise Http404("date must be YYYY-MM-DD") from error
        day = listing.newest_day()
        return periods.day_period(day) if day else None

    def title(self, day):
        return f"Daily papers, {day.start:%-d %B %Y}" if day else "Daily papers"

    def link(self, day):
        return day.url if day else reverse("home")

    def items(self, day):
        if day is None:
            return []
        ids = list(listing.entry_ids_in(day)[:FEED_SIZE])
        return _papers([card.paper_id for card in listing.cards_for(ids)])


class TrendingFeed(PaperFeed):
    def get_object(self, request):
        by = listing.trending_by(request.GET.get("by"))
        return listing.trending_window(request.GET.get("window")), by

    def description(self, chosen):
        if chosen[1] == "code":
            return "Papers ranked by GitHub stars gained in the window (see /about)."
        return "Papers ranked by upvotes decayed by age (see /about)."

    def title(self, chosen):
        window, by = chosen
        return f"Trending papers{' by code' if by == 'code' else ''}, past {window}"

    def link(self, chosen):
        window, by = chosen
        return f"{reverse('trending')}?window={window}{'&by=code' if by == 'code' else ''}"

    def items(self, chosen):
        window, by = chosen
        return _papers([card.paper_id for card in listing.trending(window, FEED_SIZE, by)])


class SearchFeed(PaperFeed):
    description = "Papers matching a search, best first."

    def get_object(self, request):
        return request.GET.get("q", "")

    def title(self, text):
        return f"Search: {text}"

    def link(self, text):
        return f"{reverse('search')}?{urlencode({'q': text})}"

    def items(self, text):
        query = compile_query(text)
        if query.is_empty and not query.has_filters:
            return []
        try:
            return _papers(ranked_ids(query, limit=FEED_SIZE))
        except IndexMissing:
            return []


def atom(feed_class):
    """The same feed as Atom 1.0."""
    return type(f"Atom{feed_class.__name__}", (feed_class,), {"feed_type": AtomFeed})
