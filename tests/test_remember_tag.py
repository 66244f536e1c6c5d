"""{% remember %} (core/remember_tag.py): page-frame fragments drawn once per process per key.

A remembered fragment must name in its keys everything it shows, or one visitor's page would
show another's. The tag cannot check that itself, so the site's pages are drawn here in many
states twice: each from scratch (every memo emptied first), then all of them again in another
order with the memos kept. Any difference is a key that misses something.
"""

import re
from datetime import date, timedelta

import pytest
from django.template import Context, Template
from django.test import Client

from dailypapers.core import remember_tag
from dailypapers.feed.models import DailyEntry

DAY = date(2026, 11, 20)


def test_a_fragment_is_drawn_once_per_key():
    template = Template("{% remember a %}{{ a }}-{{ b }}{% endremember %}|{{ b }}")
    assert template.render(Context({"a": 1, "b": "x"})) == "1-x|x"
    # b is not a key: the first drawing for a=1 stands (which is why keys must name it all)
    assert template.render(Context({"a": 1, "b": "y"})) == "1-x|y"
    assert template.render(Context({"a": 2, "b": "y"})) == "2-y|y"


def test_keys_can_be_looked_up_and_filtered():
    template = Template("{% remember p.n|add:1 %}{{ p.n }}{% endremember %}")
    assert template.render(Context({"p": {"n": 1}})) == "1"
    assert template.render(Context({"p": {"n": 2}})) == "2"


def test_autoescape_is_part_of_the_key():
    template = Template("{% remember %}{{ s }}{% endremember %}")
    assert template.render(Context({"s": "<b>"})) == "&lt;b&gt;"
    assert template.render(Context({"s": "<b>"}, autoescape=False)) == "<b>"


def test_unhashable_keys_draw_every_time():
    template = Template("{% remember items %}{{ items|length }}{% endremember %}")
    assert template.render(Context({"items": [1]})) == "1"
    assert template.render(Context({"items": [1, 2]})) == "2"


def test_a_setting_change_forgets_every_fragment(settings):
    """Settings shape what fragments show (their URLs, dates in the time zone)."""
    template = Template("{% remember %}{{ shown }}{% endremember %}")
    assert template.render(Context({"shown": "before"})) == "before"
    settings.TIME_ZONE = "Europe/Paris"
    assert template.render(Context({"shown": "after"})) == "after"


def test_the_memo_is_bounded(monkeypatch):
    monkeypatch.setattr(remember_tag, "FRAGMENTS_KEPT", 3)
    template = Template("{% remember a %}{{ a }}{% endremember %}")
    for value in range(10):
        assert template.render(Context({"a": value})) == str(value)
    (node,) = template.nodelist
    assert len(node.drawn) <= 3


@pytest.fixture
def site(make_paper, make_user, list_paper):
    """Lists on several days, weeks and months; one day long enough for three pages."""
    curator = make_user("curator")
    for number in range(110):
        entry = list_paper(make_paper(f"2611.{number:05d}"), DAY, by=curator, minute=number % 60)
        if number % 7 == 0:
            DailyEntry.objects.filter(pk=entry.pk).update(upvotes=number, pinned=number == 14)
    for offset, day in enumerate((date(2026, 10, 30), DAY - timedelta(days=3), DAY + timedelta(5))):
        list_paper(make_paper(f"2610.{offset:05d}", title=f"Other day {offset}"), day)
    return curator


PATHS = [
    "/",
    "/?page=2",
    "/?page=3",
    "/?page=99",
    "/papers/date/2026-11-20",
    "/papers/date/2026-11-20?page=2",
    "/papers/date/2026-11-17",
    "/papers/date/2026-11-25",
    "/papers/date/2026-10-30",
    "/papers/date/2026-11-21",
    "/papers/week/2026-W47",
    "/papers/week/2026-W47?page=2",
    "/papers/week/2026-W44",
    "/papers/month/2026-11",
    "/papers/month/2026-10",
    "/trending",
    "/trending?window=day",
    "/trending?window=month&by=code",
    "/trending?by=code",
    "/about",
    "/papers/2611.00003",
    "/papers/2610.00001",
    "/search?q=paper",
    "/digests/",
]
CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"')


def _draw(client: Client, path: str) -> str:
    response = client.get(path, follow=True)
    return CSRF.sub(r'\1"', response.content.decode())


def test_remembered_fragments_show_what_a_fresh_drawing_shows(site, make_user, settings):
    settings.PAGE_CACHE_SECONDS = 0  # every page drawn, none from the page cache
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(make_user("reader"))
    visits = [(who, path) for path in PATHS for who in (anonymous, signed_in)]
    fresh = {}
    for who, path in visits:
        remember_tag.forget_all()
        fresh[id(who), path] = _draw(who, path)
    assert len(set(fresh.values())) > len(PATHS)  # the states differ, or this proves little
    for order in (reversed(visits), visits):
        for who, path in order:
            assert _draw(who, path) == fresh[id(who), path], path
