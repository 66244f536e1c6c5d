"""Import into a library: a BibTeX file (Zotero, Mendeley, arXiv exports) or a list of arXiv
ids and URLs, one a line.

Every line that names no paper we have is reported with its line number. Papers we lack are
fetched from arXiv first, in one bounded request. The library itself changes in one
transaction, and only when nothing was refused, unless the caller asks to keep the rest
(`partial`): a file is never half-imported.
"""

import re
from dataclasses import dataclass, field

from pybtex.database import parse_string
from pybtex.exceptions import PybtexError

from ..papers.arxiv_client import ArxivApi, ArxivApiError, ArxivUnavailable, PoliteSession
from ..papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from ..papers.fetch import fetch_papers
from ..papers.models import Paper
from . import services

MAX_BYTES = 2_000_000
MAX_ENTRIES = 5_000
# Fetching happens while the user waits: one request (arXiv's page size), no retries, and a
# short timeout, so an unreachable arXiv costs seconds, not minutes.
MAX_FETCH = 100
FETCH_TIMEOUT = 10.0

# Where exports keep the arXiv id, in the order we trust them.
_ID_FIELDS = ("eprint", "arxivid", "arxiv", "url", "doi", "howpublished", "journal", "note")
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arxiv[:\s.]\s*|10\.48550/arxiv\.)"
    r"((?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?)",
    re.IGNORECASE,
)
_ENTRY_START = re.compile(r"@\s*([A-Za-z]+)\s*[{(]\s*([^,\s]*)", re.MULTILINE)


class ImportRefused(ValueError):
    """The whole file is unusable (not BibTeX, too big, empty); nothing was changed."""


@dataclass
class Line:
    number: int
    text: str  # what the user wrote: an id, or a BibTeX entry's key
    arxiv_id: str | None = None
    problem: str = ""


@dataclass
class ImportReport:
    saved: list[str] = field(default_factory=list)  # newly saved arXiv ids
    already: list[str] = field(default_factory=list)  # were in the library; tags added
    fetched: list[str] = field(default_factory=list)  # fetched from arXiv on the way
    problems: list[Line] = field(default_factory=list)
    applied: bool = False  # whether the library changed

    @property
    def problem_lines(self) -> list[str]:
        return [f"line {p.number}: {p.text}: {p.problem}" for p in self.problems]


def looks_like_bibtex(text: str, filename: str = "") -> bool:
    if filename.lower().endswith(".bib"):
        return True
    if filename.lower().endswith(".txt"):
        return False
    return bool(re.search(r"^\s*@\s*[A-Za-z]+\s*[{(]", text, re.MULTILINE))


