from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .forms import RateLimitedLoginForm, SignupForm
from .tokens import create_token, revoke


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}!")
        return redirect(request.GET.get("next") or "home")
    return render(request, "accounts/signup.html", {"form": form})


class RateLimitedLoginView(LoginView):
    form_class = RateLimitedLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


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
