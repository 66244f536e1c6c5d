"""{% static %}, with each file's URL remembered per process.

Installed as a template builtin (settings.TEMPLATES), so it stands in for Django's tag in
templates that do not `{% load static %}` (base.html), with the same syntax and output. The
manifest storage works out each hashed name on every call: 0.08 ms a file, three files on
every page (docs/performance.md).
"""

from functools import lru_cache

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import StaticNode

register = template.Library()


@lru_cache(maxsize=256)
def _url(path: str) -> str:
    return StaticNode.handle_simple(path)


class RememberedStaticNode(StaticNode):
    def url(self, context) -> str:
        return _url(self.path.resolve(context))


@register.tag
def static(parser, token):
    return RememberedStaticNode.handle_token(parser, token)


@receiver(setting_changed)
def _forget_urls(*, setting, **kwargs):
    if setting in ("STATIC_URL", "STORAGES", "STATIC_ROOT"):
        _url.cache_clear()
