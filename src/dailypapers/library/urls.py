from django.urls import path

from ..feed.revalidation import revalidating
from . import views
from .feeds import CollectionAtomFeed, CollectionFeed

# The `arxiv` converter is registered by feed.urls, which the root URLconf includes first.
urlpatterns = [
    path("papers/<arxiv:arxiv_id>/save", views.save, name="library_save"),
    path("papers/<arxiv:arxiv_id>/dismiss", views.dismiss, name="library_dismiss"),
    path("papers/<arxiv:arxiv_id>/library", views.edit, name="library_edit"),
    path("library", views.library, name="library"),
    path("library/bulk", views.bulk, name="library_bulk"),
    path("library/export", views.export, name="library_export"),
    path("library/import", views.import_view, name="library_import"),
    path("library/settings", views.settings_view, name="library_settings"),
    path("library/tags/<str:slug>", views.tag_settings, name="library_tag"),
    path("c/<str:username>/<str:slug>", views.collection, name="collection"),
    path(
        "c/<str:username>/<str:slug>/feed.rss", revalidating(CollectionFeed), name="collection_rss"
    ),
    path(
        "c/<str:username>/<str:slug>/feed.atom",
        revalidating(CollectionAtomFeed),
        name="collection_atom",
    ),
    path("c/<str:username>/<str:slug>/bibtex", views.collection_bibtex, name="collection_bibtex"),
]
