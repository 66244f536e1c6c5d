from django.apps import AppConfig


class SummariesConfig(AppConfig):
    name = "dailypapers.summaries"
    label = "summaries"
    verbose_name = "LLM summaries"

    def ready(self):
        from ..feed.cards import register_card_part
        from .shown import STORED_SQL, card_summaries

        register_card_part("summary", card_summaries, reads=STORED_SQL)
