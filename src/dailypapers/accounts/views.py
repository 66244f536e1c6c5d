from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordResetView
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..core.urls import fixed_path
from .clients import client_key
from .forms import LimitedPasswordResetForm, RateLimitedLoginForm, SignupForm
from .ratelimit import count_hit
from .redirects import redirect_back
from .tokens import create_token, revoke

SIGNUPS_PER_CLIENT_PER_HOUR = 10


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Accounts are free, so per-user limits (submissions, fetches) would mean little if
        # one client could make them by the hundred.
        key = f"signup:ip:{client_key(request)}"
        if count_hit(key, SIGNUPS_PER_CLIENT_PER_HOUR, 3600).allowed:
            user = form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.username}!")
            return redirect_back(request, fixed_path("home"))
        form.add_error(None, "Too many new accounts from your network; try again in an hour.")
    return render(request, "accounts/signup.html", {"form": form})


class RateLimitedLoginView(LoginView):
    form_class = RateLimitedLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LimitedPasswordResetView(PasswordResetView):
    form_class = LimitedPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


@login_required
@require_http_methods(["POST"])
def token_create(request):
    row, token = create_token(request.user, request.POST.get("name", ""))
    return render(request, "accounts/token_created.html", {"row": row, "token": token})


@login_required
@require_http_methods(["POST"])
def token_revoke(request, token_id: int):
    if revoke(request.user, token_id):
        messages.success(request, "Token revoked.")
    return redirect("profile", username=request.user.username)
