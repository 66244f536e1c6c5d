from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.views import LoginView
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from ..feed.models import Comment, DailyEntry, Vote
from .forms import RateLimitedLoginForm, SignupForm
from .models import ApiToken
from .roles import is_curator
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


def profile(request, username: str):
    person = get_object_or_404(User, username=username, is_active=True)
    submissions = (
        DailyEntry.objects.filter(submitted_by=person, hidden=False)
        .select_related("paper")
        .order_by("-submitted_at")[:50]
    )
    upvoted = Vote.objects.filter(user=person).select_related("paper").order_by("-created_at")[:50]
    comments = (
        Comment.objects.filter(author=person, deleted=False, hidden=False)
        .select_related("paper")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "feed/profile.html",
        {
            "person": person,
            "person_is_curator": is_curator(person),
            "submissions": submissions,
            "upvoted": upvoted,
            "comments": comments,
            "tokens": ApiToken.objects.filter(user=person, revoked_at__isnull=True)
            if request.user == person
            else [],
        },
    )


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
