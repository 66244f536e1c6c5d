from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from ....papers.arxiv_ids import InvalidArxivId
from ....papers.lookup import PaperMissing, find_paper
from ... import store
from ...extract import LinkKind
from ...models import LinkEvent, PaperLink


class Command(BaseCommand):
    help = (
        "Papers' links: links add PAPER_ID URL --kind code --as USER; links ls [PAPER_ID] "
        "[--pending]; links approve|reject|remove LINK_ID --as USER; links log PAPER_ID"
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="add a link (pending unless USER may approve)")
        add.add_argument("paper")
        add.add_argument("url")
        add.add_argument("--kind", choices=[k.value for k in LinkKind], default="code")
        add.add_argument("--as", dest="username", required=True, metavar="USERNAME")
        ls = actions.add_parser("ls", help="a paper's links, or every pending proposal")
        ls.add_argument("paper", nargs="?")
        ls.add_argument("--pending", action="store_true", help="only links awaiting review")
        for name in ("approve", "reject", "remove"):
            review = actions.add_parser(name, help=f"{name} a link by its number (from ls)")
            review.add_argument("link", type=int)
            review.add_argument("--as", dest="username", required=True, metavar="USERNAME")
            review.add_argument("--note", default="", help="why (kept in the audit trail)")
        log = actions.add_parser("log", help="the audit trail of a paper's links")
        log.add_argument("paper")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except (store.LinkRefused, InvalidArxivId, PaperMissing) as error:
            raise CommandError(str(error)) from error

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        return user

    def _add(self, paper, url, kind, username, **options):
        link = store.propose(self._user(username), find_paper(paper), url, kind, limited=False)
        self.stdout.write(f"{link.pk} {link.status} {link.kind} {link.url}")

    def _ls(self, paper, pending, **options):
        links = PaperLink.objects.select_related("proposer").order_by("paper_id", "kind", "pk")
        if paper:
            links = links.filter(paper=find_paper(paper))
        if pending:
            links = links.filter(status=PaperLink.Status.PENDING)
        elif not paper:
            raise CommandError("give a paper id, or --pending")
        for link in links:
            by = f" by {link.proposer.username}" if link.proposer else ""
            self.stdout.write(
                f"{link.pk}\t{link.paper_id}\t{link.status}\t{link.kind}\t{link.url}"
                f"\t{link.source}{by}"
            )

    def _review(self, act, link, username, note):
        found = PaperLink.objects.filter(pk=link).first()
        if found is None:
            raise CommandError(f"no link {link}")
        user = self._user(username)
        done = act(user, found, note)
        self.stdout.write(f"{done.pk} {done.status} {done.kind} {done.url}")

    def _approve(self, link, username, note, **options):
        self._review(store.approve, link, username, note)

    def _reject(self, link, username, note, **options):
        self._review(store.reject, link, username, note)

    def _remove(self, link, username, note, **options):
        self._review(store.remove, link, username, note)

    def _log(self, paper, **options):
        events = LinkEvent.objects.filter(paper=find_paper(paper)).select_related("actor")
        for event in events:
            who = event.actor.username if event.actor else "someone"
            note = f"\t{event.note}" if event.note else ""
            self.stdout.write(
                f"{event.at:%Y-%m-%d %H:%M}\t{event.action}\t{event.kind}\t{event.url}\t{who}{note}"
            )
