from django.urls import path

from . import views

urlpatterns = [
    path("media/thumbnails/<path:name>", views.thumbnail, name="thumbnail"),
]
