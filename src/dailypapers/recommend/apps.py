from django.apps import AppConfig


class RecommendConfig(AppConfig):
    name = "dailypapers.recommend"
    label = "recommend"
    verbose_name = "Recommendations"
