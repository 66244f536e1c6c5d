from django.contrib import admin

from .models import Notification, NotificationEmail, Watch


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "paper", "created_at", "read_at", "mail"]
    list_filter = ["kind", "mail"]
    raw_id_fields = ["recipient", "actor", "paper", "comment", "email"]


@admin.register(NotificationEmail)
class NotificationEmailAdmin(admin.ModelAdmin):
    list_display = ["key", "recipient", "kind", "state", "attempts", "claimed_at"]
    list_filter = ["state", "kind"]
    raw_id_fields = ["recipient"]


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ["user", "paper", "created_at"]
    raw_id_fields = ["user", "paper"]
