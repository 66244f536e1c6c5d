"""Issue 11: text from outside reaches HTML only as text or allowlisted MathML; every response
carries the Content-Security-Policy, cached or not; feeds send abstracts as text.

The same hostile records run in Chromium in test_browser_xss.py.
"""

import re
from datetime import date
from pathlib import Path

import feedparser
import html5lib
import pytest
from conftest import examples
from django.conf import settings as django_settings
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dailypapers.core.urls import fixed_path
from dailypapers.papers.importer import import_files
from dailypapers.papers.latex import render_math_text

HOSTILE_SNAPSHOT = Path(__file__).parent / "fixtures" / "hostile" / "snapshot.jsonl"
HOSTILE_IDS = ["2611.90011", "2611.90012", "2611.90013", "2611.90014", "2611.90015"]
DAY = date(2026, 11, 20)
HTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"
# The test's own allowlist (presentation MathML and its styling attributes), independent of
# the one in papers/latex.py, so loosening that one cannot pass unnoticed.
MATHML_ELEMENTS = set(
    [
        "math",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "msup",
        "msub",
        "msubsup",
        "mfrac",
        "msqrt",
        "mroot",
        "mover",
        "munder",
        "munderover",
        "mtable",
        "mtr",
        "mtd",
        "mlabeledtr",
        "mstyle",
        "mpadded",
        "mphantom",
        "menclose",
        "mmultiscripts",
        "mprescripts",
        "none",
        "merror",
    ]
)
MATHML_ATTRIBUTES = set(
    [
        "xmlns",
        "display",
        "mathvariant",
        "form",
        "mathcolor",
        "mathbackground",
        "scriptlevel",
        "stretchy",
        "fence",
        "separator",
        "accent",
        "accentunder",
        "movablelimits",
        "symmetric",
        "largeop",
        "displaystyle",
        "width",
        "height",
        "depth",
        "voffset",
        "lspace",
        "rspace",
        "minsize",
        "maxsize",
        "linethickness",
        "mathsize",
        "columnalign",
        "rowalign",
        "columnlines",
        "rowlines",
        "rowspacing",
        "columnspacing",
        "notation",
        "frame",
        "linebreak",
    ]
)
SAFE_VALUE = re.compile(r"[\w.%+# -]*")


def _name(element) -> tuple[str, str]:
    namespace, _, name = element.tag[1:].partition("}")
    return namespace, name


def _attribute(name: str) -> str:
    """html5lib names the MathML xmlns attribute by its namespace; others keep theirs."""
    return name.removeprefix("{http://www.w3.org/2000/xmlns/}")


def not_mathml(fragment: str) -> list[str]:
    """Every element and attribute of fragment, as an HTML5 parser builds it, that is not
    allowlisted MathML."""
    root = html5lib.parseFragment(fragment, container="div")
    problems = []
    for element in root.iter():
        if element is root:
            continue
        if not isinstance(element.tag, str):
            problems.append(f"comment {element.text!r}")
            continue
        namespace, name = _name(element)
        if namespace != MATHML_NAMESPACE or name not in MATHML_ELEMENTS:
            problems.append(element.tag)
        for attribute, value in element.attrib.items():
            name_ok = _attribute(attribute) in MATHML_ATTRIBUTES
            value_ok = SAFE_VALUE.fullmatch(value) or value == MATHML_NAMESPACE
            if not (name_ok and value_ok):
                problems.append(f"{name} {attribute}={value!r}")
    return problems


def text_of(fragment: str) -> str:
    return "".join(html5lib.parseFragment(fragment, container="div").itertext())


