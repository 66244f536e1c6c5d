"""BibTeX in arXiv's style: @misc with eprint, archivePrefix and primaryClass."""

import re
import unicodedata

from .models import Paper

# Outside $...$ math these mean something to LaTeX; inside math they are the math.
_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_MATH = re.compile(r"(\$[^$]+\$)")


def escape_latex(text: str) -> str:
    parts = _MATH.split(text)
    return "".join(
        part if index % 2 else "".join(_SPECIAL.get(ch, ch) for ch in part.replace("$", r"\$"))
        for index, part in enumerate(parts)
    )


def cite_key(paper: Paper) -> str:
    surname = paper.authors[0].split()[-1] if paper.authors else "anonymous"
    words = [w for w in re.findall(r"[A-Za-z]+", paper.title) if len(w) > 3] or ["paper"]
    ascii_surname = unicodedata.normalize("NFKD", surname).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z]", "", ascii_surname).lower() or "anonymous"
    return f"{name}{paper.published:%Y}{words[0].lower()}"


def entry(paper: Paper, key: str | None = None) -> str:
    fields = [
        ("title", "{" + escape_latex(paper.title) + "}"),
        ("author", " and ".join(escape_latex(a) for a in paper.authors) or "Anonymous"),
        ("year", f"{paper.published:%Y}"),
        ("eprint", paper.arxiv_id),
        ("archivePrefix", "arXiv"),
    ]
    if paper.primary_category:
        fields.append(("primaryClass", paper.primary_category))
    if paper.doi:
        fields.append(("doi", paper.doi.split()[0]))
    fields.append(("url", f"https://arxiv.org/abs/{paper.arxiv_id}"))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key or cite_key(paper)},\n{body}\n}}\n"


def entries(papers: list[Paper]) -> str:
    """Several entries; repeated keys get a, b, c suffixes so the file stays valid."""
    seen: dict[str, int] = {}
    out = []
    for paper in papers:
        key = cite_key(paper)
        count = seen.get(key, 0)
        seen[key] = count + 1
        out.append(entry(paper, key if count == 0 else f"{key}{chr(ord('a') + count - 1)}"))
    return "\n".join(out)
