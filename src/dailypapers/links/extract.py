"""Links a paper's own text points to: code, project page, data and demo.

`extract_links(abstract, comment)` is the one extractor; it returns `Link`s, each a kind and an
absolute http(s) URL, deduplicated, in the order the text gives them.

What a link is, so that the labelled set in tests/fixtures/links_labelled.jsonl can be judged:
- code: a repository on GitHub, GitLab, Codeberg or Bitbucket (owner/name, canonicalised to
  the repository root), a Hugging Face model (owner/name) or collection;
- data: a Hugging Face dataset, a Zenodo/Figshare/Kaggle/Dryad/Dataverse record or a DOI of
  one, or any URL that a phrase such as "our dataset is available at" introduces;
- demo: a Hugging Face Space;
- project: a *.github.io / *.gitlab.io page, or any URL a phrase such as "Project page:",
  "website" or "homepage" introduces.
Everything else is left out on purpose: arXiv's own links, DOIs of papers, an owner or
organisation page with no repository (github.com/org, huggingface.co/org), videos, and URLs
no phrase introduces. Precision matters more than recall: a wrong code link misleads readers.

The text arrives with LaTeX markup (\\url{…}, \\href{…}{…}, \\_), URLs wrapped across lines
and sentence punctuation glued to the end; `_unlatex` and `_clean_url` undo those.
Measured with `python bench/links.py` (see docs/links.md).
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote, urlsplit


class LinkKind(StrEnum):
    CODE = "code"
    PROJECT = "project"
    DATA = "data"
    DEMO = "demo"


@dataclass(frozen=True, slots=True)
class Link:
    kind: LinkKind
    url: str


# \href{URL}{TEXT} -> URL (TEXT is display text, sometimes the URL again); \url{URL} -> URL.
_HREF = re.compile(r"\\href\s*\{\s*([^{}\s]+)\s*\}\s*\{[^{}]*\}")
_URL_MACRO = re.compile(r"\\(?:url|path|nolinkurl)\s*\{\s*([^{}\s]+)\s*\}")
_LATEX_ESCAPES = {r"\_": "_", r"\%": "%", r"\&": "&", r"\#": "#", r"\~{}": "~", r"\~": "~"}
_LATEX_ESCAPE = re.compile("|".join(re.escape(e) for e in _LATEX_ESCAPES))

_URL_CHARS = r"[^\s<>\"'{}\\|^`\[\]$]"
_CODE_HOSTS = r"github\.com|gitlab\.com|codeberg\.org|bitbucket\.org|huggingface\.co|hf\.co"
# A URL with a scheme or www., a bare code-host URL, a bare *.github.io page, or a DOI.
_CANDIDATE = re.compile(
    rf"(?P<url>(?:https?://|www\.){_URL_CHARS}+"
    rf"|(?<![\w.@/-])(?:{_CODE_HOSTS})/{_URL_CHARS}+"
    rf"|(?<![\w.@/-])[\w-]+\.git(?:hub|lab)\.io\b{_URL_CHARS}*)"
    rf"|(?<![\w./])(?P<doi>10\.\d{{4,9}}/{_URL_CHARS}+)",
    re.IGNORECASE,
)
# A URL wrapped at a line end: "https://github.com/owner/ repo". Joined only when the URL
# stops at a separator and the next word is not an ordinary word of the sentence.
_WRAPPED = re.compile(rf"(?:https?://|www\.){_URL_CHARS}*[/_-]\s+(?P<rest>{_URL_CHARS}+)")
_SENTENCE_WORDS = frozenset(
    [
        "a",
        "all",
        "an",
        "and",
        "are",
        "as",
        "at",
        "by",
        "code",
        "data",
        "for",
        "from",
        "github",
        "in",
        "is",
        "it",
        "more",
        "on",
        "or",
        "our",
        "see",
        "the",
        "this",
        "to",
        "we",
        "which",
        "will",
        "with",
    ]
)
_TRAILING = ".,;:!?'\"*"
_PAIRS = {")": "(", "]": "["}

_SKIPPED_HOSTS = re.compile(
    r"(?:^|\.)(?:arxiv\.org|alphaxiv\.org|youtube\.com|youtu\.be|vimeo\.com|bilibili\.com"
    r"|creativecommons\.org|twitter\.com|x\.com)$"
)
_DATA_HOSTS = re.compile(
    r"(?:^|\.)(?:zenodo\.org|figshare\.com|datadryad\.org|dataverse\.harvard\.edu|kaggle\.com"
    r"|data\.mendeley\.com|pangaea\.de|osf\.io)$"
)
# DOI prefixes of data repositories: Zenodo, Figshare, Dryad, Mendeley Data, PANGAEA,
# Harvard Dataverse, OSF. Every other DOI names a publication, not a link of this paper.
_DATA_DOI = re.compile(r"^10\.(?:5281|6084|5061|17632|1594|7910|17605)/")
_PAGE_HOSTS = re.compile(r"^[\w-]+\.git(?:hub|lab)\.io$")
_REPO_HOSTS = {"github.com", "gitlab.com", "codeberg.org", "bitbucket.org"}
# First path segments that are site pages, not owners.
_NOT_OWNERS = frozenset(
    [
        "about",
        "apps",
        "blog",
        "collections",
        "contact",
        "customer-stories",
        "docs",
        "enterprise",
        "events",
        "explore",
        "features",
        "issues",
        "login",
        "marketplace",
        "notifications",
        "orgs",
        "pricing",
        "pulls",
        "search",
        "security",
        "settings",
        "signup",
        "site",
        "sponsors",
        "team",
        "topics",
        "trending",
        "users",
        "join",
        "help",
    ]
)
_HF_NOT_OWNERS = frozenset(
    [
        "papers",
        "docs",
        "blog",
        "learn",
        "models",
        "api",
        "join",
        "login",
        "pricing",
        "posts",
        "tasks",
        "organizations",
    ]
)

_PROJECT_CUE = re.compile(
    r"project(?:'s)?\s*(?:page|web\s*site|web\s*page|site|home\s*page)?|home\s*page|web\s*page"
    r"|web\s*site|demo\s*page",
    re.IGNORECASE,
)
_DATA_CUE = re.compile(r"\b(?:data(?:\s*sets?)?|datasets?|benchmarks?|corpus|corpora)\b", re.I)
_MODEL_CUE = re.compile(r"\b(?:code|models?|weights|checkpoints?|implementation)\b", re.I)
_CUE_WINDOW = 80
# Every candidate contains one of these; most abstracts contain none and skip the scan
# (5,000 recent, link-dense papers: 1,700/s without this test, 6,000-9,000/s with it).
_MAY_HAVE_LINK = ("http", "www.", ".io", ".com/", ".org/", ".co/", "10.")


def extract_links(abstract: str, comment: str = "") -> tuple[Link, ...]:
    """Every code, project, data and demo link in a paper's abstract and arXiv comment."""
    found: dict[str, Link] = {}
    for text in (abstract or "", comment or ""):
        for link in _links_in(text):
            found.setdefault(_identity(link.url), link)
    return tuple(found.values())


