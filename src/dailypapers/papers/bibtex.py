"""BibTeX in arXiv's style: @misc with eprint, archivePrefix and primaryClass."""

import re
import unicodedata

from .models import Paper

# BibTeX ends a field at the brace that balances its opening one and does not treat a backslash
# as an escape, so "\}" closes a field as surely as "}". Every value written here is therefore
# brace-balanced by construction: outside math, braces become \textbraceleft{} and
# \textbraceright{}; inside math, braces that TeX would pair are kept and the rest become
# \lbrace and \rbrace. A title can then never end its field early or add one of its own.
_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "$": r"\$",
}
_MATH = re.compile(r"(\$[^$]+\$)")
# In math: a control word, a control symbol (\{ included), or one character.
_MATH_TOKEN = re.compile(r"\\(?:[A-Za-z]+|.)|.", re.DOTALL)
# Characters that end or break math when bare: % starts a comment, # and & are errors outside
# their environments.
_MATH_SPECIAL = {"%": r"\%", "#": r"\#", "&": r"\&"}
# Words BibTeX reads in an author list: "and" separates names, "others" means et al.
_NAME_WORDS = re.compile(r"\b(?:and|others)\b", re.IGNORECASE)


def escape_latex(text: str) -> str:
    """Plain text with $...$ math as LaTeX whose braces always balance."""
    parts = _MATH.split(text)
    return "".join(
        f"${_balanced_math(part[1:-1])}$"
        if index % 2
        else "".join(_SPECIAL.get(c, c) for c in part)
        for index, part in enumerate(parts)
    )


def _balanced_math(math: str) -> str:
    r"""Math kept as written, except braces TeX could not pair and characters that would end it.

    Literal braces (\{ \}) pair with each other and grouping braces ({ }) with each other; a
    brace without its partner becomes \lbrace or \rbrace. Each kind balanced means the
    characters BibTeX counts balance too."""
    tokens = _MATH_TOKEN.findall(math)
    open_groups: dict[str, list[int]] = {"{": [], "\\{": []}
    partner = {"}": "{", "\\}": "\\{"}
    unmatched: set[int] = set()
    for index, token in enumerate(tokens):
        if token in open_groups:
            open_groups[token].append(index)
        elif token in partner:
            if open_groups[partner[token]]:
                open_groups[partner[token]].pop()
            else:
                unmatched.add(index)
    unmatched.update(i for stack in open_groups.values() for i in stack)
    out = []
    for index, token in enumerate(tokens):
        if index in unmatched:
            out.append(r"\lbrace " if token.endswith("{") else r"\rbrace ")
        elif token == "\\":  # a lone backslash at the end would escape the closing $
            out.append(r"\backslash ")
        else:
            out.append(_MATH_SPECIAL.get(token, token))
    return "".join(out)


def _author(name: str) -> str:
    """One name; braced whole when BibTeX would split it ("and") or misread it (commas)."""
    escaped = escape_latex(name)
    return f"{{{escaped}}}" if "," in name or _NAME_WORDS.search(name) else escaped


def _verbatim(text: str) -> str:
    r"""Identifiers and DOIs, which LaTeX packages read verbatim: braces and backslashes are
    percent-encoded (a DOI resolver decodes them back)."""
    return text.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def cite_key(paper: Paper) -> str:
    surname = (paper.authors[0].split() or ["anonymous"])[-1] if paper.authors else "anonymous"
    words = [w for w in re.findall(r"[A-Za-z]+", paper.title) if len(w) > 3] or ["paper"]
    ascii_surname = unicodedata.normalize("NFKD", surname).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z]", "", ascii_surname).lower() or "anonymous"
    return f"{name}{paper.published:%Y}{words[0].lower()}"


def entry(paper: Paper, key: str | None = None) -> str:
    fields = [
        ("title", "{" + escape_latex(paper.title) + "}"),
        ("author", " and ".join(_author(a) for a in paper.authors) or "Anonymous"),
        ("year", f"{paper.published:%Y}"),
        ("eprint", paper.arxiv_id),
        ("archivePrefix", "arXiv"),
    ]
    if paper.primary_category:
        fields.append(("primaryClass", _verbatim(paper.primary_category)))
    if paper.doi.strip():
        fields.append(("doi", _verbatim(paper.doi.split()[0])))
    fields.append(("url", f"https://arxiv.org/abs/{paper.arxiv_id}"))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key or cite_key(paper)},\n{body}\n}}\n"


def entries(papers: list[Paper]) -> str:
    """Several entries; repeated keys get a, b, ..., z, aa, ab suffixes so the file stays valid."""
    seen: dict[str, int] = {}
    out = []
    for paper in papers:
        key = cite_key(paper)
        count = seen.get(key, 0)
        seen[key] = count + 1
        out.append(entry(paper, key + _suffix(count)))
    return "\n".join(out)


def _suffix(count: int) -> str:
    """Nothing for a key's first use, then a..z, aa, ab...: letters only, so keys stay valid."""
    letters = ""
    while count:
        count, digit = divmod(count - 1, 26)
        letters = chr(ord("a") + digit) + letters
    return letters
