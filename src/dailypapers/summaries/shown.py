"""Stored summaries as pages and the API show them: read only, one query per list, never
a request to the LLM server (that is `dailypapers summarize`'s job alone)."""

from django.utils.html import format_html

from ..core import sql
from .models import Summary

# In the columns of feed's card reads (paper_id, two texts, two integers), so that cards read
# it with their other parts in one statement (feed.cards.register_card_part).
STORED_SQL = (
    "SELECT paper_id, text, model, CAST(NULL AS INTEGER), CAST(NULL AS INTEGER) "
    f"FROM {Summary._meta.db_table} "
    f"WHERE status = '{Summary.Status.OK}' AND paper_id IN ({{}})"
)


def stored(paper_ids: list[str]) -> dict[str, tuple[str, str]]:
    """{paper id: (summary, model)} of these papers' stored summaries (fixed SQL: the
    QuerySet cost more to build than to run, core/sql.py)."""
    return _by_paper(sql.rows_for(STORED_SQL, paper_ids))


def _by_paper(rows: list[tuple]) -> dict[str, tuple[str, str]]:
    return {paper_id: (text, model) for paper_id, text, model, _, _ in rows}


def summary_html(text: str, model: str) -> str:
    # format_html escapes the untrusted reply; the label says where the sentence comes from.
    return format_html(
        '<p class="snippet ai-summary"><span class="label" title="{}">AI summary</span> {}</p>',
        f"Written by {model}",
        text,
    )


def card_summaries(cards, rows: list[tuple]) -> dict[str, str]:
    """feed's card hook: the summary in place of the key sentence, for cards that have one,
    from STORED_SQL's rows. Read fresh on every render (with the other card parts, one
    statement), so a new summary shows as soon as the page cache's generation moves; no
    per-process copy to invalidate."""
    return {pid: summary_html(text, model) for pid, (text, model) in _by_paper(rows).items()}