RUN = "document.title='PWNED'"
SMUGGLED = [
    # The form from the issue: a > inside an attribute value, / instead of spaces.
    r"""$\text{<mi/width="x>"tabindex="1"autofocus/onfocus="document.title='XSS'">x</mi>}$""",
    rf"$\mbox{{<img src=x onerror={RUN}>}}$",
    rf"$\operatorname{{<img/src=x/onerror={RUN}>}}$",
    rf"$\textbf{{<svg/onload={RUN}>}}$",
    rf"$\textit{{<b onmouseover={RUN}>x</b>}}$",
    rf"$\mathrm{{<script>{RUN}</script>}}$",
    rf"$\text{{</mtext></math><img src=x onerror={RUN}>}}$",
    rf"$\text{{</mtext></mrow></math><script>{RUN}</script><math>}}$",
    rf"$\text{{&lt;img src=x onerror={RUN}&gt;}}$",
    rf"$\text{{&#60;img src=x onerror={RUN}&#62;}}$",
    rf"$\text{{&#x3C;script&#x3E;{RUN}&#x3C;/script&#x3E;}}$",
    rf"$\text{{<!--<img src=x onerror={RUN}>-->}}$",
    rf"$\text{{<![CDATA[<img src=x onerror={RUN}>]]>}}$",
    rf"$\text{{<mglyph><style><img src=x onerror={RUN}>}}$",
    rf"$\text{{<annotation-xml encoding=text/html><img src=x onerror={RUN}>}}$",
    rf"$$\begin{{array}}{{c}}\text{{</mtd></mtr></mtable><img src=x onerror={RUN}>}}"
    r"\end{array}$$",
    rf"$\href{{javascript:{RUN}}}{{x}}$",
    r"$\style{background:url(//evil.example/x)}{x}$",
    r"$\class{x onmouseover=alert(1)}{y}$",
    r"$\color{red;background:url(x)}{y}$",
    r"$\hspace{1em\" onmouseover=\"alert(1)}$",
    rf"$\text{{<mi width='>' onfocus={RUN} autofocus tabindex=1>y</mi>}}$",
    rf"\(\text{{<iframe src=javascript:{RUN}>}}\)",
    rf"\[\textsf{{<object data=javascript:{RUN}>}}\]",
    rf"<script>{RUN}</script> $x$ <img src=x onerror={RUN}>",
]


@pytest.mark.parametrize("text", SMUGGLED)
def test_smuggled_markup_comes_out_as_text_inside_mathml(text):
    html = render_math_text(text)
    assert not_mathml(html) == []
    assert "<math" in html  # the sanitizer kept the formula; it did not just fall back


@pytest.mark.parametrize(
    ("latex", "shown"),
    [
        (r"$\text{<b>bold</b> & co}$", "<b>bold</b>\xa0&\xa0co"),
        (r"$\text{a < b > c}$", "a\xa0<\xa0b\xa0>\xa0c"),
        (r"$\alpha \leq \beta$", "α≤β"),
    ],
)
def test_text_inside_math_is_shown_as_written(latex, shown):
    assert text_of(render_math_text(latex)) == shown


def test_real_math_keeps_its_attributes():
    html = render_math_text(r"$$\begin{array}{lc} a & b \end{array} \hspace{1em} \fbox{x}$$")
    assert 'columnalign="left"' in html and 'width="1em"' in html and 'notation="box"' in html
    assert 'display="block"' in html


# LaTeX-ish pieces and hostile pieces, so generated formulas both parse and probe.
PIECES = st.sampled_from(
    [
        r"\text{",
        r"\mbox{",
        r"\operatorname{",
        r"\textbf{",
        r"\mathrm{",
        r"\href{",
        r"\color{",
        r"\hspace{",
        r"\frac",
        r"\begin{array}{c}",
        r"\end{array}",
        "}",
        "{",
        "^",
        "_",
        "&",
        r"\\",
        "x",
        "1",
        " ",
        "<",
        ">",
        "/",
        '"',
        "'",
        "=",
        "&lt;",
        "&#60;",
        "<mi",
        "<img",
        "onfocus=",
        "onerror=",
        "autofocus",
        "</mtext>",
        "</math>",
        "<script>",
        "javascript:",
    ]
)
FORMULAS = st.one_of(st.text(max_size=80), st.lists(PIECES | st.text(max_size=3)).map("".join))


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FORMULAS)
def test_any_formula_parses_to_allowlisted_mathml_only(formula):
    for text in (f"${formula}$", f"\\({formula}\\)", f"$${formula}$$"):
        assert not_mathml(render_math_text(text)) == []


