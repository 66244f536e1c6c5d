from django.urls import path

from . import views

urlpatterns = [
    path("feeds/daily.rss", views.daily_rss, name="feed_daily_rss"),
    path("feeds/daily.atom", views.daily_atom, name="feed_daily_atom"),
    path("feeds/trending.rss", views.trending_rss, name="feed_trending_rss"),
    path("feeds/trending.atom", views.trending_atom, name="feed_trending_atom"),
    path("search/feed", views.search_feed, name="search_feed"),
    path("search/bibtex", views.search_bibtex, name="search_bibtex"),
    path("papers/date/<str:slug>/bibtex", views.day_bibtex, name="day_bibtex"),
    path("papers/<arxiv:arxiv_id>/bibtex", views.paper_bibtex, name="paper_bibtex"),
]
