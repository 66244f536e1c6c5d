from django.contrib import admin

from .models import HarvestState, Paper


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ("arxiv_id", "title", "primary_category", "published", "version", "withdrawn")
    list_filter = ("withdrawn",)
    search_fields = ("arxiv_id", "title")


admin.site.register(HarvestState)
