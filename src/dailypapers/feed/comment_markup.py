"""Comments from Markdown to HTML: the one sanitizing path from a comment's source to a page,
an email or the API.

CommonMark through markdown-it-py (raw HTML off, no images, no headings: a comment is prose
under a paper, not a page of its own). `$…$` and `$$…$$` become MathML through papers/latex.py,
the path abstracts take. Plain text that names an arXiv paper (2401.01234, arXiv:2401.01234,
an arxiv.org/abs/ or /pdf/ URL) links to our paper page; other bare http(s) URLs link to
themselves; `@username` links to the profile when that user exists and stays text otherwise.

Everything markdown-it writes then goes through nh3 (the Ammonia allowlist sanitizer): only
the tags and attributes below survive, links may only be http(s) or mailto and get
rel="nofollow ugc noopener". MathML is not given to nh3: each formula is a random placeholder
while nh3 runs, and the placeholders are swapped for latex.py's allowlisted MathML after.

Comments are rendered when written and the HTML kept in `Comment.body_html`, stamped with
RENDER_VERSION; bump it when the output changes and run `dailypapers rerender-comments`.
"""

import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import quote

import nh3
from django.contrib.auth import get_user_model
from django.utils.html import escape
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

from ..core.urls import paper_path, route_template
from ..papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from ..papers.latex import mathml

RENDER_VERSION = 1
# A comment may notify this many people by name; further @names are still linked.
MAX_MENTIONS = 10

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

# In plain text, in this order of preference: an arXiv URL or "arXiv:" id, any other URL, a
# bare new-style id, an @name (Django's username characters; a trailing dot ends a sentence).
_PLAIN_LINKS = re.compile(
    r"(?P<arxiv>(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/[\w./-]*[\w/]"
    r"|arxiv:[\w./-]*\w)"
    r"|(?P<url>https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]}])"
    r"|(?<![\w./])(?P<bare>\d{4}\.\d{4,5}(?:v\d+)?)(?![\w/]|\.\d)"
    r"|(?<![\w@.+-])@(?P<mention>[\w.@+-]{0,149}[\w+-])",
    re.IGNORECASE,
)


@dataclass
class Rendered:
    html: str
    # Users named with @ who exist, in order of first mention (at most MAX_MENTIONS).
    mentioned: list = field(default_factory=list)


def _formula_rule(display: bool, block: bool):
    """Render a formula as a placeholder (the MathML goes in after nh3): the formulas and the
    render's nonce travel in markdown-it's `env`."""

    def render(renderer, tokens, index, options, env) -> str:
        env["formulas"].append((tokens[index].content.strip(), display))
        shown = f"dpmath{env['nonce']}x{len(env['formulas']) - 1}x"
        return f"<p>{shown}</p>\n" if block else shown

    return render


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    md.disable(["image", "heading", "lheading", "html_block", "html_inline"])
    md.use(
        dollarmath_plugin,
        allow_labels=False,
        allow_space=False,
        allow_digits=False,
        double_inline=True,
    )
    # Our own output for the plugin's tokens: no wrapper elements for nh3 to strip.
    md.add_render_rule("math_inline", _formula_rule(display=False, block=False))
    md.add_render_rule("math_inline_double", _formula_rule(display=True, block=False))
    md.add_render_rule("math_block", _formula_rule(display=True, block=True))
    return md


# Built once: a parser costs more to set up than a comment costs to parse.
_MARKDOWN = _markdown()


def render_comment(source: str) -> Rendered:
    """Sanitized HTML for a comment's Markdown source, and the users it mentions."""
    env = {"formulas": [], "nonce": secrets.token_hex(8)}
    tokens = _MARKDOWN.parse(source, env)
    users = _existing_users(_mention_candidates(tokens))
    mentioned: list = []
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _link_plain_text(token.children, users, mentioned)
    html = nh3.clean(
        _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, env),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    for index, (latex, display) in enumerate(env["formulas"]):
        delimiter = "$$" if display else "$"
        shown = mathml(latex, display) or escape(f"{delimiter}{latex}{delimiter}")
        html = html.replace(f"dpmath{env['nonce']}x{index}x", shown)
    return Rendered(html=html, mentioned=mentioned[:MAX_MENTIONS])


def current_html(comment) -> str:
    """The comment's stored HTML, or a fresh render while `rerender-comments` has not yet
    caught up with a new RENDER_VERSION."""
    if comment.render_version == RENDER_VERSION:
        return comment.body_html
    return render_comment(comment.body).html


def _plain_text_tokens(tokens: list[Token]):
    """The text tokens outside links (a link's own text is left alone)."""
    for token in tokens:
        if token.type == "inline" and token.children:
            depth = 0
            for child in token.children:
                depth += {"link_open": 1, "link_close": -1}.get(child.type, 0)
                if child.type == "text" and depth == 0:
                    yield child


def _mention_candidates(tokens: list[Token]) -> set[str]:
    return {
        match["mention"]
        for token in _plain_text_tokens(tokens)
        for match in _PLAIN_LINKS.finditer(token.content)
        if match["mention"]
    }


def _existing_users(names: set[str]) -> dict:
    if not names:
        return {}
    found = get_user_model().objects.filter(username__in=names, is_active=True)
    return {user.username: user for user in found}


def _link_plain_text(children: list[Token], users: dict, mentioned: list) -> list[Token]:
    out: list[Token] = []
    depth = 0
    profile = route_template("profile")
    for child in children:
        depth += {"link_open": 1, "link_close": -1}.get(child.type, 0)
        if child.type != "text" or depth:
            out.append(child)
            continue
        text, position = child.content, 0
        for match in _PLAIN_LINKS.finditer(text):
            href = _target(match, users, profile)
            if href is None:
                continue
            if match["mention"]:
                user = users[match["mention"]]
                if user not in mentioned:
                    mentioned.append(user)
            out.append(_text(text[position : match.start()]))
            out.extend(_link(href, match.group(0)))
            position = match.end()
        out.append(_text(text[position:]))
    return [token for token in out if token.type != "text" or token.content]


def _target(match: re.Match, users: dict, profile: str) -> str | None:
    if match["mention"]:
        user = users.get(match["mention"])
        return profile.format(quote(user.username)) if user else None
    if match["url"]:
        return match["url"]
    try:
        return paper_path(parse_arxiv_id(match["arxiv"] or match["bare"]).id)
    except InvalidArxivId:
        return match["arxiv"] if match["arxiv"] and "://" in match["arxiv"] else None


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _link(href: str, shown: str) -> list[Token]:
    return [
        Token("link_open", "a", 1, attrs={"href": href}),
        _text(shown),
        Token("link_close", "a", -1),
    ]
