from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from ....feed import services
from ....feed.models import Comment
from ....papers.arxiv_ids import InvalidArxivId
from ....papers.lookup import PaperMissing, find_paper


class Command(BaseCommand):
    help = (
        "What curators do on the site: dailypapers curate pin|unpin|hide|unhide PAPER_ID "
        "--as USER, or hide-comment|unhide-comment COMMENT_ID --as USER"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "action", choices=[*services.ENTRY_ACTIONS, "hide-comment", "unhide-comment"]
        )
        parser.add_argument("target", help="a paper id, or a comment number")
        parser.add_argument("--as", dest="username", required=True, metavar="USERNAME")

    def handle(self, *args, action, target, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        try:
            if action in services.ENTRY_ACTIONS:
                paper = find_paper(target)
                services.set_entry_flags(user, paper, **services.ENTRY_ACTIONS[action])
            else:
                comment = (
                    Comment.objects.filter(pk=int(target)).first() if target.isdigit() else None
                )
                if comment is None:
                    raise CommandError(f"no comment {target}")
                services.hide_comment(user, comment, hidden=action == "hide-comment")
        except (services.FeedError, InvalidArxivId, PaperMissing) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{action} {target}: done")
