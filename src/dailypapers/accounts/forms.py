from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.models import User

from ..papers.cleaning import single_line
from .ratelimit import count_hit, is_limited


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        required=True, help_text="Used only for password resets and digests you ask for."
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class RateLimitedLoginForm(AuthenticationForm):
    """Refuses to even check the password once a username or address has failed too often."""

    def clean(self):
        keys = self._limit_keys()
        for key in keys:
            limit = is_limited(key, settings.LOGIN_RATE_LIMIT, settings.LOGIN_RATE_WINDOW)
            if not limit.allowed:
                minutes = max(1, limit.retry_after // 60)
                raise forms.ValidationError(
                    f"Too many failed log-in attempts. Try again in {minutes} minutes.",
                    code="rate_limited",
                )
        try:
            return super().clean()
        except forms.ValidationError:
            for key in keys:
                count_hit(key, settings.LOGIN_RATE_LIMIT, settings.LOGIN_RATE_WINDOW)
            raise

    def _limit_keys(self) -> list[str]:
        username = single_line(self.data.get("username") or "").lower()[:150]
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        return [f"login:user:{username}", f"login:ip:{address}"]
