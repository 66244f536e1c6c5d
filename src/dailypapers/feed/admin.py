from django.contrib import admin

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


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ("paper", "user", "created_at")
    raw_id_fields = ("paper", "user")
