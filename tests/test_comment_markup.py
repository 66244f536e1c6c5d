"""Comments as Markdown with math (issue 16): what renders, what links, and that nothing a
stranger types survives the sanitizer as script. Hypothesis writes the hostile input; html5lib
(a browser's parser) reads what we would serve."""

import re

import html5lib
import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dailypapers.feed import services
from dailypapers.feed.comment_markup import MAX_MENTIONS, RENDER_VERSION, render_comment
from dailypapers.feed.models import Comment

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
XHTML = "{http://www.w3.org/1999/xhtml}"
MATHML = "{http://www.w3.org/1998/Math/MathML}"
ALLOWED_HTML = {"p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li"}
ALLOWED_HTML |= {"a", "html", "head", "body"}


def assert_sanitized(html: str) -> None:
    """What a browser builds from the HTML holds only allowlisted elements and attributes:
    no script, no handler, no javascript: or data: URL, no SVG, no MathML escape hatch."""
    tree = html5lib.parse(html, namespaceHTMLElements=True)
    for element in tree.iter():
        tag = element.tag
        if tag.startswith(MATHML):
            assert tag[len(MATHML) :] not in {"annotation-xml", "maction", "semantics"}, html
            for name in element.attrib:
                assert not name.lower().startswith("on") and name != "href", (name, html)
            continue
        assert tag.startswith(XHTML), (tag, html)
        assert tag[len(XHTML) :] in ALLOWED_HTML, (tag, html)
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (name, html)
            assert name in {"href", "title", "rel", "start"}, (name, html)
            if name == "href":
                scheme = re.match(r"\s*([a-zA-Z][\w+.-]*):", value)
                assert value.startswith("/") or (
                    scheme and scheme[1].lower() in {"http", "https", "mailto"}
                ), (value, html)
        if tag == XHTML + "a":
            assert element.get("rel") == "nofollow ugc noopener", html


def test_commonmark_basics():
    html = render_comment(
        "**bold** and *it* and `co<de>`\n\n- one\n- two\n\n> quoted\n\n[site](https://ex.org/a)"
    ).html
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html
    assert "<code>co&lt;de&gt;</code>" in html
    assert "<li>one</li>" in html and "<blockquote>" in html
    assert '<a href="https://ex.org/a" rel="nofollow ugc noopener">site</a>' in html
    assert_sanitized(html)


def test_math_goes_through_the_mathml_path():
    html = render_comment(r"Energy $E = mc^2$ and $$\sum_i x_i$$ but $5 and $6 stay text").html
    assert html.count("<math") == 2 and 'display="block"' in html
    assert "$5 and $6" in html
    assert_sanitized(html)


def test_failing_formula_shows_its_escaped_source():
    html = render_comment(r"see $\left( <b>$ here").html
    assert html == "<p>see $\\left( &lt;b&gt;$ here</p>\n"


def test_raw_html_images_and_headings_are_text():
    html = render_comment('<script>alert(1)</script>\n\n# Title\n\n![x](https://e.org/i.png "t")')
    assert "<script" not in html.html and "&lt;script&gt;" in html.html
    assert "<h1" not in html.html and "<img" not in html.html
    assert_sanitized(html.html)


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
        "<javascript:alert(1)>",
        '[x](https://e.org/" onmouseover="alert(1))',
    ],
)
def test_dangerous_links_lose_their_target(link):
    html = render_comment(link).html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(h.startswith("https://e.org/") for h in hrefs), html
    assert_sanitized(html)


def test_plain_arxiv_ids_and_urls_link_to_our_paper_page():
    html = render_comment(
        "See 2401.01234, arXiv:2312.00001v2 and https://arxiv.org/abs/hep-th/9901001. "
        "Also https://example.org/x. Not 1234.5 nor 2413.01234."
    ).html
    assert '<a href="/papers/2401.01234" rel="nofollow ugc noopener">2401.01234</a>' in html
    assert 'href="/papers/2312.00001"' in html and 'href="/papers/hep-th/9901001"' in html
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">' in html
    assert "2413.01234" in html and 'href="/papers/2413.01234"' not in html  # month 13
    assert_sanitized(html)


