"""Malformed import records are reported with file, line and reason and skipped, whatever they
hold (issue 11, item 7): every reader is fuzzed with hypothesis, with arbitrary bytes, arbitrary
JSON values in each field, and mutations of real records."""

import copy
import io
import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from conftest import ATOM, DERIVED_1000, OAI, SNAPSHOT_200, examples
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from dailypapers.papers import records
from dailypapers.papers.cleaning import strip_unstorable
from dailypapers.papers.models import Paper
from dailypapers.papers.records import INTERNAL_ERROR, PaperRecord, Rejected
from dailypapers.papers.sources.atom import parse_atom
from dailypapers.papers.sources.oai import parse_oai
from dailypapers.papers.sources.snapshot import read_json_array, read_snapshot_lines
from dailypapers.papers.sources.xml import MalformedInput

GOOD_LINES = SNAPSHOT_200.read_bytes().splitlines()[:3]
FIRST = json.loads(GOOD_LINES[0])
FUZZ = settings(max_examples=examples(150), deadline=None, suppress_health_check=list(HealthCheck))


def bad_line(**fields) -> bytes:
    return json.dumps({**FIRST, "id": "0704.9999", **fields}).encode()


MALFORMED = {
    "authors_parsed is text": (bad_line(authors_parsed="notalist"), "authors_parsed is not a list"),
    "authors_parsed of numbers": (bad_line(authors_parsed=[[1, 2]]), "lists of names"),
    "version overflows": (
        bad_line(versions=[{"version": "v99999999999999999999", "created": "Mon, 2 Apr 2007"}]),
        "out of range",
    ),
    "version in other digits": (bad_line(versions=[{"version": "v²"}]), "unreadable version"),
    "not UTF-8": (b'{"id": "0704.9999", "title": "caf\xe9"}', "not UTF-8 text (byte 34"),
    "deep nesting": (b"[" * 50_000, "nested too deeply"),
    "2 MB title": (bad_line(title="x" * 2_000_000), "title is too long (2,000,000 characters"),
    "year 9999": (bad_line(versions=[], update_date="9999-12-31"), "out of range"),
    "year 1": (
        bad_line(versions=[{"version": "v1", "created": "0001-01-01T00:00:00+05:00"}]),
        "unreadable date",
    ),
    "title is a list": (bad_line(title=["a"]), "title is not text (list)"),
    "id is a number": (bad_line(id=704.0001), "id is not text"),
    "too many authors": (bad_line(authors_parsed=[["A", "B"]] * 10_001), "too many authors"),
}


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_line_is_reported_and_the_good_lines_imported_twice(tmp_path, name):
    line, reason = MALFORMED[name]
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join([GOOD_LINES[0], line, *GOOD_LINES[1:]]) + b"\n")
    out, err = run("import", str(path))
    assert out == "imported 3 new, 0 updated, 0 unchanged, 1 rejected"
    assert f"rejected {path}, line 2: " in err and reason in err
    assert Paper.objects.count() == 3
    out, _ = run("import", str(path))
    assert out == "imported 0 new, 0 updated, 3 unchanged, 1 rejected"


@pytest.mark.django_db
def test_strict_still_aborts_on_the_same_lines(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join([GOOD_LINES[0], MALFORMED["not UTF-8"][0]]))
    with pytest.raises(CommandError, match="line 2: not UTF-8"):
        run("import", "--strict", str(path))
    assert Paper.objects.count() == 0


@pytest.mark.django_db
def test_a_one_word_author_is_a_name_not_a_crash(tmp_path):
    path = tmp_path / "mononym.jsonl"
    path.write_bytes(bad_line(authors_parsed=[["OnlyOne"], ["Lovelace", "Ada", "Jr"]]))
    assert run("import", str(path))[0] == "imported 1 new, 0 updated, 0 unchanged, 0 rejected"
    assert Paper.objects.get().authors == ["OnlyOne", "Ada Lovelace Jr"]


@pytest.mark.django_db
def test_control_characters_are_stripped_at_import(tmp_path):
    path = tmp_path / "controls.jsonl"
    title = "Nul\u0000 bell\u0007 C1\u0085 lone\ud800 surrogate\ufffe"
    path.write_bytes(bad_line(title=title, abstract="tab\tand\r\nbreak\u009b", authors_parsed=[]))
    run("import", str(path))
    paper = Paper.objects.get()
    assert paper.title == "Nul bell C1 lone surrogate"
    assert paper.abstract == "tab and break"


@pytest.mark.django_db
@pytest.mark.parametrize("content", [b"[" * 50_000, b'[{"title": "caf\xe9"}]'])
def test_an_unreadable_json_array_is_one_clear_error(tmp_path, content):
    path = tmp_path / "array.json"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=r"could not read 1 input.*(nested too deeply|UTF-8)"):
        run("import", str(path))
    assert Paper.objects.count() == 0


