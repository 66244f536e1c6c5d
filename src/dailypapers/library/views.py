"""Thin views over services: the Save and "Not interested" controls, /library, collections."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ..accounts.redirects import redirect_back
from ..core.urls import paper_path
from ..papers import bibtex
from ..papers.cleaning import is_storable
from ..papers.lookup import paper_or_404
from ..papers.models import Paper
from . import exports, services
from .forms import (
    BulkForm,
    CollectionForm,
    ExportForm,
    ImportForm,
    LibraryFilter,
    PaperLibraryForm,
    SettingsForm,
)
from .importing import ImportRefused, import_text
from .models import LibrarySettings, SavedPaper
from .signals import upvotes_are_signals

PAGE_SIZE = 200


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request, fallback: str):
    return redirect_back(request, fallback)


def _posted(request):
    """The POST data for a bound form (even when empty: an unticked box posts nothing)."""
    return request.POST if request.method == "POST" else None


def _login_first(request, paper: Paper):
    if _wants_json(request):
        return JsonResponse({"error": "Log in to keep a library."}, status=401)
    return redirect_to_login(paper_path(paper.pk))


@require_POST
def save(request, arxiv_id: str):
    """saved=1 saves, saved=0 removes: the form says the state it wants, so a double
    click or a retried request cannot undo itself."""
    paper = paper_or_404(arxiv_id)
    if not request.user.is_authenticated:
        return _login_first(request, paper)
    wanted = request.POST.get("saved", "1") != "0"
    if wanted:
        services.save(request.user, paper)
    else:
        services.unsave(request.user, paper.pk)
    if _wants_json(request):
        return JsonResponse({"saved": wanted})
    messages.success(request, "Saved to your library." if wanted else "Removed from your library.")
    return _back(request, paper_path(paper.pk))


@require_POST
def dismiss(request, arxiv_id: str):
    paper = paper_or_404(arxiv_id)
    if not request.user.is_authenticated:
        return _login_first(request, paper)
    wanted = request.POST.get("dismissed", "1") != "0"
    try:
        if wanted:
            services.dismiss(request.user, paper)
        else:
            services.undismiss(request.user, paper.pk)
    except services.LibraryError as error:
        if _wants_json(request):
            return JsonResponse({"error": str(error)}, status=409)
        messages.error(request, str(error))
        return _back(request, paper_path(paper.pk))
    if _wants_json(request):
        return JsonResponse({"dismissed": wanted})
    return _back(request, paper_path(paper.pk))


@require_POST
@login_required
def edit(request, arxiv_id: str):
    """The paper page's panel: saves the paper with exactly these tags and this note."""
    paper = paper_or_404(arxiv_id)
    form = PaperLibraryForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return redirect("paper", arxiv_id=paper.pk)
    try:
        saved = services.save(request.user, paper)
        services.set_tags(request.user, saved, services.split_tags(form.cleaned_data["tags"]))
        services.set_note(request.user, saved, form.cleaned_data["note"])
    except services.LibraryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Saved to your library.")
    return redirect(paper_path(paper.pk) + "#library")


@require_safe
@login_required
def library(request):
    form = LibraryFilter(request.GET)
    values = form.cleaned_data if form.is_valid() else {}
    tag = None
    if values.get("tag"):
        tag = services.tag_by_slug(request.user, values["tag"])
        if tag is None:
            raise Http404("you have no such tag")
    sort = values.get("sort") or "saved"
    rows = services.library(request.user, tag=tag, text=values.get("q", ""), sort=sort)
    total = rows.count()
    return render(
        request,
        "library/library.html",
        {
            "rows": rows[:PAGE_SIZE],
            "total": total,
            "shown_max": PAGE_SIZE,
            "tag": tag,
            "q": values.get("q", ""),
            "sort": sort,
            "sorts": [("saved", "Date saved"), ("published", "Date published"), ("title", "Title")],
            "tags": services.tags_with_counts(request.user),
            "formats": list(exports.FORMATS),
        },
    )


@require_POST
@login_required
def bulk(request):
    # An id that cannot be stored is not one of the user's papers (and PostgreSQL refuses a
    # NUL even in a lookup).
    ids = [paper_id for paper_id in request.POST.getlist("papers") if is_storable(paper_id)]
    owned = list(
        SavedPaper.objects.filter(user=request.user, paper_id__in=ids[:5000]).values_list(
            "paper_id", flat=True
        )
    )
    form = BulkForm(request.POST, paper_ids=owned)
    if not form.is_valid():
        messages.error(request, "Choose papers of your library and an action.")
    else:
        data = form.cleaned_data
        try:
            count = services.bulk(request.user, data["papers"], data["action"], data["tag"])
        except services.LibraryError as error:
            messages.error(request, str(error))
        else:
            done = {"tag": "Tagged", "untag": "Untagged", "remove": "Removed"}[data["action"]]
            messages.success(request, f"{done} {count} paper{'' if count == 1 else 's'}.")
    return _back(request, reverse("library"))


