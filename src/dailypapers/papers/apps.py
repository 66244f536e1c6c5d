from django.apps import AppConfig


class PapersConfig(AppConfig):
    name = "dailypapers.papers"
    label = "papers"
    verbose_name = "Papers and ingestion"