def hostile_papers_on_a_list(list_paper):
    from dailypapers.papers.models import Paper

    summary = import_files([HOSTILE_SNAPSHOT], strict=True)
    assert summary.counts.new == len(HOSTILE_IDS), summary.line()
    for minute, paper in enumerate(Paper.objects.filter(pk__in=HOSTILE_IDS)):
        list_paper(paper, DAY, minute=minute)


def assert_no_foreign_markup(page: str):
    """The page's own markup plus allowlisted MathML: no handler, no script but ours."""
    document = html5lib.parse(page)
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        namespace, name = _name(element)
        assert not any(a.lower().startswith("on") for a in element.attrib), element.attrib
        for key, value in element.attrib.items():
            if "xss-sentinel" in value:
                # Only a keyword chip's link to its search carries outside words, and only
                # percent-encoded in the query string.
                assert key == "href" and value.startswith(fixed_path("search") + "?q="), value
                assert re.fullmatch(r"[A-Za-z0-9%._~/?=&-]+", value), value
        if name == "script":
            # Only our own static scripts (feed's site.js, library's library.js, ...).
            assert element.get("src", "").startswith(django_settings.STATIC_URL), element.attrib
        if namespace == MATHML_NAMESPACE:
            assert name in MATHML_ELEMENTS
            assert {_attribute(a) for a in element.attrib} <= MATHML_ATTRIBUTES
        else:
            assert namespace == HTML_NAMESPACE and name not in {"svg", "iframe", "object"}


@pytest.mark.django_db
@pytest.mark.parametrize("arxiv_id", HOSTILE_IDS)
def test_hostile_snapshot_records_render_inert_on_their_page(client, arxiv_id, list_paper):
    hostile_papers_on_a_list(list_paper)
    page = client.get(f"/papers/{arxiv_id}").content.decode()
    assert "<math" in page  # the hostile math rendered through the sanitizer
    assert_no_foreign_markup(page)


@pytest.mark.django_db
def test_the_issues_payload_shows_as_text(client, list_paper):
    hostile_papers_on_a_list(list_paper)
    document = html5lib.parse(client.get("/papers/2611.90011").content.decode())
    abstract = next(e for e in document.iter() if e.get("class") == "abstract")
    text = "".join(abstract.itertext())
    assert """autofocus/onfocus="document.title='XSS:'+document.domain">x</mi>""" in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/papers/date/2026-11-20", "/papers/week/2026-W47", "/papers/month/2026-11"]
)
def test_hostile_records_render_inert_on_list_pages(client, url, list_paper):
    hostile_papers_on_a_list(list_paper)
    page = client.get(url).content.decode()
    assert "2611.90014" in page
    assert_no_foreign_markup(page)


# Feeds -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/feeds/daily.rss?date=2026-11-20", "/feeds/daily.atom?date=2026-11-20"]
)
def test_feeds_send_abstracts_as_text(client, url, list_paper):
    """A reader renders description/summary as HTML: what it shows must be the stored text
    (the author names, each a link to its page, then the abstract)."""
    from dailypapers.papers.models import Paper
    from dailypapers.papers.text import FEED_AUTHORS, short_authors

    hostile_papers_on_a_list(list_paper)
    parsed = feedparser.parse(client.get(url).content)
    assert len(parsed.entries) == len(HOSTILE_IDS)
    for entry in parsed.entries:
        paper = Paper.objects.get(pk=entry.link.rstrip("/").rsplit("/", 1)[-1])
        assert entry.summary_detail.type == "text/html"
        authors = short_authors(paper.authors, FEED_AUTHORS)
        assert text_of(entry.summary) == authors + paper.abstract


@pytest.mark.django_db
def test_search_feed_link_keeps_the_query_in_one_parameter(client):
    response = client.get("/search/feed", {"q": 'graphs&sort=new "x"'})
    link = feedparser.parse(response.content).feed.link
    assert link.endswith("/search?q=graphs%26sort%3Dnew+%22x%22")


# Content-Security-Policy -------------------------------------------------------------------

POLICY = {
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}