@require_safe
@login_required
def export(request):
    form = ExportForm(request.GET)
    if not form.is_valid():
        raise Http404("unknown export format")
    tag = None
    if form.cleaned_data["tag"]:
        tag = services.tag_by_slug(request.user, form.cleaned_data["tag"])
        if tag is None:
            raise Http404("you have no such tag")
    fmt = form.cleaned_data["format"]
    body = exports.export(services.library(request.user, tag=tag), fmt)
    response = HttpResponse(body, content_type=exports.FORMATS[fmt])
    name = f"library-{tag.slug}" if tag else "library"
    response["Content-Disposition"] = f'attachment; filename="{_ascii(name)}.{fmt}"'
    return response


def _ascii(name: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in name)


@require_http_methods(["GET", "POST"])
@login_required
def import_view(request):
    form = ImportForm(_posted(request), request.FILES or None)
    report, refusal = None, ""
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = import_text(
                request.user,
                data["text"],
                data["filename"],
                tags=services.split_tags(data["tags"]),
                partial=data["partial"],
            )
        except (ImportRefused, services.LibraryError) as error:
            refusal, status = str(error), 400
        else:
            if report.applied and not report.problems:
                messages.success(
                    request,
                    f"Imported {len(report.saved)} new paper{'' if len(report.saved) == 1 else 's'}"
                    f" ({len(report.already)} already in your library).",
                )
                return redirect("library")
            status = 400 if not report.applied else 200
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "library/import.html",
        {"form": form, "report": report, "refusal": refusal},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def tag_settings(request, slug: str):
    tag = services.tag_by_slug(request.user, slug)
    if tag is None:
        raise Http404("you have no such tag")
    collection = getattr(tag, "collection", None)
    initial = (
        {
            "title": collection.title,
            "description": collection.description,
            "public": collection.public,
        }
        if collection
        else {"title": tag.name}
    )
    form = CollectionForm(_posted(request), initial=initial)
    if request.method == "POST":
        if request.POST.get("delete"):
            services.delete_tag(request.user, slug)
            messages.success(request, f"Deleted the tag {tag.name}; its papers stay saved.")
            return redirect("library")
        if form.is_valid():
            try:
                collection = services.publish(request.user, slug, **form.cleaned_data)
            except services.LibraryError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    "Published." if collection.public else "Saved; the collection is private.",
                )
                return redirect("library_tag", slug=slug)
    return render(
        request,
        "library/tag.html",
        {"tag": tag, "collection": collection, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def settings_view(request):
    form = SettingsForm(
        _posted(request), initial={"upvotes_are_signals": upvotes_are_signals(request.user)}
    )
    if request.method == "POST" and form.is_valid():
        LibrarySettings.objects.update_or_create(
            user=request.user,
            defaults={"upvotes_are_signals": form.cleaned_data["upvotes_are_signals"]},
        )
        messages.success(request, "Settings saved.")
        return redirect("library_settings")
    return render(request, "library/settings.html", {"form": form})


def _collection_or_404(request, username: str, slug: str):
    """Public collections for everyone; a private one for its owner alone (as a preview)."""
    collection = services.public_collection(username, slug)
    if collection is None and request.user.is_authenticated and request.user.username == username:
        tag = services.tag_by_slug(request.user, slug)
        collection = getattr(tag, "collection", None) if tag else None
    if collection is None:
        raise Http404("no such collection")
    return collection


@require_safe
def collection(request, username: str, slug: str):
    found = _collection_or_404(request, username, slug)
    return render(
        request,
        "library/collection.html",
        {
            "collection": found,
            "owner": found.tag.user,
            "papers": services.collection_papers(found, 500),
            "is_owner": request.user == found.tag.user,
        },
    )


@require_safe
def collection_bibtex(request, username: str, slug: str):
    found = services.public_collection(username, slug)
    if found is None:
        raise Http404("no such collection")
    body = bibtex.entries(services.collection_papers(found))
    response = HttpResponse(body, content_type=exports.FORMATS["bib"])
    response["Content-Disposition"] = f'inline; filename="{_ascii(slug)}.bib"'
    return response
