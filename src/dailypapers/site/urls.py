from django.contrib import admin
from django.urls import include, path

from ..api.rest import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("dailypapers.accounts.urls")),
    path("", include("dailypapers.feed.urls")),
    path("", include("dailypapers.people.urls")),
    path("", include("dailypapers.links.urls")),
    path("", include("dailypapers.api.urls")),
    path("", include("dailypapers.search.urls")),
    path("", include("dailypapers.thumbnails.urls")),
    path("", include("dailypapers.library.urls")),
    path("", include("dailypapers.recommend.urls")),
    path("", include("dailypapers.notifications.urls")),
    path("", include("dailypapers.digests.urls")),
]
