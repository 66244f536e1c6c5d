from django.contrib import admin

from .models import Collection, Dismissal, LibrarySettings, SavedPaper, Tag


@admin.register(SavedPaper)
class SavedPaperAdmin(admin.ModelAdmin):
    list_display = ["user", "paper", "saved_at"]
    raw_id_fields = ["user", "paper"]
    filter_horizontal = ["tags"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "slug"]
    raw_id_fields = ["user"]


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["tag", "title", "public", "updated_at"]
    raw_id_fields = ["tag"]


admin.site.register(Dismissal, raw_id_fields=["user", "paper"])
admin.site.register(LibrarySettings, raw_id_fields=["user"])
