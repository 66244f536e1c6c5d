from django import forms
from django.contrib import admin

from . import secrets
from .channels import ChannelError, parse_url
from .models import Channel, ChannelPost, Delivery, Subscriber


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


class ChannelForm(forms.ModelForm):
    """The URL is write-only: typed when adding or replacing, never shown back (only masked)."""

    url = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="An apprise URL (Slack, Discord, Matrix, Mattermost, Teams, Telegram, ntfy) "
        "or webhook+https://host/path?secret=S. Leave empty to keep the stored one.",
    )

    class Meta:
        model = Channel
        fields = ["name", "frequency", "topics", "categories", "min_upvotes", "state"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url:
            if self.instance.pk is None:
                raise forms.ValidationError("A new channel needs its URL.")
            return None
        try:
            return parse_url(url)
        except ChannelError as error:
            raise forms.ValidationError(str(error)) from error

    def save(self, commit=True):
        channel = super().save(commit=False)
        if target := self.cleaned_data.get("url"):
            channel.service = target.service
            channel.url_encrypted = secrets.encrypt(target.url)
            channel.url_masked = secrets.mask(target.url)
        if commit:
            channel.save()
        return channel


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ("name", "service", "url_masked", "frequency", "state", "failures", "last_error")
    list_filter = ("state", "service", "frequency")
    readonly_fields = ("service", "url_masked", "failures", "next_retry_at", "last_error")
    search_fields = ("name",)


@admin.register(ChannelPost)
class ChannelPostAdmin(admin.ModelAdmin):
    list_display = ("channel", "period", "state", "attempts", "posted_at", "error")
    list_filter = ("state", "period")
    readonly_fields = ("claimed_by", "claimed_at")