def read_lines(text: str, filename: str = "") -> list[Line]:
    """Every entry or id of the file, each with its arXiv id or the reason it has none."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ImportRefused(f"The file is larger than {MAX_BYTES // 1_000_000} MB.")
    if "\x00" in text:
        raise ImportRefused("The file is binary, not BibTeX or a list of arXiv ids.")
    lines = _bibtex_lines(text) if looks_like_bibtex(text, filename) else _id_lines(text)
    if not lines:
        raise ImportRefused("The file names no papers.")
    if len(lines) > MAX_ENTRIES:
        raise ImportRefused(f"The file names {len(lines)} papers; at most {MAX_ENTRIES} at once.")
    return lines


def _id_lines(text: str) -> list[Line]:
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split()
        if not words or words[0].startswith("#"):
            continue
        line = Line(number, words[0])
        try:
            line.arxiv_id = parse_arxiv_id(words[0]).id
        except InvalidArxivId as error:
            line.problem = str(error)
        lines.append(line)
    return lines


def _bibtex_lines(text: str) -> list[Line]:
    try:
        data = parse_string(text, "bibtex")
    except PybtexError as error:
        raise ImportRefused(f"This is not valid BibTeX: {error}") from None
    starts = {}
    for match in _ENTRY_START.finditer(text):
        starts.setdefault(match[2].lower(), text.count("\n", 0, match.start()) + 1)
    lines = []
    for key, entry in data.entries.items():
        line = Line(starts.get(key.lower(), 0), key)
        found = _arxiv_id_of(entry.fields)
        if found:
            line.arxiv_id = found
        else:
            line.problem = "no arXiv id (eprint, arXiv URL or arXiv DOI) in this entry"
        lines.append(line)
    return sorted(lines, key=lambda line: line.number)


def _arxiv_id_of(fields) -> str | None:
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "arxiv").lower()
    for name in _ID_FIELDS:
        value = str(fields.get(name, "")).strip()
        if not value:
            continue
        candidates = [value] if name == "eprint" and prefix == "arxiv" else []
        candidates += [match[1] for match in _ARXIV_IN_TEXT.finditer(value)]
        if name in ("arxivid", "arxiv"):
            candidates.append(value)
        for candidate in candidates:
            try:
                return parse_arxiv_id(candidate).id
            except InvalidArxivId:
                continue
    return None


def fetch_missing(lines: list[Line]) -> list[str]:
    """Fetch from arXiv the papers we lack; mark the lines still unresolved.
    Returns the ids fetched."""
    wanted = [line for line in lines if line.arxiv_id and not line.problem]
    have = set(
        Paper.objects.filter(pk__in={line.arxiv_id for line in wanted}).values_list("pk", flat=True)
    )
    missing = list(dict.fromkeys(line.arxiv_id for line in wanted if line.arxiv_id not in have))
    if not missing:
        return []
    fetchable, too_many = missing[:MAX_FETCH], set(missing[MAX_FETCH:])
    reason: dict[str, str] = {
        pid: f"not here, and one import fetches at most {MAX_FETCH} papers from arXiv"
        for pid in too_many
    }
    fetched: list[str] = []
    try:
        session = PoliteSession(max_retries=0, timeout=FETCH_TIMEOUT)
        result = fetch_papers(fetchable, api=ArxivApi(session=session))
    except ArxivUnavailable:
        reason.update({pid: "not here, and arXiv could not be reached" for pid in fetchable})
    except ArxivApiError as error:
        reason.update({pid: f"not here, and arXiv refused: {error}" for pid in fetchable})
    else:
        absent = set(result.missing)
        reason.update({pid: "arXiv has no such paper" for pid in absent})
        fetched = [pid for pid in fetchable if pid not in absent]
    for line in wanted:
        if line.arxiv_id in reason:
            line.problem = reason[line.arxiv_id]
    return fetched


def import_text(
    user,
    text: str,
    filename: str = "",
    *,
    tags=(),
    partial: bool = False,
    fetch: bool = True,
    progress=None,
) -> ImportReport:
    """Read, resolve and save. ImportRefused or LibraryError leave everything unchanged.
    `progress(done, total)` is called as papers are saved (the CLI draws a bar with it)."""
    tag_names = list(tags)
    for name in tag_names:
        services.clean_tag_name(name)  # refuse a bad tag before any fetch
    lines = read_lines(text, filename)
    report = ImportReport()
    if fetch:
        report.fetched = fetch_missing(lines)
    present = set(
        Paper.objects.filter(pk__in={line.arxiv_id for line in lines if line.arxiv_id}).values_list(
            "pk", flat=True
        )
    )
    for line in lines:
        if line.arxiv_id and not line.problem and line.arxiv_id not in present:
            line.problem = "not here (arXiv was not asked)"
    report.problems = [line for line in lines if line.problem]
    if report.problems and not partial:
        return report
    ids = list(dict.fromkeys(line.arxiv_id for line in lines if not line.problem))
    fresh = set(services.save_many(user, ids, tags=tag_names, progress=progress))
    report.saved = [pid for pid in ids if pid in fresh]
    report.already = [pid for pid in ids if pid not in fresh]
    report.applied = bool(ids)
    return report
