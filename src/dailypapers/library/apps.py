from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "dailypapers.library"
    label = "library"
    verbose_name = "Personal library, tags and collections"

    def ready(self) -> None:
        # Cards and paper pages belong to feed, a lower layer: it shows our Save control
        # through a registered hook, never by importing us.
        from ..feed.cards import register_paper_actions
        from .widgets import paper_actions

        register_paper_actions(paper_actions)
