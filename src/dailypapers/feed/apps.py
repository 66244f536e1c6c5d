from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "dailypapers.feed"
    label = "feed"
    verbose_name = "Daily list, votes and comments"

    def ready(self):
        from ..core import page_cache
        from .generation import generation

        page_cache.use_generation(generation)

        from ..links.signals import links_changed
        from .generation import on_links_changed

        links_changed.connect(on_links_changed, dispatch_uid="feed-links-changed")
