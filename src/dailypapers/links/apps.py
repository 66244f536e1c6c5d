from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "dailypapers.links"
    label = "links"
    verbose_name = "Links"

    def ready(self):
        from ..papers.signals import papers_written
        from .store import on_papers_written

        papers_written.connect(on_papers_written, dispatch_uid="links-extract-on-import")