def _links_in(text: str):
    lowered = text.lower()
    if not any(marker in lowered for marker in _MAY_HAVE_LINK):
        return
    text = _unlatex(text)
    previous_end = 0
    for match in _CANDIDATE.finditer(text):
        before = text[max(previous_end, match.start() - _CUE_WINDOW) : match.start()]
        previous_end = match.end()
        if match.group("doi"):
            link = _from_doi(_clean_url(match.group("doi")))
        else:
            link = _classify(_clean_url(match.group("url")), before)
        if link is not None:
            yield link


def _unlatex(text: str) -> str:
    text = _HREF.sub(r" \1 ", text)
    text = _URL_MACRO.sub(r" \1 ", text)
    text = _LATEX_ESCAPE.sub(lambda m: _LATEX_ESCAPES[m.group()], text)
    return _WRAPPED.sub(_join_wrapped, text)


def _join_wrapped(match: re.Match) -> str:
    """Join "https://github.com/owner/ Repo" when the break is evidently inside the URL: the
    URL stops at "-" or "_", or at "/" before a word no sentence would hold (CamelCase, a
    digit, a dot or dash inside), or at a code host's owner page, which is no link alone."""
    head = match.group()[: match.start("rest") - match.start()].rstrip()
    rest = match.group("rest")
    word = _clean_url(rest)
    if not re.fullmatch(r"[\w.-]+(?:/[\w./-]*)?", word) or word.lower() in _SENTENCE_WORDS:
        return match.group()
    owner_page = re.search(rf"(?:{_CODE_HOSTS})/[\w.-]+/$", head, re.IGNORECASE)
    url_like = re.search(r"[A-Z0-9]|[\w][-_./][\w]", word[1:])
    if head.endswith(("-", "_")) or owner_page or url_like:
        return head + rest
    return match.group()