def test_ids_in_code_and_links_are_left_alone():
    html = render_comment("`2401.01234` and [2401.01234](https://e.org/)").html
    assert "<code>2401.01234</code>" in html
    assert html.count("<a ") == 1 and 'href="https://e.org/"' in html


def test_mentions_link_known_users_only(make_user):
    ada = make_user("ada")
    make_user("bob.b")
    rendered = render_comment("Thanks @ada and @bob.b. Also @nobody, mail x@ada.org, `@ada`")
    assert '<a href="/u/ada" rel="nofollow ugc noopener">@ada</a>' in rendered.html
    assert 'href="/u/bob.b"' in rendered.html
    assert "@nobody" in rendered.html and "/u/nobody" not in rendered.html
    assert "<code>@ada</code>" in rendered.html
    assert [u.username for u in rendered.mentioned] == ["ada", "bob.b"]
    assert rendered.mentioned[0] == ada


def test_mentions_notify_at_most_max(make_user):
    users = [make_user(f"u{i}") for i in range(MAX_MENTIONS + 3)]
    rendered = render_comment(" ".join(f"@{u.username}" for u in users))
    assert len(rendered.mentioned) == MAX_MENTIONS
    assert rendered.html.count("<a ") == MAX_MENTIONS + 3


def test_comment_stores_source_html_and_render_version(make_user, make_paper):
    comment = services.add_comment(make_user("ada"), make_paper("2401.00001"), "**hi**")
    comment.refresh_from_db()
    assert comment.body == "**hi**"
    assert comment.body_html == "<p><strong>hi</strong></p>\n"
    assert comment.render_version == RENDER_VERSION


def test_edit_renders_again_and_marks_edited(make_user, make_paper, client):
    ada = make_user("ada")
    comment = services.add_comment(ada, make_paper("2401.00001"), "first")
    services.edit_comment(ada, comment, "*second*")
    comment.refresh_from_db()
    assert comment.body_html == "<p><em>second</em></p>\n" and comment.edited_at
    page = client.get("/papers/2401.00001").content.decode()
    assert "<em>second</em>" in page and 'class="edited"' in page


def test_rerender_command_updates_old_rows(make_user, make_paper):
    from django.core.management import call_command

    comment = services.add_comment(make_user("ada"), make_paper("2401.00001"), "`x`")
    Comment.objects.filter(pk=comment.pk).update(body_html="stale", render_version=0)
    call_command("rerender-comments", stdout=open("/dev/null", "w"))  # noqa: SIM115
    comment.refresh_from_db()
    assert comment.body_html == "<p><code>x</code></p>\n"
    assert comment.render_version == RENDER_VERSION


def test_stale_rows_render_on_read_until_rerendered(make_user, make_paper, client):
    comment = services.add_comment(make_user("ada"), make_paper("2401.00001"), "**new**")
    Comment.objects.filter(pk=comment.pk).update(body_html="", render_version=0)
    assert "<strong>new</strong>" in client.get("/papers/2401.00001").content.decode()


def test_over_the_limit_is_refused_with_the_numbers(make_user, make_paper, client):
    paper = make_paper("2401.00001")
    client.force_login(make_user("ada"))
    body = "x" * (Comment.MAX_LENGTH + 1)
    response = client.post("/papers/2401.00001/comments", {"body": body}, follow=True)
    assert f"{Comment.MAX_LENGTH + 1:,} characters" in response.content.decode()
    assert f"limited to {Comment.MAX_LENGTH:,}" in response.content.decode()
    assert not Comment.objects.filter(paper=paper).exists()
    preview = client.post("/comments/preview", {"body": body})
    assert preview.status_code == 400 and "limited to" in preview.json()["error"]