@pytest.mark.django_db
def test_records_before_a_truncated_gzip_are_kept(tmp_path):
    import gzip

    path = tmp_path / "cut.jsonl.gz"
    whole = gzip.compress(SNAPSHOT_200.read_bytes())
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(CommandError, match="could not read 1 input.*unreadable"):
        run("import", "--batch-size", "1000", str(path))
    assert Paper.objects.count() > 50


def test_the_real_import_command_skips_every_malformed_line(deployment, tmp_path):
    """Through `dailypapers import` as a process: exit 0, no traceback, a re-run is idempotent."""
    path = tmp_path / "hostile.jsonl"
    bad = [line for line, _ in MALFORMED.values()]
    lines = [part for pair in zip(GOOD_LINES * 4, bad, strict=False) for part in pair]
    path.write_bytes(b"\n".join(lines) + b"\n")
    site = deployment()
    site.cli("migrate", "-v0")
    env = {"DAILYPAPERS_INDEX_ON_IMPORT": "0"}
    first = site.cli("import", str(path), env=env)
    summary = f"imported 3 new, 0 updated, 9 unchanged, {len(bad)} rejected"
    assert first.stdout.strip() == summary
    assert "Traceback" not in first.stderr
    assert first.stderr.count("rejected ") == len(bad)
    again = site.cli("import", str(path), env=env)
    assert again.stdout.strip() == summary.replace("3 new", "0 new").replace("9 unch", "12 unch")
    assert site.sql("SELECT count(*) FROM papers_paper")[0][0] == 3


# Properties shared by every reader.


def assert_storable(record: PaperRecord) -> None:
    """What the validation promises the database: no value out of range or unstorable."""
    texts = [record.title, record.abstract, record.comment, record.journal_ref, record.doi]
    texts += [record.license, record.primary_category, *record.authors, *record.categories]
    assert all(strip_unstorable(t) == t for t in texts)
    assert record.title and len(record.title) <= records.MAX_TITLE
    assert len(record.abstract) <= records.MAX_ABSTRACT
    assert len(record.doi) <= records.MAX_DOI and len(record.license) <= records.MAX_LICENSE
    assert len(record.primary_category) <= records.MAX_PRIMARY_CATEGORY
    assert len(record.authors) <= records.MAX_AUTHORS
    assert record.version is None or 1 <= record.version <= records.MAX_VERSION
    assert records.EARLIEST_DATE <= record.published <= record.updated
    assert record.updated <= datetime.now(UTC) + records.FUTURE_MARGIN


def assert_handled(items) -> list[PaperRecord]:
    items = list(items)
    for item in items:
        assert isinstance(item, PaperRecord | Rejected)
        if isinstance(item, Rejected):
            assert not item.reason.startswith(INTERNAL_ERROR), item
        else:
            assert_storable(item)
    return [item for item in items if isinstance(item, PaperRecord)]


