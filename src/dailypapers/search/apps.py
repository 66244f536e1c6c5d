from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "dailypapers.search"
    label = "search"
    verbose_name = "Search"

    def ready(self):
        from ..papers.signals import import_finished, papers_changed
        from .indexer import on_import_finished, on_papers_changed

        papers_changed.connect(on_papers_changed, dispatch_uid="search-index-on-import")
        import_finished.connect(on_import_finished, dispatch_uid="search-first-index")
