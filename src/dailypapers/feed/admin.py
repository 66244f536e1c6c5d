from django.contrib import admin

from .comment_markup import RENDER_VERSION, render_comment
from .models import Comment, DailyEntry, Vote


@admin.register(DailyEntry)
class DailyEntryAdmin(admin.ModelAdmin):
    list_display = ("paper", "day", "submitted_by", "upvotes", "comment_count", "pinned", "hidden")
    list_filter = ("pinned", "hidden", "day")
    search_fields = ("paper__arxiv_id", "paper__title")
    raw_id_fields = ("paper", "submitted_by")
    readonly_fields = ("upvotes", "comment_count", "hotness")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("paper", "author", "created_at", "deleted", "hidden")
    list_filter = ("deleted", "hidden")
    raw_id_fields = ("paper", "author", "parent")
    # The HTML comes only from the renderer (comment_markup.py), even for staff.
    readonly_fields = ("body_html", "render_version")

    def save_model(self, request, obj, form, change):
        obj.body_html, obj.render_version = render_comment(obj.body).html, RENDER_VERSION
        super().save_model(request, obj, form, change)


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ("paper", "user", "created_at")
    raw_id_fields = ("paper", "user")
