"""/for-you: thin view over foryou.py."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ..feed import listing
from ..library.services import tags_with_counts
from ..papers.cleaning import is_storable
from .foryou import PAGE_WINDOWS, cards_of, for_user, why_html
from .service import DEFAULT_WINDOW


@require_safe
@login_required
def for_you(request):
    window = request.GET.get("window")
    window = window if window in PAGE_WINDOWS else DEFAULT_WINDOW
    tag = request.GET.get("tag", "").strip()[:100] or None
    if tag and not is_storable(tag):  # a malformed address, not an empty tag
        raise Http404("no such tag")
    result = for_user(request.user, tag=tag, window=window)
    if result.has_library:
        entries = cards_of([r.arxiv_id for r in result.found])
        notes = {r.arxiv_id: why_html(r, result.signals) for r in result.found}
    else:
        # An empty library (or tag): say how to start, and show what others read.
        entries, notes = ([], {}) if tag else (listing.trending(listing.DEFAULT_WINDOW, 20), {})
    return render(
        request,
        "recommend/for_you.html",
        {
            "result": result,
            "entries": entries,
            "notes": notes,
            "voted": listing.voted_paper_ids(request.user, [e.paper_id for e in entries]),
            "windows": PAGE_WINDOWS,
            "tags": tags_with_counts(request.user),
        },
    )
