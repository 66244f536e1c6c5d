"""Stored summaries as pages and the API show them: read only, one query per list, never
a request to the LLM server (that is `dailypapers summarize`'s job alone)."""

from django.utils.html import format_html

from ..core import sql
from .models import Summary

_STORED_SQL = (
    f"SELECT paper_id, text, model FROM {Summary._meta.db_table} "
    f"WHERE status = '{Summary.Status.OK}' AND paper_id IN ({{}})"
)


def stored(paper_ids: list[str]) -> dict[str, tuple[str, str]]:
    """{paper id: (summary, model)} of these papers' stored summaries (fixed SQL: the
    QuerySet cost more to build than to run, core/sql.py)."""
    return {pid: (text, model) for pid, text, model in sql.rows_for(_STORED_SQL, paper_ids)}


def summary_html(text: str, model: str) -> str:
    # format_html escapes the untrusted reply; the label says where the sentence comes from.
    return format_html(
        '<p class="snippet ai-summary"><span class="label" title="{}">AI summary</span> {}</p>',
        f"Written by {model}",
        text,
    )


def card_summaries(cards) -> dict[str, str]:
    """feed's card hook: the summary in place of the key sentence, for cards that have one.
    Read fresh on every render (it is one indexed query), so a new summary shows as soon as
    the page cache's generation moves; no per-process copy to invalidate."""
    found = stored([card.paper_id for card in cards])
    return {pid: summary_html(text, model) for pid, (text, model) in found.items()}
