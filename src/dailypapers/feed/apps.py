from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "dailypapers.feed"
    label = "feed"
    verbose_name = "Daily list, votes and comments"

    def ready(self):
        from ..core import page_cache
        from .generation import generation

        page_cache.use_generation(generation)

        from ..links.permissions import register_link_approver
        from ..links.signals import links_changed
        from ..people.claims import is_verified_author
        from ..people.signals import claims_changed
        from .generation import bump_generation, on_links_changed

        claims_changed.connect(
            lambda **kwargs: bump_generation(), dispatch_uid="feed-claims-bump", weak=False
        )
        links_changed.connect(on_links_changed, dispatch_uid="feed-links-changed")
        # links and people are peers and may not import each other: feed, above both, says
        # that a verified author of a paper may approve its links.
        register_link_approver(is_verified_author)
