from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "dailypapers.feed"
    label = "feed"
    verbose_name = "Daily list, votes and comments"

    def ready(self):
        from ..core import page_cache
        from .generation import generation

        page_cache.use_generation(generation)

        from ..people.signals import claims_changed
        from .generation import bump_generation

        claims_changed.connect(
            lambda **kwargs: bump_generation(), dispatch_uid="feed-claims-bump", weak=False
        )
