"""Thin views: parse the request, call listing/services, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_POST, require_safe

from ..accounts.clients import client_key
from ..accounts.models import ApiToken
from ..accounts.redirects import redirect_back
from ..accounts.roles import is_curator
from ..core.page_cache import cached_for_anonymous
from ..core.urls import paper_path
from ..links.extract import LinkKind
from ..links.models import PaperLink
from ..links.permissions import can_approve
from ..links.stars import stars_for
from ..papers import bibtex
from ..papers.arxiv_ids import InvalidArxivId
from ..papers.cleaning import is_storable
from ..papers.lookup import arxiv_id_or_404, paper_or_404
from ..people import claims
from . import detail, listing, periods, services
from .hotness import DECAY_SECONDS
from .models import Comment, DailyEntry, Vote


def _list_page(request, entries, **context):
    voted = listing.voted_paper_ids(request.user, [e.paper_id for e in entries])
    return render(request, "feed/list.html", {"entries": entries, "voted": voted, **context})


@require_safe
@cached_for_anonymous
def home(request):
    listed = listing.newest_day_page(request.GET.get("page"))
    if listed is None:
        return render(request, "feed/empty.html")
    return _period_page(request, listed, is_home=True)


@require_safe
@cached_for_anonymous
def period_page(request, kind: str, slug: str):
    try:
        period = periods.parse_period(kind, slug)
    except ValueError as error:
        raise Http404(f"{slug!r} is not a valid {kind}") from error
    return _period_page(request, listing.period_page(period, request.GET.get("page")))


def _period_page(request, listed: listing.PeriodPage, is_home=False):
    period = listed.period
    page = Paginator(listed.cards, listing.PAGE_SIZE).get_page(request.GET.get("page"))
    return _list_page(
        request,
        list(page.object_list),
        page=page,
        period=period,
        period_tabs=(  # a tuple: list.html remembers the tabs by it
            ("Day", periods.day_period(period.start)),
            ("Week", periods.week_period(period.start)),
            ("Month", periods.month_period(period.start)),
        ),
        previous=listed.previous,
        following=listed.following,
        is_home=is_home,
    )


@require_safe
@cached_for_anonymous
def trending(request):
    window = listing.trending_window(request.GET.get("window"))
    by = listing.trending_by(request.GET.get("by"))
    notes = {}
    if by == "code":
        ranked = listing.code_trending(window)
        cards = listing.cards_for([pk for pk, _, _ in ranked])
        notes = {
            paper_id: format_html(
                '<p class="muted stars-gained">+{} GitHub stars in the past {}</p>',
                f"{gain:,}",
                window,
            )
            for _, paper_id, gain in ranked
        }
    else:
        cards = listing.trending(window)
    return _list_page(
        request,
        cards,
        trending_window=window,
        windows=tuple(listing.TRENDING_WINDOWS),
        trending_by=by,
        notes=notes,
    )


@require_safe
@cached_for_anonymous
def about(request):
    return render(request, "feed/about.html", {"decay_hours": DECAY_SECONDS / 3600})


@require_safe
@cached_for_anonymous
def paper_page(request, arxiv_id: str):
    parsed = arxiv_id_or_404(arxiv_id)
    if parsed.version:
        return redirect("paper", arxiv_id=parsed.id)
    paper = detail.paper_with_entry(parsed.id)
    if paper is None:
        return render(request, "feed/paper_missing.html", {"arxiv_id": parsed.id}, status=404)
    entry = getattr(paper, "entry", None)
    if entry is not None and entry.hidden and not is_curator(request.user):
        entry = None
    comments = detail.comments_on(paper)
    threads = [c for c in comments if c.parent_id is None]
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    for thread in threads:
        thread.thread_replies = replies.get(thread.pk, [])
    return render(
        request,
        "feed/paper.html",
        {
            "paper": paper,
            "entry": entry,
            "upvotes": entry.upvotes if entry else services.vote_count(paper),
            "voted": listing.voted_paper_ids(request.user, [paper.pk]),
            "threads": threads,
            "is_curator": is_curator(request.user),
            "bibtex": bibtex.entry(paper),
            "comment_max_length": Comment.MAX_LENGTH,
            # The "Author" badge is drawn on comments only.
            "verified_authors": claims.verified_user_ids(paper.pk) if comments else set(),
            "my_claim": claims.claim_of(request.user, paper.pk),
            **_links_context(request.user, paper),
        },
    )


def _links_context(user, paper) -> dict:
    """The paper's published links, their stars, and what this reader may do with links."""
    approver = can_approve(user, paper)
    pending = []  # built only for approvers: the QuerySet cost more than the rest of this
    if approver:
        pending = PaperLink.objects.filter(paper=paper, status=PaperLink.Status.PENDING)
        pending = list(pending.select_related("proposer"))
    links = PaperLink.objects.shown_for(paper)
    has_code = any(link.kind == "code" for link in links)  # else no stars to look up
    return {
        "links": links,
        "code_stars": stars_for([paper.pk]).get(paper.pk) if has_code else None,
        "can_approve_links": approver,
        "pending_links": pending,
        "link_kinds": [kind.value for kind in LinkKind],
    }


