from datetime import date

from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from ..core.page_cache import cached_for_anonymous
from ..feed.templatetags.feed_tags import actions_for
from .index import IndexMissing
from .query import SORTS, compile_query
from .rendering import render_results
from .service import search


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _query_from(params):
    return compile_query(
        params.get("q", ""),
        category=params.get("category", ""),
        published_from=_date(params.get("from")),
        published_until=_date(params.get("until")),
        sort=params.get("sort", "relevance"),
        has_links=("code",) if params.get("code") else (),
    )


@require_safe
@cached_for_anonymous
def search_page(request):
    query = _query_from(request.GET)
    if query.arxiv_id:
        # An id or arXiv URL goes straight to the paper (whose page offers to fetch it).
        return redirect("paper", arxiv_id=query.arxiv_id.id)
    context = {"query": query, "sorts": SORTS, "params": request.GET}
    if query.is_empty and not query.has_filters:
        return render(request, "search/results.html", context)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    try:
        context["results"] = search(query, page=page)
        found = context["results"].results
        context["results_html"] = render_results(
            found, actions_for(request, [r.paper.arxiv_id for r in found])
        )
    except IndexMissing:
        context["unavailable"] = True
    return render(request, "search/results.html", context)
