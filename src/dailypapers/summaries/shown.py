"""Stored summaries as pages and the API show them: read only, one query per list, never
a request to the LLM server (that is `dailypapers summarize`'s job alone)."""

from django.utils.html import format_html

from .models import Summary


def stored(paper_ids: list[str]) -> dict[str, tuple[str, str]]:
    """{paper id: (summary, model)} of these papers' stored summaries."""
    if not paper_ids:
        return {}
    rows = Summary.objects.filter(paper_id__in=paper_ids, status=Summary.Status.OK)
    return {
        pid: (text, model) for pid, text, model in rows.values_list("paper_id", "text", "model")
    }


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
