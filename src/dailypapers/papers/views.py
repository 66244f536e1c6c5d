from django.shortcuts import render

from .models import Paper

NEWEST_LIMIT = 50


def newest(request):
    papers = Paper.objects.only(
        "arxiv_id", "version", "title", "authors", "primary_category", "published", "abstract"
    )[:NEWEST_LIMIT]
    return render(request, "papers/newest.html", {"papers": papers})
