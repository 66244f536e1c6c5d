"""A library (or one tag of it) as BibTeX, CSV or JSON. BibTeX goes through papers/bibtex.py,
the one BibTeX writer; CSV through the csv module; JSON through json."""

import csv
import io
import json

from ..papers import bibtex
from .models import SavedPaper

FORMATS = {
    "bib": "application/x-bibtex; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
CSV_COLUMNS = ["arxiv_id", "title", "authors", "published", "saved_at", "tags", "note"]
# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# (OWASP "CSV injection"): titles, tags and notes are outside text, so such cells get a
# leading apostrophe, which spreadsheets read as "text" and hide.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def record(saved: SavedPaper) -> dict:
    paper = saved.paper
    return {
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "authors": list(paper.authors),
        "published": paper.published.isoformat(),
        "saved_at": saved.saved_at.isoformat(),
        "tags": sorted(t.name for t in saved.tags.all()),
        "note": saved.note,
        "url": paper.abs_url,
    }


def export(rows, fmt: str) -> str:
    """rows: SavedPaper with paper selected and tags prefetched (services.library)."""
    rows = list(rows)
    if fmt == "bib":
        return bibtex.entries([row.paper for row in rows])
    if fmt == "json":
        return json.dumps([record(row) for row in rows], ensure_ascii=False, indent=1)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            values = record(row)
            values["authors"] = "; ".join(values["authors"])
            values["tags"] = "; ".join(values["tags"])
            writer.writerow({k: spreadsheet_text(str(v)) for k, v in values.items()})
        return out.getvalue()
    raise ValueError(f"unknown export format {fmt!r}")
