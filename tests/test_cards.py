"""What a list card says: the key sentence in place of the cut abstract (math as MathML,
never a formula cut in half), keyword chips that link to their search, and hostile text
kept as text."""

import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from dailypapers.papers.latex import math_spans
from dailypapers.papers.text import CARD_KEYWORDS, excerpt

DAY = date(2026, 11, 20)
ABSTRACT = (
    "Noise limits every quantum device built so far. "
    "Surface codes protect logical qubits with local stabilizer measurements, and the logical "
    "error rate falls as $p_L \\sim (p/p_{th})^{(d+1)/2}$ with the distance d. "
    "A matching decoder corrects the errors."
)


def card_of(page: str, title: str) -> str:
    cards = re.findall(r"<article class=\"card.*?</article>", page, re.DOTALL)
    (card,) = [c for c in cards if title in c]
    return card


def test_a_card_shows_the_key_sentence_with_its_math_and_chips(client, make_paper, list_paper):
    list_paper(make_paper("2611.00001", title="Surface codes", abstract=ABSTRACT), DAY)
    card = card_of(client.get("/papers/date/2026-11-20").content.decode(), "Surface codes")
    sentence = re.search(r'<p class="snippet key-sentence">(.*?)</p>', card, re.DOTALL)[1]
    assert sentence.startswith('<span class="label">Key sentence</span> Surface codes protect')
    assert "<math" in sentence and "$" not in sentence
    assert "Noise limits" not in card  # the key sentence replaces the cut abstract
    chips = re.findall(r'<a class="chip" href="/search\?q=%22([^"]+)%22">([^<]+)</a>', card)
    assert 1 <= len(chips) <= CARD_KEYWORDS
    assert ("surface%20codes", "surface codes") in chips


def test_chips_can_be_turned_off(client, make_paper, list_paper, settings):
    settings.SHOW_CARD_KEYWORDS = False
    list_paper(make_paper("2611.00001", title="Surface codes", abstract=ABSTRACT), DAY)
    card = card_of(client.get("/papers/date/2026-11-20").content.decode(), "Surface codes")
    assert 'class="chip"' not in card and "Key sentence" in card


def test_hostile_text_on_a_card_stays_text(client, make_paper, list_paper):
    hostile = "<img src=x onerror=alert(1)>"
    abstract = f"First {hostile} sentence here. Second sentence about {hostile} surface codes."
    list_paper(make_paper("2611.00001", title="Codes", abstract=abstract), DAY)
    card = card_of(client.get("/papers/date/2026-11-20").content.decode(), "Codes")
    assert "<img" not in card
    assert "&lt;img src=x onerror=alert(1)&gt;" in card


def test_a_paper_without_an_abstract_keeps_todays_card(client, make_paper, list_paper):
    list_paper(make_paper("2611.00001", title="Untitled", abstract=""), DAY)
    card = card_of(client.get("/papers/date/2026-11-20").content.decode(), "Untitled")
    assert '<p class="snippet"></p>' in card
    assert "Key sentence" not in card and "<img" not in card


def test_a_formula_where_the_excerpt_would_end_is_left_out_whole():
    text = "Word " * 50 + "then $a + b + c + d + e + f$ and more words " * 5
    cut = excerpt(text, 260)
    assert cut.endswith("…") and cut.count("$") % 2 == 0
    assert "then …" in cut or cut.endswith("then…")


def test_a_formula_where_the_excerpt_starts_is_kept_whole():
    text = "lead " * 40 + "$x = y z w$ " + "tail " * 80
    near = text.index("y z")
    cut = excerpt(text, 100, near=near - 0)
    assert cut.count("$") % 2 == 0


words = st.sampled_from(["alpha", "beta", "gamma", "delta", "$x$", "$a + b$", "\\(c d\\)"])


@given(st.lists(words, min_size=1, max_size=120), st.integers(10, 300), st.integers(0, 900))
def test_no_excerpt_ends_or_starts_inside_a_formula(parts, chars, near):
    text = " ".join(parts)
    cut = excerpt(text, chars, near=min(near, len(text)))
    body = cut.strip("…")
    start = text.find(body)
    assert start >= 0
    end = start + len(body)
    for a, b in math_spans(text):
        assert not a < start < b and not a < end < b, (cut, text[a:b])


def test_a_card_shows_its_papers_new_text(client, make_paper, list_paper, settings):
    """What a card shows of its paper is kept per process (feed/cards.py), keyed by that
    text: a new version's title, authors and categories show, and papers never swap."""
    settings.PAGE_CACHE_SECONDS = 0  # the page cache aside: this is about the cards
    list_paper(
        make_paper("2611.00001", title="First title", authors=["Ada Lovelace"]), DAY, minute=1
    )
    list_paper(make_paper("2611.00002", title="Other paper", authors=["Alan Turing"]), DAY)

    def cards() -> tuple[str, str]:
        page = client.get("/papers/date/2026-11-20").content.decode()
        return card_of(page, "2611.00001"), card_of(page, "Other paper")

    first, other = cards()
    assert "First title" in first and ">Ada Lovelace</a>" in first and "cs.LG" in first
    assert ">Alan Turing</a>" in other and "Ada" not in other
    make_paper(
        "2611.00001",
        version=2,
        title="Second title",
        authors=["Grace Hopper", "Ada Lovelace"],
        categories=["math.CO"],
    )
    first, other = cards()
    assert "Second title" in first and "First title" not in first
    assert ">Grace Hopper</a>, <a" in first and "math.CO" in first and "cs.LG" not in first
    assert ">Alan Turing</a>" in other and "Grace" not in other


