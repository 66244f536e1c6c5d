"""The paper page's reads: the paper, its list entry with the submitter's name, and its
comments with their authors' names, as SQL written once.

Through QuerySets (select_related, then a filter for the comments) they cost about 1.7 ms of
CPU per uncached paper page, mostly compiling SQL that never changes; raw() runs fixed
statements and still applies each field's converters; plain rows built into models with
core.sql.instance cost less again than raw() (docs/performance.md, "Eighth round").
"""

from django.contrib.auth import get_user_model

from ..core import sql
from ..papers.models import Paper
from .comment_markup import current_html
from .models import Comment, DailyEntry

User = get_user_model()
_PAPERS = Paper._meta.db_table
_ENTRIES = DailyEntry._meta.db_table
_COMMENTS = Comment._meta.db_table
_USERS = User._meta.db_table


def _named_user(pk: int | None, username: str | None):
    """The user a page names (only the username is shown: profile links)."""
    return None if pk is None else User(pk=pk, username=username)


_PAPER_COLUMNS = len(Paper._meta.concrete_fields)
_PAPER_WITH_ENTRY_SQL = (
    f"SELECT {sql.columns(Paper, 'p')}, {sql.columns(DailyEntry, 'e')}, u.username "
    f"FROM {_PAPERS} p LEFT JOIN {_ENTRIES} e ON e.paper_id = p.arxiv_id "
    f"LEFT JOIN {_USERS} u ON u.id = e.submitted_by_id WHERE p.arxiv_id = %s"
)


def paper_with_entry(arxiv_id: str) -> Paper | None:
    """The paper, with .entry (when it is on a list) and the entry's submitted_by loaded: one
    statement (on PostgreSQL a round trip costs client and server about 0.1 ms each)."""
    found = sql.rows(_PAPER_WITH_ENTRY_SQL, [arxiv_id])
    if not found:
        return None
    *values, submitter = found[0]
    paper = sql.instance(Paper, values[:_PAPER_COLUMNS])
    entry_values = values[_PAPER_COLUMNS:]
    if entry_values[0] is None:  # known to be on no list: reading paper.entry raises, no query
        Paper.entry.related.set_cached_value(paper, None)
        return paper
    entry = sql.instance(DailyEntry, entry_values)
    entry.submitted_by = _named_user(entry.submitted_by_id, submitter)
    entry.paper = paper  # sets paper.entry too
    return paper


_COMMENTS_SQL = (
    f"SELECT {sql.columns(Comment, 'c')}, u.username FROM {_COMMENTS} c "
    f"JOIN {_USERS} u ON u.id = c.author_id WHERE c.paper_id = %s ORDER BY c.created_at"
)


def comments_on(paper: Paper) -> list[Comment]:
    """Every comment on the paper, oldest first (Comment's ordering), with author loaded."""
    comments = []
    for *values, author_name in sql.rows(_COMMENTS_SQL, [paper.pk]):
        comment = sql.instance(Comment, values)
        comment.author = _named_user(comment.author_id, author_name)
        comment.body_html = current_html(comment)
        comments.append(comment)
    return comments
