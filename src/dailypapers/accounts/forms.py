from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, UserCreationForm
from django.contrib.auth.models import User

from ..papers.cleaning import single_line
from .clients import client_key
from .ratelimit import caseless, count_hit, is_limited


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        required=True, help_text="Used only for password resets and digests you ask for."
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class LoginRateLimit:
    """Refuses to even check the password once a username or client has failed too often.
    Mixed into the site's and the admin's log-in forms, so both share one set of counters."""

    def clean(self):
        keys = login_limit_keys(self.data.get("username"), self.request)
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


def login_limit_keys(username, request) -> list[str]:
    """The per-username key is the name as authentication will see it (NFKC, as Django
    normalises usernames) and casefolded, so 'ＢＯＢ' and 'Bob' share bob's counter."""
    return [
        f"login:user:{caseless(single_line(str(username or '')).strip())}",
        f"login:ip:{client_key(request) if request else ''}",
    ]


class RateLimitedLoginForm(LoginRateLimit, AuthenticationForm):
    pass


class RateLimitedAdminLoginForm(LoginRateLimit, AdminAuthenticationForm):
    pass


# Reset mails per hour: per address typed (casefolded) and per client.
RESET_LIMIT_PER_ADDRESS = 3
RESET_LIMIT_PER_CLIENT = 10
RESET_WINDOW = 3600


class LimitedPasswordResetForm(PasswordResetForm):
    """Counts every request, whether or not an account has the address (so the answer
    reveals nothing), and builds the link from DAILYPAPERS_BASE_URL, never the Host header."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        cleaned = super().clean()
        if email := cleaned.get("email"):
            for key, limit in (
                (
                    f"reset:ip:{client_key(self.request) if self.request else ''}",
                    RESET_LIMIT_PER_CLIENT,
                ),
                (f"reset:address:{caseless(email)}", RESET_LIMIT_PER_ADDRESS),
            ):
                if not count_hit(key, limit, RESET_WINDOW).allowed:
                    raise forms.ValidationError(
                        "Too many password reset requests; try again in an hour.",
                        code="rate_limited",
                    )
        return cleaned

    def save(self, **options):
        options["extra_email_context"] = {
            **(options.get("extra_email_context") or {}),
            "base_url": settings.BASE_URL,
            "site_name": settings.SITE_NAME,
        }
        return super().save(**options)