def test_a_cards_stored_parts_are_read_in_one_statement(
    client, make_paper, list_paper, django_assert_num_queries
):
    """A thumbnail, an LLM summary and the first code link by position (then id), read
    together with one UNION (core.sql.rows_together), each reach their own card."""
    from dailypapers.links.models import PaperLink
    from dailypapers.summaries.models import Summary
    from dailypapers.thumbnails.models import Thumbnail

    first, second = make_paper("2611.00001", title="First"), make_paper("2611.00002")
    list_paper(first, DAY)
    list_paper(second, DAY, minute=1)
    Thumbnail.objects.create(paper=first, status="ok", drawn_id="d" * 64, width=190, height=246)
    Summary.objects.create(paper=second, status="ok", text="A <b>summary</b>.", model="m-1")
    for position, repository in ((1, "later"), (0, "first"), (0, "tie")):
        PaperLink.objects.create(
            paper=first, kind="code", url=f"https://github.com/a/{repository}", position=position
        )
    # the day's 2, the papers' text (first shown, so read once: listing._texts) and the
    # stars of the code link found
    with django_assert_num_queries(4):
        page = client.get(f"/papers/date/{DAY}").content.decode()
    one, two = card_of(page, "First"), card_of(page, "2611.00002")
    assert 'width="190" height="246"' in one and 'class="thumbnail"' not in two
    assert "A &lt;b&gt;summary&lt;/b&gt;." in two and "ai-summary" not in one
    assert 'href="https://github.com/a/first"' in one and "code-badge" not in two


def test_a_cards_text_follows_its_paper_through_a_re_import_and_an_admin_edit(
    client, make_paper, list_paper, rf, admin_user
):
    """Each process keeps the papers' text by their content hashes (listing._texts): a new
    version read from arXiv, or a staff edit in the admin, shows on the next view."""
    from django.contrib import admin
    from django.core.cache import cache

    from dailypapers.papers.models import Paper

    def titles() -> list[str]:
        cache.clear()  # the page cache would answer with the page as first drawn
        page = client.get(f"/papers/date/{DAY}").content.decode()
        return re.findall(r'<h2 id="title-\d+"><a href="[^"]+">([^<]*)</a>', page)

    list_paper(make_paper("2611.00001", title="First title", authors=["Ada Lovelace"]), DAY)
    assert titles() == ["First title"]
    make_paper("2611.00001", title="Second title", version=2, authors=["Grace Hopper"])
    assert titles() == ["Second title"]
    assert ">Grace Hopper</a>" in client.get(f"/papers/date/{DAY}?page=1").content.decode()

    paper = Paper.objects.get(pk="2611.00001")
    paper.title = "Edited by staff"
    request = rf.post("/admin/papers/paper/2611.00001/change/")
    request.user = admin_user
    admin.site._registry[Paper].save_model(request, paper, form=None, change=True)
    assert titles() == ["Edited by staff"]


def test_cards_whose_paper_changed_or_went_between_the_two_reads(make_paper, list_paper):
    """The cards' statement gives each paper's content hash; a paper re-imported before its
    text is read shows the text read, with that text's hash, and one deleted is left out."""
    from dailypapers.feed import listing

    paper = make_paper("2611.00001", title="Now")
    entry = list_paper(paper, DAY)
    rows = [
        (entry.pk, "2611.00001", 3, 1, False, None, "the hash before a re-import"),
        (entry.pk + 1, "2611.09999", 0, 0, False, None, "a deleted paper's"),
    ]
    (card,) = listing._cards(rows).values()
    assert (card.title, card.content_hash, card.upvotes) == ("Now", paper.content_hash, 3)


def test_the_papers_text_kept_per_process_is_bounded(make_paper, list_paper, monkeypatch):
    from dailypapers.feed import listing

    monkeypatch.setattr(listing, "_TEXTS_KEPT", 2)
    papers = [make_paper(f"2611.0000{i}") for i in range(3)]
    entries = [list_paper(paper, DAY, minute=i) for i, paper in enumerate(papers)]
    keys = [(paper.arxiv_id, paper.content_hash) for paper in papers]

    listing.cards_for([entries[0].pk, entries[1].pk])
    assert set(listing._texts) == {keys[0], keys[1]}
    listing.cards_for([entries[2].pk])  # past the bound: emptied first
    assert set(listing._texts) == {keys[2]}
    listing._texts.clear()
    cards = listing.cards_for([entry.pk for entry in entries])  # more than the bound at once
    assert [card.title for card in cards] == [paper.title for paper in papers]
    assert listing._texts == {}


