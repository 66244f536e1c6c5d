"""The one module that writes PaperLink and LinkEvent rows.

People's links: `propose()` checks and normalises a URL (extract.normalise_link), refuses a
duplicate, counts the proposal against accounts' rate limiter, and publishes it at once when
the proposer may approve links on the paper (links.permissions), else leaves it pending for
`approve()` or `reject()`; `remove()` takes a link off. Each step writes its LinkEvent in the
same transaction, and a change to what is published sends `links_changed` inside it.

Extracted links are written in the same transaction as the papers they come from (the
`papers_written` signal is sent inside it), so a crash never leaves a paper with stale links.
`reextract()` recomputes them for every stored paper: `reindex` runs it, which is how links
catch up after the extractor improves.
"""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import IntegrityError, transaction

from ..accounts.ratelimit import first_refusal
from ..accounts.roles import is_curator
from ..core.errors import DomainError
from ..papers.batches import each_chunk
from ..papers.models import Paper
from .extract import InvalidLink, extract_links, normalise_link, same_link
from .models import LinkEvent, PaperLink
from .permissions import can_approve
from .signals import link_reviewed, links_changed

Status = PaperLink.Status
PROPOSAL_WINDOW = 3600
# People's links come after the extracted ones of the same kind.
PEOPLE_POSITION = 1000

# SQLite allows 32766 parameters per statement; this stays well under it on every database.
_CHUNK = 900


def replace_extracted(papers: Iterable[tuple[str, str, str]]) -> int:
    """Replace the extracted links of (arxiv_id, abstract, comment) triples; links people
    added are left alone. Returns how many links were written."""
    papers = list(papers)
    ids = [arxiv_id for arxiv_id, _, _ in papers]
    with transaction.atomic():
        removed: set[tuple[str, str]] = set()
        for start in range(0, len(ids), _CHUNK):
            extracted = PaperLink.objects.filter(
                paper_id__in=ids[start : start + _CHUNK], source=PaperLink.Source.EXTRACTED
            )
            # A link someone removed stays removed (its row holds the audit trail).
            removed.update(extracted.filter(status=Status.REMOVED).values_list("paper_id", "url"))
            extracted.exclude(status=Status.REMOVED).delete()
        rows = [
            PaperLink(paper_id=arxiv_id, kind=link.kind.value, url=link.url, position=position)
            for arxiv_id, abstract, comment in papers
            for position, link in enumerate(extract_links(abstract, comment))
            if (arxiv_id, link.url) not in removed
        ]
        PaperLink.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def on_papers_written(sender, records, **kwargs) -> None:
    replace_extracted((r.arxiv_id, r.abstract, r.comment) for r in records)


def reextract(progress: Callable[[int], None] | None = None, chunk: int = 2000) -> int:
    """Recompute the extracted links of every paper, one transaction per chunk (resumable:
    a killed run leaves every chunk either done or untouched). Returns papers processed."""
    return each_chunk(("arxiv_id", "abstract", "comment"), replace_extracted, progress, chunk)


class LinkRefused(DomainError, ValueError):
    """A refused proposal or review; the message is shown to people as is."""

    code = "invalid_link"


class DuplicateLink(LinkRefused):
    status, code = 409, "duplicate_link"


class ProposalLimit(LinkRefused):
    status, code = 429, "rate_limited"


class NotAllowed(LinkRefused):
    status, code = 403, "forbidden"


class NotPending(LinkRefused):
    status, code = 409, "not_pending"


