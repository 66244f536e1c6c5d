"""RSS and Atom for a public collection, through Django's syndication feed writer."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from ..core.urls import paper_path, paper_url
from . import services

FEED_SIZE = 100


class CollectionFeed(Feed):
    def get_object(self, request, username: str, slug: str):
        collection = services.public_collection(username, slug)
        if collection is None:
            raise Http404("no such collection")
        return collection

    def title(self, collection):
        return f"{collection.display_title} — a collection by {collection.tag.user.username}"

    def description(self, collection):
        return collection.description or f"Papers {collection.tag.user.username} collected."

    def link(self, collection):
        return reverse("collection", args=[collection.tag.user.username, collection.tag.slug])

    def items(self, collection):
        return services.collection_papers(collection, FEED_SIZE)

    def item_title(self, paper):
        return paper.title

    def item_description(self, paper):
        return paper.abstract

    def item_link(self, paper):
        return paper_path(paper.arxiv_id)

    def item_guid(self, paper):
        return paper_url(paper.arxiv_id)

    item_guid_is_permalink = True

    def item_pubdate(self, paper):
        return paper.published


class CollectionAtomFeed(CollectionFeed):
    feed_type = Atom1Feed

    def subtitle(self, collection):
        return self.description(collection)
