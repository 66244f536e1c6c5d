from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "dailypapers.people"
    label = "people"
    verbose_name = "People"

    def ready(self):
        from ..papers.signals import papers_written
        from .store import on_papers_written

        papers_written.connect(on_papers_written, dispatch_uid="people-authors-on-import")
