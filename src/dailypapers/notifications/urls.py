from django.urls import path

from . import views

urlpatterns = [
    path("notifications", views.inbox, name="notifications"),
    path("notifications/read", views.mark_read, name="notifications_read"),
    path("notifications/settings", views.email_settings, name="notification_settings"),
    path(
        "notifications/unsubscribe/<str:token>",
        views.unsubscribe,
        name="notification_unsubscribe",
    ),
    path("papers/<arxiv:arxiv_id>/watch", views.watch, name="watch"),
]
