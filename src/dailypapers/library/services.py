"""The one write path of the library: save, tag, note, remove, "not interested", collections.

Views, the API and the CLI all call these; each write is one transaction.
"""

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from ..core.errors import DomainError
from ..papers.cleaning import is_storable
from ..papers.models import Paper
from .models import Collection, Dismissal, SavedPaper, Tag

MAX_TAGS_PER_PAPER = 50
SORTS = {
    "saved": ("-saved_at", "-pk"),
    "published": ("-paper__published", "-pk"),
    "title": ("paper__title", "pk"),
}


class LibraryError(DomainError, ValueError):
    """A user-facing refusal; the message is shown as is."""


class TagMissing(LibraryError):
    status = 404
    code = "not_found"


def clean_tag_name(text: str) -> tuple[str, str]:
    """(display name, slug) for free text; the slug keeps letters of any script."""
    name = " ".join(str(text).split())
    if not name:
        raise LibraryError("A tag needs a name.")
    if len(name) > Tag.NAME_MAX:
        raise LibraryError(f"A tag name has at most {Tag.NAME_MAX} characters.")
    slug = slugify(name, allow_unicode=True)
    if not slug:
        raise LibraryError(f"{name!r} has no letters or digits to name a tag by.")
    return name, slug[: Tag.NAME_MAX]


def split_tags(text: str) -> list[str]:
    """Tags typed in one field, separated by commas."""
    return [part for part in (p.strip() for p in str(text).split(",")) if part]


def tags_named(user, names) -> list[Tag]:
    """The user's tags for these names, created as needed (the first spelling is kept)."""
    tags: dict[str, Tag] = {}
    for text in names:
        name, slug = clean_tag_name(text)
        if slug not in tags:
            tags[slug], _ = Tag.objects.get_or_create(user=user, slug=slug, defaults={"name": name})
    return list(tags.values())


def tag_by_slug(user, slug: str) -> Tag | None:
    if not is_storable(slug):  # names nothing stored (PostgreSQL refuses a NUL in a lookup)
        return None
    return Tag.objects.filter(user=user, slug=slug).first()


def saved_paper(user, paper_id: str) -> SavedPaper | None:
    return SavedPaper.objects.filter(user=user, paper_id=paper_id).first()


@transaction.atomic
def save(user, paper: Paper, *, tags=(), note: str | None = None) -> SavedPaper:
    """Save a paper (again is fine), adding tags and setting the note when given.
    Saving a paper takes back an earlier "not interested"."""
    new_tags = tags_named(user, tags)
    saved, _ = SavedPaper.objects.get_or_create(user=user, paper=paper)
    if new_tags:
        saved.tags.add(*new_tags)
        _check_tag_count(saved)
    if note is not None:
        _set_note(saved, note)
    Dismissal.objects.filter(user=user, paper=paper).delete()
    return saved


SAVE_BATCH = 500


@transaction.atomic
def save_many(user, paper_ids: list[str], *, tags=(), progress=None) -> list[str]:
    """save() for many papers at once, in batches (an import of 5,000 papers takes a second,
    not a minute); returns the ids that were not saved before. `progress(done, total)`."""
    new_tags = tags_named(user, tags)
    ids = list(dict.fromkeys(paper_ids))
    through = SavedPaper.tags.through
    fresh: list[str] = []
    for start in range(0, len(ids), SAVE_BATCH):
        batch = ids[start : start + SAVE_BATCH]
        had = set(
            SavedPaper.objects.filter(user=user, paper_id__in=batch).values_list(
                "paper_id", flat=True
            )
        )
        SavedPaper.objects.bulk_create(
            [SavedPaper(user=user, paper_id=pid) for pid in batch if pid not in had]
        )
        fresh += [pid for pid in batch if pid not in had]
        if new_tags:
            rows = list(
                SavedPaper.objects.filter(user=user, paper_id__in=batch).values_list(
                    "pk", flat=True
                )
            )
            for tag in new_tags:
                tagged = set(
                    through.objects.filter(tag=tag, savedpaper_id__in=rows).values_list(
                        "savedpaper_id", flat=True
                    )
                )
                through.objects.bulk_create(
                    [through(savedpaper_id=pk, tag_id=tag.pk) for pk in rows if pk not in tagged]
                )
        Dismissal.objects.filter(user=user, paper_id__in=batch).delete()
        if progress:
            progress(start + len(batch), len(ids))
    return fresh


def unsave(user, paper_id: str) -> bool:
    deleted, _ = SavedPaper.objects.filter(user=user, paper_id=paper_id).delete()
    return bool(deleted)


@transaction.atomic
def set_tags(user, saved: SavedPaper, names) -> SavedPaper:
    _check_owner(user, saved)
    saved.tags.set(tags_named(user, names))
    _check_tag_count(saved)
    return saved


@transaction.atomic
def set_note(user, saved: SavedPaper, note: str) -> SavedPaper:
    _check_owner(user, saved)
    _set_note(saved, note)
    return saved


def _set_note(saved: SavedPaper, note: str) -> None:
    note = str(note).replace("\r\n", "\n").strip()
    if len(note) > SavedPaper.NOTE_MAX:
        raise LibraryError(f"A note has at most {SavedPaper.NOTE_MAX} characters.")
    saved.note = note
    saved.save(update_fields=["note"])


