import json
from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from ....feed import services as feed_services
from ....papers.arxiv_ids import InvalidArxivId
from ....papers.progress import Progress
from ... import exports, services
from ...importing import ImportRefused, import_text


class Command(BaseCommand):
    help = (
        "A user's library: library add --user U ID… [--tag T]… | "
        "ls --user U [--tag T] [--json] | import --user U FILE.bib|FILE.txt [--tag T]… [--partial]"
    )

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        add = commands.add_parser("add", help="save papers (fetched from arXiv if unknown)")
        add.add_argument("--user", required=True)
        add.add_argument("ids", nargs="+", metavar="ID")
        add.add_argument("--tag", action="append", default=[], dest="tags")
        ls = commands.add_parser("ls", help="list saved papers, newest save first")
        ls.add_argument("--user", required=True)
        ls.add_argument("--tag")
        ls.add_argument("--json", action="store_true")
        load = commands.add_parser("import", help="import a BibTeX file or a list of ids")
        load.add_argument("--user", required=True)
        load.add_argument("file", type=Path)
        load.add_argument("--tag", action="append", default=[], dest="tags")
        load.add_argument(
            "--partial", action="store_true", help="import what resolves even if some lines fail"
        )

    def handle(self, *args, action, **options):
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r}")
        getattr(self, f"_{action}")(user, options)

    def _add(self, user, options):
        papers = []
        for text in options["ids"]:  # all found (or fetched) before anything is saved
            try:
                papers.append(feed_services.find_or_fetch_paper(text))
            except (feed_services.FeedError, InvalidArxivId) as error:
                raise CommandError(f"{text}: {error} Nothing was saved.") from error
        try:
            for paper in papers:
                services.save(user, paper, tags=options["tags"])
        except services.LibraryError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"saved {len(papers)} paper{'' if len(papers) == 1 else 's'}")

    def _ls(self, user, options):
        tag = None
        if options["tag"]:
            _, slug = self._slug(options["tag"])
            tag = services.tag_by_slug(user, slug)
            if tag is None:
                raise CommandError(f"{user.username} has no tag {options['tag']!r}")
        rows = services.library(user, tag=tag)
        if options["json"]:
            self.stdout.write(json.dumps([exports.record(r) for r in rows], ensure_ascii=False))
            return
        for row in rows:
            tags = ", ".join(sorted(t.name for t in row.tags.all()))
            self.stdout.write(f"{row.paper_id}\t{row.paper.title}\t{tags}")

    def _import(self, user, options):
        path = options["file"]
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {path}: {error}") from error
        bars: list[Progress] = []

        def progress(done: int, total: int) -> None:
            if not bars:
                bars.append(Progress("saving", total, log_every=0, unit="papers"))
            bars[0].update(done, done)

        try:
            report = import_text(
                user,
                text,
                path.name,
                tags=options["tags"],
                partial=options["partial"],
                progress=progress,
            )
        except (ImportRefused, services.LibraryError) as error:
            raise CommandError(f"{path}: {error} Nothing was imported.") from error
        finally:
            for bar in bars:
                bar.close()
        for line in report.problem_lines:
            self.stderr.write(f"{path}: {line}")
        if report.problems and not report.applied:
            raise CommandError(
                f"{len(report.problems)} line(s) failed; nothing was imported "
                "(--partial imports the rest)"
            )
        self.stdout.write(
            f"imported {len(report.saved)} new, {len(report.already)} already saved, "
            f"{len(report.fetched)} fetched from arXiv, {len(report.problems)} skipped"
        )

    def _slug(self, text):
        try:
            return services.clean_tag_name(text)
        except services.LibraryError as error:
            raise CommandError(str(error)) from error