def _clean_url(url: str) -> str:
    """Strip sentence punctuation and unbalanced closing brackets from the end."""
    while url:
        last = url[-1]
        if last in _TRAILING or last in _PAIRS and url.count(last) > url.count(_PAIRS[last]):
            url = url[:-1]
        else:
            break
    return url


def _link(kind: LinkKind, url: str) -> Link | None:
    """The link, once a path that ended in "/" has lost the punctuation before it too."""
    tidy = ""
    while tidy != url:
        tidy, url = url, _clean_url(url.rstrip("/"))
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return None
    return Link(kind, url) if "." in host else None


def _from_doi(doi: str) -> Link | None:
    if _DATA_DOI.match(doi):
        return _link(LinkKind.DATA, f"https://doi.org/{doi}")
    return None


def _classify(url: str, before: str) -> Link | None:
    if not re.match(r"https?://", url, re.IGNORECASE):
        url = "https://" + url
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if "." not in host or _SKIPPED_HOSTS.search(host):
        return None
    segments = [s for s in parts.path.split("/") if s]
    bare_host = host.removeprefix("www.")
    if bare_host == "doi.org" or bare_host == "dx.doi.org":
        doi = parts.path.lstrip("/")
        return _from_doi(doi)
    if bare_host in _REPO_HOSTS:
        return _repository(bare_host, segments)
    if bare_host in ("huggingface.co", "hf.co"):
        return _hugging_face(segments, before)
    if _PAGE_HOSTS.match(host):
        return _link(LinkKind.PROJECT, _page_url(parts, host))
    if _DATA_HOSTS.search(bare_host):
        return _link(LinkKind.DATA, _page_url(parts, host)) if segments else None
    cue = _last_cue(before)
    if cue is None:
        return None
    return _link(cue, _page_url(parts, host, keep_scheme=True))


def _repository(host: str, segments: list[str]) -> Link | None:
    if len(segments) < 2 or segments[0].lower() in _NOT_OWNERS:
        return None  # an owner or organisation page: there is no repository to link
    if host == "gitlab.com":
        # GitLab nests groups; its own pages start at the "-" segment.
        segments = segments[: segments.index("-")] if "-" in segments else segments
        path = segments
    else:
        path = segments[:2]
    path[-1] = _clean_url(path[-1].removesuffix(".git"))
    if not all(re.fullmatch(r"[\w.-]+", s) for s in path) or not path[-1]:
        return None
    return _link(LinkKind.CODE, f"https://{host}/{'/'.join(path)}")


def _hugging_face(segments: list[str], before: str) -> Link | None:
    if not segments or segments[0].lower() in _HF_NOT_OWNERS:
        return None
    section = segments[0].lower()
    if section in ("datasets", "spaces", "collections"):
        if len(segments) < 3:
            return None
        kind = {"datasets": LinkKind.DATA, "spaces": LinkKind.DEMO}.get(section)
        if kind is None:  # a collection holds models or datasets: the phrase tells which
            kind = LinkKind.DATA if _last_cue(before) == LinkKind.DATA else LinkKind.CODE
        return _link(kind, f"https://huggingface.co/{'/'.join(segments[:3])}")
    if len(segments) < 2:
        return None  # a user or organisation
    return _link(LinkKind.CODE, f"https://huggingface.co/{'/'.join(segments[:2])}")