def propose(
    user, paper: Paper, url: str, kind: str, client_address: str = "", *, limited: bool = True
) -> PaperLink:
    """A person's link for paper: published at once when they may approve links on it,
    pending otherwise. Raises LinkRefused (bad URL, duplicate, rate limit). Commands pass
    limited=False: whoever runs them administers the site."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise NotAllowed("Log in to add a link.")
    try:
        link = normalise_link(url, kind)
    except InvalidLink as error:
        raise LinkRefused(str(error)) from error
    direct = can_approve(user, paper)
    with transaction.atomic():
        _refuse_duplicate(paper, link.url)
        if limited:
            _count_proposal(user, client_address)
        status = Status.PUBLISHED if direct else Status.PENDING
        fields = {"kind": link.kind.value, "status": status, "proposer": user}
        try:
            with transaction.atomic():
                row, _ = PaperLink.objects.update_or_create(
                    paper=paper,
                    source=PaperLink.Source.PROPOSED,
                    url=link.url,
                    defaults=fields,
                    create_defaults={**fields, "position": PEOPLE_POSITION},
                )
        except IntegrityError as error:  # the same URL proposed at the same moment
            raise DuplicateLink("Someone has just proposed this link.") from error
        action = LinkEvent.Action.PUBLISHED if direct else LinkEvent.Action.PROPOSED
        _record(row, action, user)
        if direct:
            _announce([paper.pk])
    return row


def _refuse_duplicate(paper: Paper, url: str) -> None:
    for other in PaperLink.objects.filter(paper=paper).exclude(status=Status.REMOVED):
        if same_link(other.url, url):
            if other.status == Status.PENDING:
                raise DuplicateLink("This link has already been proposed and awaits approval.")
            raise DuplicateLink(f"This paper already links to {other.url}.")


def _count_proposal(user, client_address: str) -> None:
    if is_curator(user):
        return
    keys = (f"links:user:{user.pk}", f"links:ip:{client_address}")
    refused = first_refusal(keys, settings.LINK_PROPOSALS_PER_HOUR, PROPOSAL_WINDOW)
    if refused:
        raise ProposalLimit(
            f"You have proposed many links this hour; try again in {refused.retry_minutes} minutes."
        )


def approve(user, link: PaperLink, note: str = "") -> PaperLink:
    return _review(user, link, Status.PUBLISHED, LinkEvent.Action.APPROVED, note)


def reject(user, link: PaperLink, note: str = "") -> PaperLink:
    return _review(user, link, Status.REMOVED, LinkEvent.Action.REJECTED, note)


def _review(user, link: PaperLink, status: str, action: str, note: str = "") -> PaperLink:
    with transaction.atomic():
        link = PaperLink.objects.select_for_update().select_related("paper").get(pk=link.pk)
        if not can_approve(user, link.paper):
            raise NotAllowed("Only a curator or an author of the paper can review its links.")
        if link.status != Status.PENDING:
            raise NotPending(f"This link is {link.status}, not waiting for review.")
        link.status = status
        link.save(update_fields=["status"])
        _record(link, action, user, note)
        if status == Status.PUBLISHED:
            _announce([link.paper_id])
        link_reviewed.send(sender=PaperLink, link=link, reviewer=user)
    return link


def remove(user, link: PaperLink, note: str = "") -> PaperLink:
    """Take a link off the paper (an extracted one too: it will not come back on re-import).
    Approvers may remove any link; a proposer may withdraw their own pending proposal."""
    with transaction.atomic():
        link = PaperLink.objects.select_for_update().select_related("paper").get(pk=link.pk)
        own_proposal = link.status == Status.PENDING and link.proposer_id == user.pk
        if not (own_proposal or can_approve(user, link.paper)):
            raise NotAllowed("Only a curator or an author of the paper can remove its links.")
        if link.status == Status.REMOVED:
            raise NotPending("This link has already been removed.")
        was_published = link.status == Status.PUBLISHED
        link.status = Status.REMOVED
        link.save(update_fields=["status"])
        _record(link, LinkEvent.Action.REMOVED, user, note)
        if was_published:
            _announce([link.paper_id])
    return link


def _record(link: PaperLink, action: str, actor, note: str = "") -> None:
    LinkEvent.objects.create(
        link=link,
        paper_id=link.paper_id,
        kind=link.kind,
        url=link.url,
        action=action,
        actor=actor,
        note=(note or "")[: LinkEvent._meta.get_field("note").max_length],
    )


def _announce(arxiv_ids: list[str]) -> None:
    links_changed.send(sender=PaperLink, arxiv_ids=arxiv_ids)


def pending_for(user, limit: int = 200) -> list[PaperLink]:
    """Proposals waiting for user's review, oldest first: every one for a curator, those of
    papers user may approve links on (an author's) for others."""
    pending = (
        PaperLink.objects.filter(status=Status.PENDING)
        .select_related("paper", "proposer")
        .order_by("pk")
    )
    if is_curator(user):
        return list(pending[:limit])
    return [link for link in pending[: limit * 10] if can_approve(user, link.paper)][:limit]
