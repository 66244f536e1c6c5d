"""What an author page shows: the identity, its papers newest first, co-authors and
categories. Reads only; a page is a constant number of queries."""

from collections import Counter
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count

from ..papers.models import Paper
from .models import Author, Authorship
from .names import author_slug

PAPERS_PER_PAGE = 25
CO_AUTHORS_SHOWN = 20
CATEGORIES_SHOWN = 12


@dataclass
class AuthorPage:
    author: Author
    page: Page
    papers: list[Paper]
    total: int
    co_authors: list[tuple[Author, int]]
    categories: list[tuple[str, int]]


def resolve_slug(slug: str) -> Author | list[Author] | None:
    """The identity a slug names: its own (with papers), or the identities a written name
    with that slug resolved to (one: a redirect; several: the page lists them)."""
    author = Author.objects.filter(slug=slug).first()
    if author is not None and author.authorships.exists():
        return author
    resolved = (
        Authorship.objects.filter(written_slug=slug).values_list("author_id", flat=True).distinct()
    )
    found = list(Author.objects.filter(pk__in=list(resolved[:50])).order_by("name"))
    if len(found) == 1:
        return found[0]
    return found or None


def paper_ids_by(written: str, limit: int = 10_000) -> list[str]:
    """The papers of the identity a written name resolves to (search's author:"…"), as
    resolve_slug finds it for the author page; every identity's when the name is ambiguous."""
    found = resolve_slug(author_slug(written)) if author_slug(written) else None
    authors = found if isinstance(found, list) else [found] if found else []
    rows = Authorship.objects.filter(author__in=authors).order_by("-published")
    return list(rows.values_list("paper_id", flat=True)[:limit])


def author_page(author: Author, page_number) -> AuthorPage:
    ids = Authorship.objects.filter(author=author).order_by("-published", "-paper_id")
    paginator = Paginator(ids.values_list("paper_id", flat=True), PAPERS_PER_PAGE)
    page = paginator.get_page(page_number)
    shown = list(page.object_list)
    found = Paper.objects.in_bulk(shown)
    papers = [found[i] for i in shown if i in found]
    return AuthorPage(
        author=author,
        page=page,
        papers=papers,
        total=paginator.count,
        co_authors=_co_authors(author),
        categories=_categories(author),
    )


def _co_authors(author: Author) -> list[tuple[Author, int]]:
    papers = Authorship.objects.filter(author=author).values("paper_id")
    counts = (
        Authorship.objects.filter(paper_id__in=papers)
        .exclude(author=author)
        .values("author_id")
        .annotate(shared=Count("paper_id", distinct=True))
        .order_by("-shared", "author_id")[:CO_AUTHORS_SHOWN]
    )
    shared = {row["author_id"]: row["shared"] for row in counts}
    authors = Author.objects.in_bulk(list(shared))
    return [(authors[i], n) for i, n in shared.items() if i in authors]


def _categories(author: Author) -> list[tuple[str, int]]:
    papers = Authorship.objects.filter(author=author).values("paper_id")
    counter: Counter[str] = Counter()
    for categories in Paper.objects.filter(arxiv_id__in=papers).values_list(
        "categories", flat=True
    ):
        counter.update(categories)
    return counter.most_common(CATEGORIES_SHOWN)