def _last_cue(before: str) -> LinkKind | None:
    """The kind the nearest phrase before a URL names: "Project page:", "our dataset at" …"""
    sentence = re.split(r"[.;!?]\s", before)[-1]
    cues = [(m.end(), LinkKind.PROJECT) for m in _PROJECT_CUE.finditer(sentence)]
    cues += [(m.end(), LinkKind.DATA) for m in _DATA_CUE.finditer(sentence)]
    cues += [(m.end(), None) for m in _MODEL_CUE.finditer(sentence)]
    return max(cues, key=lambda cue: cue[0])[1] if cues else None


def _page_url(parts, host: str, keep_scheme: bool = False) -> str:
    scheme = parts.scheme.lower() if keep_scheme else "https"
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{host}{path}{query}"


MAX_URL_CHARS = 2000
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")


# What stays as typed in a proposed URL's path and query: RFC 3986's unreserved and reserved
# characters and "%" (so an escape is not escaped twice); quotes, "<", ">" and non-ASCII
# letters are percent-encoded.
_URL_SAFE = "/?:@!$&'()*+,;=-._~%#[]"


class InvalidLink(ValueError):
    """A URL a person typed that cannot be a paper's link; the message says why."""


def normalise_link(url: str, kind: LinkKind | str) -> Link:
    """A link a person proposes, checked and put in the form extraction gives (a repository
    canonicalised to its root, a page without its fragment or trailing slash), so the same
    link typed twice, or already extracted, is recognised. Raises InvalidLink."""
    try:
        kind = LinkKind(kind)
    except ValueError:
        raise InvalidLink(f"kind must be one of {', '.join(k.value for k in LinkKind)}.") from None
    url = (url or "").strip()
    if not url:
        raise InvalidLink("Give the link's URL.")
    if len(url) > MAX_URL_CHARS:
        raise InvalidLink(f"That URL is longer than {MAX_URL_CHARS} characters.")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise InvalidLink("A URL cannot hold spaces or control characters.")
    scheme = _SCHEME.match(url)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        raise InvalidLink("Only http:// and https:// links can be added.")
    if not scheme:
        url = "https://" + url.removeprefix("//")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
    except ValueError:
        raise InvalidLink("That is not a valid URL.") from None
    parts = parts._replace(
        path=quote(parts.path, safe=_URL_SAFE), query=quote(parts.query, safe=_URL_SAFE)
    )
    if parts.username is not None or parts.password is not None:
        raise InvalidLink("A link cannot carry a user name or password.")
    try:
        host = host.encode("idna").decode("ascii")  # a Unicode host name, as DNS spells it
    except UnicodeError:
        raise InvalidLink("A link needs a public host name, such as github.com.") from None
    if not _HOST.match(host):
        raise InvalidLink("A link needs a public host name, such as github.com.")
    if _SKIPPED_HOSTS.search(host):
        raise InvalidLink("Links to arXiv, videos or social media are not paper links.")
    bare_host = host.removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    found = None
    if bare_host in _REPO_HOSTS:
        found = _repository(bare_host, segments)
        if found is None:
            raise InvalidLink("A repository link must name one: https://github.com/owner/name.")
    elif bare_host in ("huggingface.co", "hf.co"):
        found = _hugging_face(segments, "")
        if found is None:
            raise InvalidLink("A Hugging Face link must name a model, dataset or Space.")
    else:
        keep_scheme = not _PAGE_HOSTS.match(host)
        address = f"{host}:{parts.port}" if parts.port else host
        found = _link(kind, _page_url(parts, address, keep_scheme=keep_scheme))
    if found is None or len(found.url) > MAX_URL_CHARS:
        raise InvalidLink("That is not a valid URL.")
    return Link(kind, found.url)


def same_link(a: str, b: str) -> bool:
    """Whether two URLs name the same link (scheme, www., host case, trailing slash aside)."""
    return _identity(a) == _identity(b)


def _identity(url: str) -> str:
    """Two URLs that differ only in scheme, case of host or a trailing slash are one link."""
    return re.sub(r"^https?://(?:www\.)?", "", url, flags=re.IGNORECASE).rstrip("/").lower()
