from django.urls import path

from . import views

urlpatterns = [
    path("digests/subscribe", views.subscribe, name="digest_subscribe"),
    path("digests/confirm/<str:token>", views.confirm_page, name="digest_confirm"),
    path("digests/unsubscribe/<str:token>", views.unsubscribe_page, name="digest_unsubscribe"),
    path("digests/", views.digest_settings, name="digest_settings"),
    path("digests/for-you", views.for_you_settings, name="digest_for_you"),
]
