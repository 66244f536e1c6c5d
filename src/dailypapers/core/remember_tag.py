"""{% remember key ... %}…{% endremember %}: a fragment of a page frame drawn once per process
for each value of its keys, which must name everything the fragment shows.

Installed as a template builtin (settings.TEMPLATES), as `{% url %}` and `{% static %}` are.
The frame around a list (the period's tabs and title, the pager, the neighbouring days, the
site header's links and the footer's form) was about a third of an uncached day page's CPU:
some sixty variable lookups, `{% url %}`s and filters that give the same HTML for every
visitor of the same period and page (docs/performance.md, "Sixth round"). A fragment is not
a page: the cards and anything personal stay outside (no `{% csrf_token %}` or signed-in
state inside a remembered fragment). tests/test_remember_tag.py renders every remembered
fragment with the memo and without it and compares, so a key that misses something the
fragment shows fails there.

Keys are resolved as template variables (filters allowed) and must be hashable; a fragment
whose keys are not is drawn afresh. Each fragment keeps at most FRAGMENTS_KEPT drawings,
emptied when full; all are forgotten when a setting changes (URLs, time zone, language).
"""

import weakref

from django import template
from django.core.signals import setting_changed
from django.utils.safestring import mark_safe

register = template.Library()

FRAGMENTS_KEPT = 1024
_remembering: "weakref.WeakSet[RememberNode]" = weakref.WeakSet()


class RememberNode(template.Node):
    def __init__(self, nodelist, keys):
        self.nodelist = nodelist
        self.keys = keys
        self.drawn: dict[tuple, str] = {}
        _remembering.add(self)

    def render(self, context):
        key = (context.autoescape, *(k.resolve(context) for k in self.keys))
        try:
            return self.drawn[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable key: draw it every time
            return self.nodelist.render(context)
        html = mark_safe(self.nodelist.render(context))
        if len(self.drawn) >= FRAGMENTS_KEPT:
            self.drawn.clear()
        self.drawn[key] = html
        return html


@register.tag
def remember(parser, token):
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endremember",))
    parser.delete_first_token()
    return RememberNode(nodelist, keys)


def forget_all(**kwargs) -> None:
    for node in _remembering:
        node.drawn.clear()


setting_changed.connect(forget_all)
