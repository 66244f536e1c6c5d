from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dailypapers.notifications"
    label = "notifications"
    verbose_name = "Watches and notifications"

    def ready(self) -> None:
        # Lower apps never import us: we hear their signals, and feed's paper page shows
        # our Watch control through its registered hook.
        from ..feed.cards import register_paper_actions
        from . import receivers
        from .widgets import watch_control

        receivers.connect()
        register_paper_actions(watch_control)
