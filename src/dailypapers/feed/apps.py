from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "dailypapers.feed"
    label = "feed"
    verbose_name = "Daily list, votes and comments"
