"""{% url %}, with each route's path remembered per process (core.urls.remembered_reverse).

Installed as a template builtin (settings.TEMPLATES), so it stands in for Django's tag in
every template with the same syntax and output. Tags with keyword arguments, `as var`, or
arguments other than str and int take Django's own path.
"""

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.utils.html import conditional_escape

from .urls import remembered_reverse

register = template.Library()


class RememberedURLNode(URLNode):
    def render(self, context):
        if self.kwargs or self.asvar:
            return super().render(context)
        args = tuple(arg.resolve(context) for arg in self.args)
        if not all(type(arg) in (str, int) for arg in args):
            return super().render(context)
        try:  # as Django's tag finds it
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = remembered_reverse(self.view_name.resolve(context), args, current_app)
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
