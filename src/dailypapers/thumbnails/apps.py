from django.apps import AppConfig


class ThumbnailsConfig(AppConfig):
    name = "dailypapers.thumbnails"
    label = "thumbnails"
    verbose_name = "Thumbnails"

    def ready(self):
        from ..feed.cards import register_card_part
        from .figures import DRAWN_SQL, card_figures

        register_card_part("figure", card_figures, reads=DRAWN_SQL)
