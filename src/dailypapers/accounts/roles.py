"""The curator role (the site's "AK"): a Django group, so the admin can manage it too."""

from django.contrib.auth.models import Group

CURATORS = "curators"


def is_curator(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_curator", None)
    if cached is None:
        cached = user._is_curator = user.groups.filter(name=CURATORS).exists()
    return cached


def make_curator(user) -> None:
    group, _ = Group.objects.get_or_create(name=CURATORS)
    user.groups.add(group)
    user._is_curator = True
