from django.contrib import admin

from .models import HarvestState, Paper
from .records import content_hash_of


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ("arxiv_id", "title", "primary_category", "published", "version", "withdrawn")
    list_filter = ("withdrawn",)
    search_fields = ("arxiv_id", "title")
    readonly_fields = ("content_hash",)

    def save_model(self, request, obj, form, change):
        # What follows a paper's text is keyed by its content hash: the text each process keeps
        # for its card, its key sentence and keywords, and the search index's copy. An edit
        # here changes the hash, as a re-import does; so the next import of arXiv's record,
        # even of the same version, puts arXiv's text back (papers.store compares hashes).
        obj.content_hash = content_hash_of(obj)
        super().save_model(request, obj, form, change)


admin.site.register(HarvestState)