def assert_policy(response):
    header = response.get("Content-Security-Policy")
    assert header, f"{response.status_code} {response.get('Content-Type')} has no CSP"
    sent = directives(header)
    for name, value in POLICY.items():
        assert sent.get(name) == value, header
    assert "unsafe-inline" not in sent.get("script-src", "")
    assert "unsafe-inline" not in sent.get("default-src", "")


@pytest.mark.django_db
def test_cached_and_uncached_pages_carry_the_policy(client, make_paper, list_paper):
    list_paper(make_paper("2611.00001"), DAY)
    cache.clear()
    for url in ["/", "/papers/2611.00001", "/trending", "/papers/date/2026-11-20", "/search"]:
        first, second = client.get(url), client.get(url)
        assert second.get("X-Page-Cache") == "hit", url
        assert_policy(first)
        assert_policy(second)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/about",
        "/accounts/login/",
        "/accounts/signup/",
        "/admin/login/",
        "/api/docs",
        "/papers/2611.99999",
        "/no/such/page",
        "/feeds/daily.rss",
    ],
)
def test_every_response_carries_the_policy(client, url):
    assert_policy(client.get(url))


@pytest.mark.django_db
def test_signed_in_pages_carry_the_policy(client, reader):
    assert_policy(client.get("/u/reader"))
    assert_policy(client.get("/digests/"))


TEMPLATES = sorted(Path(__file__).parent.parent.joinpath("src").rglob("templates/**/*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_templates_have_no_inline_script(template):
    """The policy forbids inline script: it would break silently in the browser."""
    text = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", text), "event-handler attribute"
    assert "javascript:" not in text


@pytest.mark.django_db
def test_api_docs_use_our_own_pinned_assets(client):
    page = client.get("/api/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(s.endswith("swagger-ui-bundle.js") for s in sources)
    assert all(s.startswith("/") for s in sources), sources
    assert "cdn" not in page
    assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", page)


def test_hostile_fixture_starts_with_the_exact_record_from_the_issue():
    first = HOSTILE_SNAPSHOT.read_text().splitlines()[0]
    assert first == (
        '{"id":"2611.90011","title":"t","abstract":"We study $\\\\text{<mi/width=\\"x>\\"'
        'tabindex=\\"1\\"autofocus/onfocus=\\"document.title=\'XSS:\'+document.domain\\">x</mi>}$'
        '","authors":"M","categories":"cs.LG","update_date":"2026-11-20","versions":'
        '[{"version":"v1","created":"Mon, 16 Nov 2026 00:00:00 GMT"}]}'
    )


def directives(policy: str) -> dict[str, str]:
    return dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())


def test_the_policy_built_once_is_django_csps_and_follows_settings(rf):
    """core/csp.py builds the header once per process: it must be django-csp's own, follow
    setting changes, and leave per-view policies (django-csp's decorators) to django-csp."""
    from csp.decorators import csp_update
    from csp.utils import build_policy
    from django.http import HttpResponse
    from django.test import override_settings

    from dailypapers.core.csp import CSPMiddleware

    def view(request):
        return HttpResponse()

    middleware = CSPMiddleware(view)
    for _ in range(2):  # built, then remembered
        sent = middleware(rf.get("/"))["Content-Security-Policy"]
        assert directives(sent) == directives(build_policy())
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}):
        assert middleware(rf.get("/"))["Content-Security-Policy"] == "default-src 'none'"
    assert directives(middleware(rf.get("/"))["Content-Security-Policy"]) == directives(sent)
    updated = CSPMiddleware(csp_update({"img-src": "https://example.org"})(view))
    img_src = directives(updated(rf.get("/"))["Content-Security-Policy"])["img-src"]
    assert "https://example.org" in img_src and "'self'" in img_src


@pytest.mark.django_db
def test_security_doc_states_the_policy_we_send(client):
    doc = Path(__file__).parent.parent.joinpath("docs", "security.md").read_text()
    stated = re.search(r"\n\n((?:    .*\n)+)", doc[doc.index("Content-Security-Policy") :])
    sent = client.get("/about")["Content-Security-Policy"]
    assert directives(" ".join(stated[1].split())) == directives(sent)
