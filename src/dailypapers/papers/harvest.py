"""Resumable OAI-PMH harvests.

Each page's records and the resumptionToken that follows them commit in one transaction,
so a killed harvest continues from the next page. When a harvest completes, the date it
started becomes the watermark that the next harvest starts from.
"""

import logging
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from .arxiv_client import OaiClient
from .importer import ImportSummary, import_items
from .models import HarvestState

log = logging.getLogger("dailypapers.harvest")


class HarvestError(RuntimeError):
    """The OAI-PMH server answered with an error other than 'no records'."""


@dataclass
class HarvestResult:
    summary: ImportSummary
    pages: int
    complete: bool


def harvest(
    client: OaiClient,
    *,
    metadata_prefix: str = "arXiv",
    set_spec: str = "",
    from_date: date | None = None,
    until: date | None = None,
    max_pages: int | None = None,
    restart: bool = False,
    on_page=None,
) -> HarvestResult:
    key = f"{client.base_url}|{metadata_prefix}|{set_spec}"
    state, _ = HarvestState.objects.get_or_create(key=key)
    if restart:
        state.resumption_token = ""
    summary = ImportSummary()
    pages = 0
    restarted_after_bad_token = False
    if not state.resumption_token:
        _begin(state, from_date or state.watermark)
    while max_pages is None or pages < max_pages:
        if state.resumption_token:
            params = {"resumptionToken": state.resumption_token}
        else:
            params = {"metadataPrefix": metadata_prefix}
            if state.started_from:
                params["from"] = state.started_from.isoformat()
            if until:
                params["until"] = until.isoformat()
            if set_spec:
                params["set"] = set_spec
        page = client.list_records(**params)
        pages += 1
        if page.error_code == "badResumptionToken" and not restarted_after_bad_token:
            log.warning("arXiv rejected the resumption token; restarting from the watermark")
            restarted_after_bad_token = True
            state.resumption_token = ""
            state.save(update_fields=["resumption_token", "updated_at"])
            continue
        if page.error_code and page.error_code != "noRecordsMatch":
            raise HarvestError(f"OAI-PMH error {page.error_code}: {page.error_message}")
        with transaction.atomic():
            import_items(page.items, summary)
            state.resumption_token = page.resumption_token
            state.pages += 1
            state.records += len(page.items)
            if not page.resumption_token:
                _complete(state, page.response_date)
            state.save()
        if on_page:
            on_page(pages, page, summary)
        if not page.resumption_token:
            return HarvestResult(summary, pages, complete=True)
    log.info("stopped after %d pages; the next run resumes from the saved token", pages)
    return HarvestResult(summary, pages, complete=False)


def _begin(state: HarvestState, from_date: date | None) -> None:
    state.started_from = from_date
    state.started_at = timezone.now()
    state.save()


def _complete(state: HarvestState, response_date) -> None:
    # Records stamped on the day the harvest started may have been added after it: start there.
    first_day = (state.started_at or timezone.now()).date()
    state.watermark = min(first_day, response_date.date()) if response_date else first_day
    state.started_from = None
    state.started_at = None
