from django.urls import path

from . import views

urlpatterns = [
    path("papers/<path:arxiv_id>/links", views.propose, name="link_propose"),
    path("links/queue", views.queue, name="link_queue"),
    path("links/<int:pk>/<str:action>", views.review, name="link_review"),
]
