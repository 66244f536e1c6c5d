from django.contrib import admin

from .models import Delivery, Subscriber


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "frequency", "trending", "status", "confirmed_at")
    list_filter = ("status", "frequency")
    search_fields = ("email",)
    actions = ["disable"]

    @admin.action(description="Disable (the address bounces)")
    def disable(self, request, queryset):
        queryset.update(status=Subscriber.Status.FAILING, last_error="disabled by an administrator")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("subscriber", "period", "state", "attempts", "updated_at")
    list_filter = ("state", "period")
