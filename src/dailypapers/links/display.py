"""What readers are shown of papers' links, for many papers at once: one query per list, so
cards, feeds and API pages never add a query per paper."""

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from ..core import sql
from .extract import LinkKind
from .models import KIND_ORDER, PaperLink
from .stars import stars_for


@dataclass(frozen=True, slots=True)
class CodeBadge:
    """A card's code link: the paper's first published code link, and its stars if known."""

    url: str
    stars: int | None


def published_links(arxiv_ids: Iterable[str]) -> dict[str, list[PaperLink]]:
    """Each paper's published links in display order ("Code · Project · Data · Demo")."""
    ids = list(dict.fromkeys(arxiv_ids))
    found: dict[str, list[PaperLink]] = {}
    if not ids:
        return found
    rows = PaperLink.objects.published().filter(paper_id__in=ids).order_by("position", "pk")
    for link in rows.only("paper_id", "kind", "url"):
        found.setdefault(link.paper_id, []).append(link)
    for links in found.values():
        links.sort(key=lambda link: KIND_ORDER.index(link.kind))
    return found


# The papers' published code links: fixed SQL, as cards need only the first (core/sql.py).
# Cards read it with their parts in one statement (feed.cards.card_parts), so it has their
# columns: paper_id, two texts, two integers.
CODE_LINKS_SQL = (
    f"SELECT paper_id, url, CAST(NULL AS TEXT), position, id FROM {PaperLink._meta.db_table} "
    f"WHERE status = '{PaperLink.Status.PUBLISHED}' AND kind = '{LinkKind.CODE}' "
    "AND paper_id IN ({})"
)


def code_badges(arxiv_ids: Iterable[str]) -> dict[str, CodeBadge]:
    return code_badges_from(sql.rows_for(CODE_LINKS_SQL, list(dict.fromkeys(arxiv_ids))))


def code_badges_from(rows: list[tuple]) -> dict[str, CodeBadge]:
    """The badges of CODE_LINKS_SQL's rows, in any order: each paper's first code link by
    position, then id, which comes first in display order (the kinds' sort keeps position
    order within a kind)."""
    code: dict[str, str] = {}
    for paper_id, url, _, _, _ in sorted(rows, key=lambda row: (row[3], row[4])):
        code.setdefault(paper_id, url)
    stars = stars_for(list(code)) if code else {}
    return {paper_id: CodeBadge(url, stars.get(paper_id)) for paper_id, url in code.items()}


def badge_html(badge: CodeBadge | None) -> str:
    """A card's or search result's code icon and star count, linking to the repository,
    followed by a separator (nothing when the paper has no code link)."""
    if badge is None:
        return ""
    if badge.stars is None:
        stars, label = "", "Code"
    else:
        stars, label = f" ★ {badge.stars:,}", f"Code, {badge.stars:,} GitHub stars"
    url = escape(badge.url)
    return (
        f'<a class="code-badge" href="{url}" rel="nofollow ugc noopener" aria-label="{label}" '
        f'title="{url}"><span aria-hidden="true">&lt;/&gt;</span> code{stars}</a> · '
    )


def hf_link_fields(arxiv_ids: Iterable[str]) -> dict[str, dict]:
    """Hugging Face's githubRepo, githubStars and projectPage for each paper that has any.
    githubRepo is a GitHub repository only (HF's clients read it as one)."""
    ids = list(arxiv_ids)
    links = published_links(ids)
    fields: dict[str, dict] = {}
    for paper_id, rows in links.items():
        github = next((link.url for link in rows if _is_github(link)), None)
        project = next((link.url for link in rows if link.kind == "project"), None)
        fields[paper_id] = {"githubRepo": github, "projectPage": project}
    with_github = [paper_id for paper_id, f in fields.items() if f["githubRepo"]]
    stars = stars_for(with_github) if with_github else {}
    for paper_id, f in fields.items():
        f["githubStars"] = stars.get(paper_id) if f["githubRepo"] else None
    return fields


def _is_github(link: PaperLink) -> bool:
    return link.kind == "code" and urlsplit(link.url).hostname == "github.com"
