from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "dailypapers.search"
    label = "search"
    verbose_name = "Search"

    def ready(self):
        from ..feed.cards import register_card_part
        from ..papers.signals import import_finished, papers_changed
        from .card_parts import card_key_sentences, card_keyword_chips
        from .indexer import on_import_finished, on_papers_changed

        register_card_part("snippet", card_key_sentences)
        register_card_part("chips", card_keyword_chips)
        papers_changed.connect(on_papers_changed, dispatch_uid="search-index-on-import")

        from ..links.signals import links_changed
        from .indexer import on_links_changed

        links_changed.connect(on_links_changed, dispatch_uid="search-index-on-links")
        import_finished.connect(on_import_finished, dispatch_uid="search-first-index")
