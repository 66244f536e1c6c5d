from django.contrib import admin

from .models import HarvestState, Paper
from .records import content_hash_of


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ("arxiv_id", "title", "primary_category", "published", "version", "withdrawn")
    list_filter = ("withdrawn",)
    search_fields = ("arxiv_id", "title")

    def save_model(self, request, obj, form, change):
        # What is kept per process from a paper's text (its card's text, key sentence and
        # keywords) is keyed by its content hash: an edit here changes it, as a re-import does.
        obj.content_hash = content_hash_of(obj)
        super().save_model(request, obj, form, change)


admin.site.register(HarvestState)
