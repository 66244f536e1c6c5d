"""Paths are built in one place (dailypapers.core.urls, backed by reverse()), so renaming a
route cannot silently break cards, feeds or emailed links."""

import ast
import re
from pathlib import Path

import pytest
from django.urls import reverse

from dailypapers.core import urls

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "dailypapers"
HELPER = PACKAGE / "core" / "urls.py"
# A path of ours written out: "/papers/…", "/u/…", "https://host/digests/…" and the like.
SITE_PATH = re.compile(
    r"(?:^|[^\w/.])/(?:papers|u|accounts|digests|search|feeds|comments|api|trending|about|submit)"
    r"(?:/|$|\?|\")"
)
# Calls whose string argument declares a route rather than building a link to one.
ROUTE_DECLARATIONS = {"path", "re_path", "get", "post", "put", "patch", "delete"}


def _declared_routes(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are a route declaration's pattern."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ROUTE_DECLARATIONS:
                found.add(id(node.args[0]))
    return found


def _docstrings(tree: ast.AST) -> set[int]:
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def hand_built_paths(source: str, label: str) -> list[str]:
    tree = ast.parse(source, label)
    skip = _declared_routes(tree) | _docstrings(tree)
    return [
        f"{label}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and SITE_PATH.search(node.value)
    ]


# Modules that read other sites' paths, not ours.
OTHER_SITES = {PACKAGE / "papers" / "sources" / "atom.py"}  # arXiv's /api/errors entries


def python_modules():
    return [
        p
        for p in sorted(PACKAGE.rglob("*.py"))
        if p != HELPER and p not in OTHER_SITES and "migrations" not in p.parts
    ]


def test_no_hand_built_paths_in_python():
    hits = [
        hit
        for module in python_modules()
        for hit in hand_built_paths(module.read_text(), str(module.relative_to(PACKAGE)))
    ]
    assert hits == []


def test_no_hand_built_paths_in_templates():
    hits = [
        f"{template.relative_to(PACKAGE)}: {match.group(0)}"
        for template in sorted(PACKAGE.rglob("templates/**/*.*"))
        for match in re.finditer(r'(?:href|action|src)="/[^"]*"', template.read_text())
    ]
    assert hits == []


@pytest.mark.parametrize(
    "source",
    [
        'url = f"/papers/{paper_id}"',
        'link = f"{settings.BASE_URL}/digests/confirm/{token}"',
        'login = "/accounts/login/?next=" + nxt',
        "html = f'<a href=\"/u/{name}\">'",
    ],
)
def test_the_check_finds_hand_built_paths(source):
    assert hand_built_paths(source, "probe.py")


def test_the_check_lets_route_declarations_through():
    source = 'path("papers/<arxiv:a>", view)\n\n@api.get("/papers/{a}")\ndef paper(a): pass\n'
    assert hand_built_paths(source, "probe.py") == []


@pytest.mark.parametrize(
    ("route", "argument"),
    [("paper", "2401.00001"), ("paper", "math/0601001"), ("vote", "2401.00001"), ("profile", "a")],
)
def test_route_templates_match_reverse(route, argument):
    assert urls.route_template(route).format(argument) == reverse(route, args=[argument])


def test_absolute_urls_come_from_the_base_url(settings):
    settings.BASE_URL = "https://papers.example.org"
    assert urls.paper_url("2401.00001") == "https://papers.example.org/papers/2401.00001"
    assert urls.digest_confirm_url("abc:def").startswith(
        "https://papers.example.org/digests/confirm/abc"
    )


def test_login_path_carries_the_next_page():
    assert urls.login_path("/papers/2401.00001") == (
        reverse("login") + "?next=%2Fpapers%2F2401.00001"
    )


@pytest.mark.parametrize(
    "tag",
    [
        "{% url 'home' %}",
        "{% url 'paper' arxiv_id %}",
        "{% url 'paper' 'hep-th/9901001' %}",
        "{% url 'profile' username %}",
        "{% url 'comment_edit' 7 %}",
        "{% url 'api:openapi-json' %}",
        "{% url 'paper' arxiv_id=arxiv_id %}",
        "{% url 'paper' arxiv_id as link %}[{{ link }}]",
    ],
)
def test_url_tag_remembers_paths_without_changing_them(tag):
    """The site's {% url %} (core.url_tag, a template builtin) writes what Django's does,
    twice in a row (the second from memory), escaping included."""
    from django.template import Context, Engine, engines

    from dailypapers.core.url_tag import RememberedURLNode

    context = {"arxiv_id": "2401.00001", "username": "a&b<c>"}
    ours = engines["django"].from_string(tag)
    django = Engine(libraries={}).from_string(tag)
    expected = django.render(Context(context))
    assert ours.render(context) == expected == ours.render(context)
    assert "<" not in expected
    assert isinstance(ours.template.nodelist[0], RememberedURLNode)


@pytest.mark.parametrize("arxiv_id", ["2401.00001", "hep-th/9901001", "math.GT/0309136"])
def test_log_in_links_to_papers_quote_the_whole_path(arxiv_id):
    assert urls.login_to_paper_path(arxiv_id) == urls.login_path(urls.paper_path(arxiv_id))


def test_static_tag_remembers_urls_without_changing_them(settings):
    """The site's {% static %} (core.static_tag, a template builtin that base.html uses)
    writes what Django's does, twice in a row, and follows STATIC_URL when it changes."""
    from django.template import engines

    from dailypapers.core.static_tag import RememberedStaticNode

    ours = engines["django"].from_string("{% static 'feed/site.css' %}")
    django = engines["django"].from_string("{% load static %}{% static 'feed/site.css' %}")
    assert isinstance(ours.template.nodelist[0], RememberedStaticNode)
    assert ours.render({}) == django.render({}) == ours.render({})
    assert ours.render({}).endswith("site.css")
    settings.STATIC_URL = "/assets/"
    assert ours.render({}) == django.render({}) == "/assets/feed/site.css"