def _check_owner(user, saved: SavedPaper) -> None:
    if saved.user_id != user.pk:
        raise LibraryError("That paper is not in your library.")


def _check_tag_count(saved: SavedPaper) -> None:
    if saved.tags.count() > MAX_TAGS_PER_PAPER:
        raise LibraryError(f"A paper carries at most {MAX_TAGS_PER_PAPER} tags.")


BULK_ACTIONS = ("tag", "untag", "remove")


@transaction.atomic
def bulk(user, paper_ids: list[str], action: str, tag_name: str = "") -> int:
    """Tag, untag or remove several saved papers at once; returns how many were touched."""
    if action not in BULK_ACTIONS:
        raise LibraryError(f"Unknown action {action!r}.")
    rows = SavedPaper.objects.filter(user=user, paper_id__in=list(paper_ids))
    if action == "remove":
        _, per_model = rows.delete()
        return per_model.get(SavedPaper._meta.label, 0)
    if not tag_name.strip():
        raise LibraryError("Name the tag to add or take off.")
    if action == "tag":
        (tag,) = tags_named(user, [tag_name])
        through = SavedPaper.tags.through
        already = set(
            through.objects.filter(tag=tag, savedpaper__in=rows).values_list(
                "savedpaper_id", flat=True
            )
        )
        fresh = [
            through(savedpaper_id=pk, tag_id=tag.pk)
            for pk in rows.values_list("pk", flat=True)
            if pk not in already
        ]
        through.objects.bulk_create(fresh)
        return len(fresh)
    _, slug = clean_tag_name(tag_name)
    tag = tag_by_slug(user, slug)
    if tag is None:
        return 0
    deleted, _ = SavedPaper.tags.through.objects.filter(tag=tag, savedpaper__in=rows).delete()
    return deleted


@transaction.atomic
def dismiss(user, paper: Paper) -> Dismissal:
    """ "Not interested". Refused for a saved paper: the two would contradict each other."""
    if SavedPaper.objects.filter(user=user, paper=paper).exists():
        raise LibraryError("This paper is in your library; remove it first.")
    dismissal, _ = Dismissal.objects.get_or_create(user=user, paper=paper)
    return dismissal


def undismiss(user, paper_id: str) -> bool:
    deleted, _ = Dismissal.objects.filter(user=user, paper_id=paper_id).delete()
    return bool(deleted)


def library(user, *, tag: Tag | None = None, text: str = "", sort: str = "saved") -> QuerySet:
    """The user's saved papers, optionally with one tag or matching words in the title,
    authors, abstract, note or arXiv id (every word must match somewhere)."""
    rows = SavedPaper.objects.filter(user=user).select_related("paper")
    if tag is not None:
        rows = rows.filter(tags=tag)
    for word in str(text).split()[:20]:
        rows = rows.filter(
            Q(paper__title__icontains=word)
            | Q(paper__abstract__icontains=word)
            | Q(paper__authors__icontains=word)
            | Q(note__icontains=word)
            | Q(paper__arxiv_id__icontains=word)
        )
    return rows.order_by(*SORTS.get(sort, SORTS["saved"])).prefetch_related("tags")


def tags_with_counts(user) -> QuerySet:
    return (
        Tag.objects.filter(user=user)
        .annotate(count=Count("saved_papers"))
        .select_related("collection")
        .order_by("slug")
    )


@transaction.atomic
def delete_tag(user, slug: str) -> bool:
    """Takes the tag (and its collection) off every paper; the papers stay saved."""
    deleted, _ = Tag.objects.filter(user=user, slug=slug).delete()
    return bool(deleted)


@transaction.atomic
def publish(
    user, slug: str, *, title: str = "", description: str = "", public: bool = True
) -> Collection:
    """Describe a tag as a collection and make it public or private again."""
    tag = tag_by_slug(user, slug)
    if tag is None:
        raise TagMissing(f"You have no tag {slug!r}.")
    title = " ".join(str(title).split())
    description = str(description).replace("\r\n", "\n").strip()
    if len(title) > Collection.TITLE_MAX:
        raise LibraryError(f"A title has at most {Collection.TITLE_MAX} characters.")
    if len(description) > Collection.DESCRIPTION_MAX:
        raise LibraryError(f"A description has at most {Collection.DESCRIPTION_MAX} characters.")
    collection, _ = Collection.objects.get_or_create(tag=tag)
    collection.title = title
    collection.description = description
    collection.public = public
    collection.updated_at = timezone.now()
    collection.save()
    return collection


def public_collection(username: str, slug: str) -> Collection | None:
    if not (is_storable(username) and is_storable(slug)):  # as tag_by_slug
        return None
    return (
        Collection.objects.filter(
            public=True, tag__slug=slug, tag__user__username=username, tag__user__is_active=True
        )
        .select_related("tag__user")
        .first()
    )


def public_collections_of(user) -> QuerySet:
    return (
        Collection.objects.filter(public=True, tag__user=user)
        .select_related("tag")
        .annotate(count=Count("tag__saved_papers"))
        .order_by("tag__slug")
    )


def collection_papers(collection: Collection, limit: int | None = None) -> list[Paper]:
    """A collection's papers, most recently saved first; notes are never part of it."""
    rows = (
        SavedPaper.objects.filter(tags=collection.tag)
        .select_related("paper")
        .order_by("-saved_at", "-pk")
    )
    return [row.paper for row in rows[:limit]]
