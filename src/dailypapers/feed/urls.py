from django.urls import path, register_converter

from . import views


class ArxivIdConverter:
    """New-style or old-style ids, optionally versioned; validated again by parse_arxiv_id."""

    regex = r"(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]{2})?/\d{7})(?:v\d+)?"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ArxivIdConverter, "arxiv")

urlpatterns = [
    path("", views.home, name="home"),
    path("papers/date/<str:slug>", views.period_page, {"kind": "date"}, name="papers_date"),
    path("papers/week/<str:slug>", views.period_page, {"kind": "week"}, name="papers_week"),
    path("papers/month/<str:slug>", views.period_page, {"kind": "month"}, name="papers_month"),
    path("trending", views.trending, name="trending"),
    path("about", views.about, name="about"),
    path("submit", views.submit, name="submit"),
    path("papers/<arxiv:arxiv_id>", views.paper_page, name="paper"),
    path("papers/<arxiv:arxiv_id>/vote", views.vote, name="vote"),
    path("papers/<arxiv:arxiv_id>/comments", views.comment_create, name="comment_create"),
    path("papers/<arxiv:arxiv_id>/fetch", views.fetch_paper, name="fetch_paper"),
    path("papers/<arxiv:arxiv_id>/entry", views.entry_action, name="entry_action"),
    path("comments/preview", views.comment_preview, name="comment_preview"),
    path("comments/<int:pk>/edit", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete", views.comment_delete, name="comment_delete"),
    path("u/<str:username>", views.profile, name="profile"),
    path("comments/<int:pk>/hide", views.comment_hide, name="comment_hide"),
]
