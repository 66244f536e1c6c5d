"""Hypothesis against the library's readers and forms: any input gets a clear refusal or a
result, never a crash, and a refusal changes nothing."""

import pytest
from conftest import examples
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dailypapers.library import services
from dailypapers.library.forms import CollectionForm, ImportForm, PaperLibraryForm
from dailypapers.library.importing import ImportRefused, import_text, read_lines
from dailypapers.library.models import SavedPaper, Tag

pytestmark = pytest.mark.django_db
FUZZ = hypothesis_settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# BibTeX-shaped text: fragments that exercise the parser's states more than random text does.
FRAGMENTS = st.sampled_from(
    [
        "@misc{",
        "@article(",
        "@string{",
        "@comment{",
        "@preamble{",
        "key,",
        "}",
        "{",
        ")",
        "(",
        " = ",
        ",",
        '"',
        "#",
        "title",
        "eprint",
        "url",
        "2401.00001",
        "arXiv:",
        "https://arxiv.org/abs/",
        "hep-th/9901001",
        "\n",
        " ",
        "\\",
        "%",
        "@",
        "é",
        "\x00",
    ]
)
BIBTEXISH = st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=40).map("".join)


@FUZZ
@given(text=st.one_of(st.text(max_size=400), BIBTEXISH), bib=st.booleans())
def test_the_import_reader_returns_lines_or_refuses(text, bib):
    try:
        lines = read_lines(text, "x.bib" if bib else "x.txt")
    except ImportRefused as error:
        assert str(error)
        return
    for line in lines:
        assert (line.arxiv_id is None) == bool(line.problem)
        assert line.number >= 0


@pytest.fixture
def fuzz_user(make_user, make_paper):
    make_paper("2401.00001")
    return make_user("fuzz")


@FUZZ
@given(text=BIBTEXISH)
def test_an_import_that_does_not_apply_changes_nothing(fuzz_user, text):
    SavedPaper.objects.filter(user=fuzz_user).delete()
    try:
        report = import_text(fuzz_user, text, "x.bib", fetch=False)
    except ImportRefused:
        report = None
    saved = list(SavedPaper.objects.filter(user=fuzz_user).values_list("paper_id", flat=True))
    if report is None or not report.applied:
        assert saved == []
    else:
        assert saved == ["2401.00001"] and not report.problems


@FUZZ
@given(tags=st.text(max_size=300), note=st.text(max_size=300))
def test_the_paper_panel_form_and_tag_rules(fuzz_user, tags, note):
    user = fuzz_user
    paper = SavedPaper._meta.get_field("paper").related_model.objects.get()
    form = PaperLibraryForm({"tags": tags, "note": note})
    if not form.is_valid():
        return
    try:
        saved = services.save(user, paper)
        services.set_tags(user, saved, services.split_tags(form.cleaned_data["tags"]))
        services.set_note(user, saved, form.cleaned_data["note"])
    except services.LibraryError as error:
        assert str(error)
        return
    for tag in saved.tags.all():
        assert tag.slug and len(tag.name) <= Tag.NAME_MAX


@hypothesis_settings(FUZZ, max_examples=examples(60))
@given(
    data=st.dictionaries(
        st.sampled_from(["title", "description", "public", "ids", "tags", "partial"]),
        st.text(max_size=200),
    )
)
def test_collection_and_import_forms_validate_anything(data):
    for form in (CollectionForm(data), ImportForm(data)):
        if form.is_valid():
            assert isinstance(form.cleaned_data, dict)
        else:
            assert form.errors


LIBRARY_FIELDS = [
    "tags",
    "note",
    "action",
    "tag",
    "papers",
    "title",
    "description",
    "public",
    "delete",
    "ids",
    "partial",
    "saved",
    "dismissed",
    "next",
]
FIELD_TEXT = st.one_of(st.text(max_size=80), st.sampled_from(["2401.00001", "on", "tag", "", "0"]))


@hypothesis_settings(FUZZ, max_examples=examples(60))
@given(
    data=st.dictionaries(st.sampled_from(LIBRARY_FIELDS), FIELD_TEXT),
    query=st.dictionaries(st.sampled_from(["tag", "q", "sort", "format"]), FIELD_TEXT),
)
# PostgreSQL refuses NUL in any text parameter: every field holding one, always tried (CI
# found /library/bulk passing posted paper ids straight to a query).
@example(data=dict.fromkeys(LIBRARY_FIELDS, "\x00") | {"action": "tag"}, query={})
@example(data={}, query=dict.fromkeys(["tag", "q", "sort", "format"], "\x00"))
def test_every_library_form_answers_without_a_server_error(client, fuzz_user, data, query):
    """Whatever is posted or asked: a page, a redirect, or a 4xx; never a 500."""
    from dailypapers.library.models import Collection

    client.force_login(fuzz_user)
    services.save(
        fuzz_user, SavedPaper._meta.get_field("paper").related_model.objects.get(), tags=["tag"]
    )
    for url in (
        "/papers/2401.00001/library",
        "/papers/2401.00001/save",
        "/papers/2401.00001/dismiss",
        "/library/bulk",
        "/library/tags/tag",
        "/library/import",
        "/library/settings",
    ):
        assert client.post(url, data).status_code < 500, url
    for url in ("/library", "/library/export", "/c/fuzz/tag"):
        assert client.get(url, query).status_code < 500, url
    assert Collection.objects.filter(public=True).count() <= 1
