from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from ..feed import listing, periods
from ..feed.revalidation import revalidating
from ..papers import bibtex
from ..papers.lookup import paper_or_404
from ..papers.models import Paper
from ..search.index import IndexMissing
from ..search.query import compile_query
from ..search.service import ranked_ids
from .feeds import DailyFeed, SearchFeed, TrendingFeed, atom

BIBTEX_TYPE = "application/x-bibtex; charset=utf-8"


daily_rss, daily_atom = revalidating(DailyFeed), revalidating(atom(DailyFeed))
trending_rss, trending_atom = revalidating(TrendingFeed), revalidating(atom(TrendingFeed))
search_rss, search_atom = revalidating(SearchFeed), revalidating(atom(SearchFeed))


def search_feed(request):
    return (search_atom if request.GET.get("format") == "atom" else search_rss)(request)


def _bibtex(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type=BIBTEX_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}.bib"'
    return response


@require_safe
def paper_bibtex(request, arxiv_id: str):
    paper = paper_or_404(arxiv_id)
    return _bibtex(bibtex.entry(paper), paper.arxiv_id.replace("/", "_"))


@require_safe
def day_bibtex(request, slug: str):
    try:
        day = periods.parse_period("date", slug)
    except ValueError as error:
        raise Http404("date must be YYYY-MM-DD") from error
    ids = list(listing.entry_ids_in(day))
    paper_ids = [card.paper_id for card in listing.cards_for(ids)]
    papers = Paper.objects.in_bulk(paper_ids)
    ordered = [papers[i] for i in paper_ids if i in papers]
    return _bibtex(bibtex.entries(ordered), f"dailypapers-{day.slug}")


@require_safe
def search_bibtex(request):
    query = compile_query(request.GET.get("q", ""))
    try:
        ids = ranked_ids(query, limit=50) if not query.is_empty else []
    except IndexMissing:
        ids = []
    papers = Paper.objects.in_bulk(ids)
    return _bibtex(bibtex.entries([papers[i] for i in ids if i in papers]), "search")