def snapshot(data: bytes):
    return assert_handled(read_snapshot_lines(io.BytesIO(data), "fuzz.jsonl"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
SNAPSHOT_FIELDS = sorted(FIRST) + ["update_date"]
good_snapshot_ids = {json.loads(line)["id"] for line in GOOD_LINES}


@FUZZ
@given(st.binary(max_size=400))
@example(b"\xff\xfe")
@example(b"[" * 5000)
def test_snapshot_reader_takes_arbitrary_bytes(data):
    found = snapshot(b"\n".join([GOOD_LINES[0], data.replace(b"\n", b" "), GOOD_LINES[1]]))
    assert {"0704.0001", "0704.0002"} <= {record.arxiv_id for record in found}


@FUZZ
@given(field=st.sampled_from(SNAPSHOT_FIELDS), value=json_values)
def test_snapshot_reader_takes_any_json_value_in_any_field(field, value):
    row = {**FIRST, field: value}
    line = json.dumps(row, allow_nan=True).encode()
    found = snapshot(b"\n".join([GOOD_LINES[1], line, GOOD_LINES[2]]))
    assert {"0704.0002", "0704.0003"} <= {record.arxiv_id for record in found}


@st.composite
def mutated(draw, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete"]))
        if action == "insert" or not data:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        else:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
    return bytes(data)


@FUZZ
@given(st.sampled_from(SNAPSHOT_200.read_bytes().splitlines()).flatmap(mutated))
def test_snapshot_reader_takes_mutated_real_records(line):
    snapshot(line.replace(b"\n", b" "))


DERIVED = json.loads(DERIVED_1000.read_text())[:5]


@FUZZ
@given(
    index=st.integers(0, len(DERIVED) - 1),
    field=st.sampled_from(sorted(DERIVED[0]) + ["id", "doi", "updated", "primary_category"]),
    value=json_values,
)
def test_json_array_reader_takes_any_json_value_in_any_field(index, field, value):
    items = copy.deepcopy(DERIVED)
    items[index][field] = value
    untouched = DERIVED[:index] + DERIVED[index + 1 :]
    expected = {r.arxiv_id for r in assert_handled(read_json_array(untouched, "fuzz.json"))}
    after = assert_handled(read_json_array(items, "fuzz.json"))
    assert expected <= {record.arxiv_id for record in after}


@FUZZ
@given(st.lists(json_values, max_size=5))
def test_json_array_reader_takes_any_items(items):
    assert_handled(read_json_array(items, "fuzz.json"))


# The XML readers: arbitrary text in every element and attribute of real documents.

XML_SOURCES = {
    "atom": (ATOM / "q_testing_s0_m10_bc5a6c384fe9.xml", parse_atom, "entry"),
    "oai-arXiv": (OAI / "hepcrawl_sample_arxiv_record_12rec_assembled.xml", parse_oai, "record"),
    "oai-arXivRaw": (
        OAI / "mikesaelim_ListRecords_arXivRaw_from2014-10-01_page1_trimmed.xml",
        parse_oai,
        "record",
    ),
}
xml_text = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\ufffe\uffff").filter(
        lambda ch: ch in "\t\n\r" or ord(ch) >= 0x20
    ),
    max_size=60,
)


def parse_or_reject(parse, data: bytes) -> list[PaperRecord]:
    try:
        page = parse(data, "fuzz.xml")
    except MalformedInput:
        return []
    return assert_handled(page.items)


@pytest.mark.parametrize("name", XML_SOURCES)
def test_xml_readers_take_arbitrary_text_in_any_element(name):
    path, parse, entry_tag = XML_SOURCES[name]
    original = path.read_bytes()
    root = etree.fromstring(original)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    baseline = {r.arxiv_id for r in parse_or_reject(parse, original)}
    assert baseline

    @FUZZ
    @given(
        index=st.integers(0, len(elements) - 1),
        text=xml_text,
        attribute=st.booleans(),
    )
    def check(index, text, attribute):
        tree = etree.fromstring(original)
        element = [e for e in tree.iter() if isinstance(e.tag, str)][index]
        if attribute and element.attrib:
            element.set(sorted(element.attrib)[0], text)
        else:
            element.text = text
        changed = etree.tostring(tree)
        found = {r.arxiv_id for r in parse_or_reject(parse, changed)}
        entries = [e for e in tree.iter() if isinstance(e.tag, str) and e.tag.endswith(entry_tag)]
        inside = next((e for e in entries if element in e.iter()), None)
        if inside is None:
            return  # a change outside the entries may make the whole document unusable
        # Every entry the change did not touch still imports.
        assert len(found) >= len(baseline) - 1

    check()


@pytest.mark.parametrize("name", XML_SOURCES)
def test_xml_readers_take_mutated_real_documents(name):
    path, parse, _ = XML_SOURCES[name]

    @FUZZ
    @given(mutated(path.read_bytes()))
    def check(data):
        parse_or_reject(parse, data)

    check()


@FUZZ
@given(st.binary(max_size=300))
def test_xml_readers_take_arbitrary_bytes(data):
    for parse in (parse_atom, parse_oai):
        parse_or_reject(parse, data)


# Everything a reader accepts can be stored, twice, without change.


@pytest.mark.django_db(transaction=False)
@settings(max_examples=examples(60), deadline=None, suppress_health_check=list(HealthCheck))
@given(field=st.sampled_from(SNAPSHOT_FIELDS), value=json_values)
def test_whatever_a_reader_accepts_is_stored_idempotently(field, value):
    from dailypapers.papers.store import upsert_papers

    Paper.objects.all().delete()
    line = json.dumps({**FIRST, field: value}).encode()
    found = snapshot(b"\n".join([line, GOOD_LINES[1]]))
    first = upsert_papers(found)
    assert first.new == len({r.arxiv_id for r in found})
    again = upsert_papers(found)
    assert (again.new, again.updated) == (0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("size", ["0", "-5", "lots"])
def test_a_batch_size_below_one_is_refused_not_a_silent_empty_import(size):
    with pytest.raises(CommandError, match="at least 1"):
        run("import", "--batch-size", size, str(SNAPSHOT_200))
    assert Paper.objects.count() == 0


@pytest.mark.django_db
@settings(max_examples=examples(60), deadline=None, suppress_health_check=list(HealthCheck))
@given(
    head=st.sampled_from([b"", b"{", b"[", b"<feed>", b"<OAI-PMH>", b"\x1f\x8b", b"\xef\xbb\xbf"]),
    body=st.binary(max_size=300),
    gzipped=st.booleans(),
)
def test_any_file_imports_or_is_reported_as_unreadable(tmp_path_factory, head, body, gzipped):
    """The whole path a file takes (format detection, gzip, every reader): only reports."""
    import gzip

    from dailypapers.papers.importer import import_files

    path = tmp_path_factory.mktemp("fuzz") / "input"
    data = head + body
    path.write_bytes(gzip.compress(data) if gzipped else data)
    summary = import_files([path])
    assert len(summary.failed) <= 1
    assert not any(r.reason.startswith(INTERNAL_ERROR) for r in summary.rejected)
