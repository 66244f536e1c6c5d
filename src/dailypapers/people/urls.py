from django.urls import path

from . import views

urlpatterns = [
    path("authors/<str:slug>", views.author_page, name="author"),
    path("claims", views.claim_queue, name="claims"),
    path("claims/new", views.claim_create, name="claim_create"),
    path("claims/<int:pk>", views.claim_decide, name="claim_decide"),
]