def test_a_lists_drawing_is_kept_only_while_all_it_shows_is_unchanged(
    client, make_paper, list_paper, settings, monkeypatch, django_user_model
):
    """A list's cards as drawn for visitors who are not signed in are kept per process
    (feed.cards._lists), keyed by all that both reads returned. After each change below, the
    page drawn with the kept lists is the page drawn afresh, and shows the change; with
    nothing changed, no card is drawn again."""
    from dailypapers.feed import cards
    from dailypapers.feed.models import DailyEntry
    from dailypapers.links.models import PaperLink, PaperRepository, Repository
    from dailypapers.summaries.models import Summary
    from dailypapers.thumbnails.models import Thumbnail

    settings.PAGE_CACHE_SECONDS = 0  # the page cache aside: this is about the cards
    drawn = []
    draw = cards._card
    monkeypatch.setattr(cards, "_card", lambda *args, **kw: drawn.append(1) or draw(*args, **kw))
    curator = django_user_model.objects.create_user("curator", password="x" * 12)
    first = make_paper("2611.00001", title="First title")
    entry = list_paper(first, DAY, by=curator)
    list_paper(make_paper("2611.00002", title="Second paper"), DAY, minute=1)
    repository = Repository.objects.create(key="a/code", full_name="a/code", state="ok", stars=7)

    def page() -> str:
        return client.get(f"/papers/date/{DAY}").content.decode()

    changes = [
        ("nothing", lambda: None, None),
        ("upvotes", lambda: DailyEntry.objects.filter(pk=entry.pk).update(upvotes=41), ">41<"),
        (
            "comments",
            lambda: DailyEntry.objects.filter(pk=entry.pk).update(comment_count=1),
            "1 comment<",
        ),
        (
            "pin",
            lambda: DailyEntry.objects.filter(pk=entry.pk).update(pinned=True),
            "<strong>pinned",
        ),
        (
            "submitter",
            lambda: django_user_model.objects.filter(pk=curator.pk).update(username="renamed"),
            ">renamed</a>",
        ),
        (
            "new version",
            lambda: make_paper("2611.00001", version=2, title="New title"),
            "New title",
        ),
        (
            "thumbnail",
            lambda: Thumbnail.objects.create(
                paper=first, status="ok", drawn_id="d" * 64, width=190, height=246
            ),
            'width="190"',
        ),
        (
            "summary",
            lambda: Summary.objects.create(paper=first, status="ok", text="Summed up.", model="m"),
            "Summed up.",
        ),
        (
            "code link",
            lambda: PaperLink.objects.create(
                paper=first, kind="code", url="https://github.com/a/code"
            ),
            "github.com/a/code",
        ),
        (
            "stars",
            lambda: PaperRepository.objects.create(paper=first, repository=repository),
            "★ 7",
        ),
        ("stars again", lambda: Repository.objects.filter(pk=repository.pk).update(stars=9), "★ 9"),
        ("a setting", lambda: setattr(settings, "SHOW_CARD_KEYWORDS", False), None),
    ]
    before = page()
    assert 'class="chip"' in before
    for change, make_change, shown in changes:
        make_change()
        drawn.clear()
        kept = page()
        if change == "nothing":
            assert kept == before and not drawn, "an unchanged list is not drawn again"
        else:
            assert kept != before and drawn, change
        assert shown is None or shown in kept, change
        cards._lists.clear()
        assert page() == kept, change
        before = kept
    assert 'class="chip"' not in before  # the setting's change showed

    client.force_login(curator)
    drawn.clear()
    signed_in = page()
    assert drawn and "csrfmiddlewaretoken" in signed_in
    assert len(cards._lists) == 1, "nothing a signed-in visitor sees is kept"


def test_kept_lists_follow_their_notes_and_are_bounded(make_paper, list_paper, rf, monkeypatch):
    """A note under a card (trending by code's stars gained, "for you"'s reasons) is part of
    what a kept list is keyed by; past the bound, the kept lists are emptied first."""
    from django.contrib.auth.models import AnonymousUser

    from dailypapers.feed import cards, listing

    monkeypatch.setattr(cards, "_LISTS_KEPT", 2)
    entries = [list_paper(make_paper(f"2611.0000{i}"), DAY, minute=i) for i in range(3)]
    request = rf.get("/trending?by=code")
    request.user = AnonymousUser()

    def draw(entry_ids, notes=None) -> str:
        found = listing.cards_for(entry_ids)
        return cards.render_cards(
            found, set(), csrf_input="", next_path=request.path, request=request, notes=notes
        )

    first = [entries[0].pk, entries[1].pk]
    five, six = ({"2611.00000": f"<p>+{n} GitHub stars</p>"} for n in (5, 6))
    assert "+5 GitHub stars" in draw(first, five)
    assert "+6 GitHub stars" in draw(first, six) and len(cards._lists) == 2
    assert "+5 GitHub stars" in draw(first, five)  # kept
    draw([entries[2].pk])  # a third list, past the bound
    assert len(cards._lists) == 1
