"""The one way to find a stored paper from what someone typed: an arXiv id, any version, or
an arXiv URL. Views, the API and the commands all go through here."""

from django.http import Http404

from ..core.errors import DomainError
from .arxiv_ids import ArxivId, InvalidArxivId, parse_arxiv_id
from .models import Paper


class PaperMissing(DomainError, LookupError):
    """A valid id of a paper this site does not have (yet)."""

    status = 404
    code = "not_found"

    def __init__(self, arxiv_id: str):
        super().__init__(f"no paper {arxiv_id} here")
        self.arxiv_id = arxiv_id


def find_paper(text: str, papers=None) -> Paper:
    """The stored paper text names, from papers (a queryset; all papers by default).
    InvalidArxivId when text is no id; PaperMissing when we do not have that paper."""
    arxiv_id = parse_arxiv_id(text).id
    paper = (Paper.objects.all() if papers is None else papers).filter(pk=arxiv_id).first()
    if paper is None:
        raise PaperMissing(arxiv_id)
    return paper


def arxiv_id_or_404(text: str) -> ArxivId:
    try:
        return parse_arxiv_id(text)
    except InvalidArxivId as error:
        raise Http404(str(error)) from error


def paper_or_404(text: str, papers=None) -> Paper:
    """find_paper for views: an id that is invalid or unknown is a page that does not exist."""
    try:
        return find_paper(text, papers)
    except (InvalidArxivId, PaperMissing) as error:
        raise Http404(str(error)) from error