def profile(request, username: str):
    """What a person did on the lists; their own API tokens when it is their page."""
    if not is_storable(username):  # PostgreSQL refuses a NUL even in a lookup
        raise Http404("no such user")
    person = get_object_or_404(User, username=username, is_active=True)
    submissions = (
        DailyEntry.objects.listed()
        .filter(submitted_by=person)
        .select_related("paper")
        .order_by("-submitted_at")[:50]
    )
    upvoted = Vote.objects.filter(user=person).select_related("paper").order_by("-created_at")[:50]
    comments = (
        Comment.objects.visible()
        .filter(author=person)
        .select_related("paper")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "feed/profile.html",
        {
            "person": person,
            "person_is_curator": is_curator(person),
            "submissions": submissions,
            "upvoted": upvoted,
            "comments": comments,
            "author_identities": claims.identities_of(person),
            "tokens": ApiToken.objects.filter(user=person, revoked_at__isnull=True)
            if request.user == person
            else [],
        },
    )


@require_POST
def vote(request, arxiv_id: str):
    paper = paper_or_404(arxiv_id)
    if not request.user.is_authenticated:
        if _wants_json(request):
            return JsonResponse({"error": "Log in to vote."}, status=401)
        return redirect_to_login(paper_path(paper.pk))
    state = services.toggle_vote(request.user, paper)
    if _wants_json(request):
        return JsonResponse({"voted": state.voted, "upvotes": state.upvotes})
    return redirect_back(request, paper_path(paper.pk))


def _preview_page(request, *, editing: bool = False):
    """The no-JavaScript preview: the rendered comment above the form, ready to post."""
    body = request.POST.get("body", "")
    context = {
        "body": body,
        "parent": request.POST.get("parent", ""),
        "action": request.path,
        "editing": editing,
        "comment_max_length": Comment.MAX_LENGTH,
    }
    try:
        context["preview_html"] = services.preview_comment(body)
    except services.FeedError as error:
        context["error"] = str(error)
    return render(
        request, "feed/comment_preview.html", context, status=400 if "error" in context else 200
    )


@require_POST
@login_required
def comment_preview(request):
    """The preview site.js shows under the form: {"html": …} or {"error": …}."""
    try:
        return JsonResponse({"html": services.preview_comment(request.POST.get("body", ""))})
    except services.FeedError as error:
        return JsonResponse({"error": str(error)}, status=400)


@require_POST
@login_required
def comment_create(request, arxiv_id: str):
    paper = paper_or_404(arxiv_id)
    if request.POST.get("preview"):
        return _preview_page(request)
    parent = request.POST.get("parent") or None
    try:
        services.add_comment(
            request.user, paper, request.POST.get("body", ""), int(parent) if parent else None
        )
    except (services.FeedError, ValueError) as error:
        messages.error(request, str(error))
    return redirect(paper_path(paper.pk) + "#comments")


@login_required
def comment_edit(request, pk: int):
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    if comment.author_id != request.user.pk:
        raise Http404("not your comment")
    if request.method == "POST" and request.POST.get("preview"):
        return _preview_page(request, editing=True)
    if request.method == "POST":
        try:
            services.edit_comment(request.user, comment, request.POST.get("body", ""))
        except services.FeedError as error:
            messages.error(request, str(error))
        else:
            return redirect(paper_path(comment.paper_id) + f"#comment-{comment.pk}")
    return render(
        request,
        "feed/comment_edit.html",
        {"comment": comment, "comment_max_length": Comment.MAX_LENGTH},
    )


@require_POST
@login_required
def comment_delete(request, pk: int):
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    try:
        services.delete_comment(request.user, comment)
    except services.FeedError as error:
        messages.error(request, str(error))
    return redirect(paper_path(comment.paper_id) + "#comments")


@require_POST
@login_required
def comment_hide(request, pk: int):
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    try:
        services.hide_comment(request.user, comment, hidden=request.POST.get("hidden") != "0")
    except services.FeedError as error:
        messages.error(request, str(error))
    return redirect(paper_path(comment.paper_id) + "#comments")


@require_POST
@login_required
def entry_action(request, arxiv_id: str):
    paper = paper_or_404(arxiv_id)
    flags = services.ENTRY_ACTIONS.get(request.POST.get("action", ""))
    if flags is None:
        return HttpResponseBadRequest("unknown action")
    try:
        services.set_entry_flags(request.user, paper, **flags)
    except services.FeedError as error:
        messages.error(request, str(error))
    return redirect(paper_path(paper.pk))


@login_required
def submit(request):
    if request.method == "POST":
        text = request.POST.get("paper", "")
        try:
            entry = services.submit(request.user, text, client_address=client_key(request))
        except (services.FeedError, InvalidArxivId) as error:
            messages.error(request, str(error))
            return render(request, "feed/submit.html", {"value": text}, status=400)
        messages.success(request, f"{entry.paper.title} is on today's list.")
        return redirect(paper_path(entry.paper_id))
    return render(request, "feed/submit.html", {"value": request.GET.get("paper", "")})


@require_POST
def fetch_paper(request, arxiv_id: str):
    parsed = arxiv_id_or_404(arxiv_id)
    if not request.user.is_authenticated:
        return redirect_to_login(paper_path(parsed.id))
    try:
        services.find_or_fetch_paper(parsed.id, request.user, client_key(request))
    except services.FeedError as error:
        messages.error(request, str(error))
    return redirect("paper", arxiv_id=parsed.id)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")