def test_preview_with_and_without_javascript(make_user, make_paper, client):
    make_paper("2401.00001")
    client.force_login(make_user("ada"))
    answer = client.post("/comments/preview", {"body": "**b** $x^2$"})
    assert answer.status_code == 200 and "<strong>b</strong>" in answer.json()["html"]
    assert "<math" in answer.json()["html"]
    page = client.post("/papers/2401.00001/comments", {"body": "**b**", "preview": "1"})
    text = page.content.decode()
    assert page.status_code == 200 and "<strong>b</strong>" in text
    assert ">**b**</textarea>" in text  # the form again, ready to post
    assert not Comment.objects.exists()  # a preview posts nothing


def test_edit_preview_without_javascript(make_user, make_paper, client):
    ada = make_user("ada")
    comment = services.add_comment(ada, make_paper("2401.00001"), "first")
    client.force_login(ada)
    page = client.post(f"/comments/{comment.pk}/edit", {"body": "_new_", "preview": "1"})
    assert "<em>new</em>" in page.content.decode()
    comment.refresh_from_db()
    assert comment.body == "first"


MARKDOWN_BITS = st.sampled_from(
    [
        "<",
        ">",
        '"',
        "'",
        "`",
        "*",
        "_",
        "[",
        "]",
        "(",
        ")",
        "!",
        "$",
        "$$",
        "\\",
        "&",
        "#",
        ";",
        ":",
        "\n",
        " ",
        "@",
        "javascript:",
        "JaVa\tscript:",
        "data:",
        "onerror=",
        "<script>",
        "</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "<math><mi xlink:href=javascript:alert(1)>",
        "\\text{<b>}",
        "\\href{javascript:x}",
        "https://",
        "arxiv.org/abs/",
        "2401.01234",
        "<a href=",
        "&#106;avascript:",
        "&lt;",
        "\x00",
        "\u2028",
        "<!--",
        "-->",
        "<![CDATA[",
        "<style>",
        "<iframe>",
        "<annotation-xml encoding='text/html'>",
    ]
)
HOSTILE_MARKDOWN = st.lists(st.one_of(MARKDOWN_BITS, st.text(max_size=8)), max_size=40).map("".join)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=HOSTILE_MARKDOWN)
def test_fuzz_rendered_comments_are_always_sanitized(source):
    assert_sanitized(render_comment(source).html)


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=HOSTILE_MARKDOWN, preview=st.booleans())
def test_fuzz_the_comment_form(body, preview, client, make_paper, make_user):
    """Whatever is posted: a clear answer (never a 500), nothing stored by a preview or a
    refusal, and every stored comment sanitized. (Examples share the test's database.)"""
    from dailypapers.papers.cleaning import multi_line
    from dailypapers.papers.models import Paper

    if not Paper.objects.filter(pk="2401.00001").exists():
        client.force_login(make_user("fuzz"))
        make_paper("2401.00001")
    before = Comment.objects.count()
    data = {"body": body, **({"preview": "1"} if preview else {})}
    response = client.post("/papers/2401.00001/comments", data)
    assert response.status_code in (200, 302, 400)
    cleaned = multi_line(body)
    postable = bool(cleaned) and len(cleaned) <= Comment.MAX_LENGTH and not preview
    assert Comment.objects.count() == before + postable
    for comment in Comment.objects.all():
        assert_sanitized(comment.body_html)


def test_staff_edits_in_the_admin_are_rendered_not_trusted(admin_client, make_user, make_paper):
    comment = services.add_comment(make_user("ada"), make_paper("2401.00001"), "first")
    form = {"paper": "2401.00001", "author": comment.author_id, "body": "<b>x</b> *y*"}
    form |= {"created_at_0": "2026-11-20", "created_at_1": "12:00:00", "body_html": "<b>raw</b>"}
    response = admin_client.post(f"/admin/feed/comment/{comment.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    comment.refresh_from_db()
    assert comment.body_html == "<p>&lt;b&gt;x&lt;/b&gt; <em>y</em></p>\n"
