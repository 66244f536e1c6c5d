from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top layer: the root URLconf, the page frame and the commands that span every app."""

    name = "dailypapers.site"
    label = "site"
    verbose_name = "The whole site"
