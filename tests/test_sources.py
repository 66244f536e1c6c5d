"""The readers, on real recorded arXiv responses."""

import gzip
import json
from datetime import UTC, datetime

import pytest
from conftest import ATOM, DERIVED_1000, OAI, SNAPSHOT_200

from dailypapers.papers.records import PaperRecord, Rejected
from dailypapers.papers.sources.atom import parse_atom
from dailypapers.papers.sources.files import InputFile
from dailypapers.papers.sources.oai import parse_oai
from dailypapers.papers.sources.xml import MalformedInput


def records(items):
    return [i for i in items if isinstance(i, PaperRecord)]


def test_atom_100_entry_search_page():
    page = parse_atom((ATOM / "q_testing_s0_m100_cfe7536492ca.xml").read_bytes())
    assert page.total_results == 214881
    assert len(records(page.items)) == 100
    assert not page.errors
    for record in records(page.items):
        assert record.title and "\n" not in record.title and "  " not in record.title
        assert record.authors
        assert record.primary_category in record.categories
        assert record.published.tzinfo is not None


def test_atom_entry_fields():
    (record,) = parse_atom((ATOM / "id_1707.08567_s0_m100_6a1afebfc6a3.xml").read_bytes()).items
    assert record.arxiv_id == "1707.08567"
    assert record.version == 1
    assert record.title.startswith("Proceedings of Workshop AEW10")
    assert record.authors[:2] == ("Kees A. Schouhamer Immink", "Stan Baggen")
    assert record.primary_category == "cs.IT"
    assert record.published == datetime(2017, 7, 27, 8, 18, 33, tzinfo=UTC)
    assert record.comment.startswith("44 pages")


def test_legacy_atom_feed_with_doi_and_journal_ref():
    (record,) = parse_atom((ATOM / "arxivpy2016_id_list_1111.2011v2.xml").read_bytes()).items
    assert (record.arxiv_id, record.version) == ("1111.2011", 2)
    assert record.doi == "10.1103/PhysRevB.85.115117"
    assert record.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert record.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert record.abstract.startswith("Theoretical description of anisotropic systems")
    assert record.categories == ("cond-mat.str-el", "cond-mat.stat-mech")
    assert record.updated > record.published


def test_atom_error_entry_is_reported_not_imported():
    page = parse_atom((ATOM / "id_abc_s0_m100_b79c8dcf6bc3.xml").read_bytes())
    assert page.items == []
    assert page.errors == ["incorrect id format for abc"]


def test_atom_empty_result():
    page = parse_atom((ATOM / "id_0000.0000_s0_m100_8b51d9633a68.xml").read_bytes())
    assert page.total_results == 0 and page.items == [] and page.errors == []


@pytest.mark.parametrize(
    ("fixture", "arxiv_id", "version"),
    [
        ("id_astro-ph_0601001_s0_m100_3150dca9dc76.xml", "astro-ph/0601001", None),
        ("id_quant-ph_0201082v1_s0_m100_86989fe779ef.xml", "quant-ph/0201082", 1),
        ("id_2104.12255v1_s0_m100_6ae69987ffe1.xml", "2104.12255", 1),
    ],
)
def test_old_style_and_versioned_ids(fixture, arxiv_id, version):
    (record,) = parse_atom((ATOM / fixture).read_bytes()).items
    assert record.arxiv_id == arxiv_id
    if version:
        assert record.version == version
    else:
        assert record.version >= 1


def test_oai_arxiv_raw_page_with_resumption_token():
    page = parse_oai(
        (OAI / "mikesaelim_ListRecords_arXivRaw_from2014-10-01_page1_trimmed.xml").read_bytes()
    )
    assert page.resumption_token == "726959|1001"
    assert page.complete_list_size == 58011
    first = page.items[0]
    assert first.arxiv_id == "0704.0471"
    assert first.authors == ("D.V. Shetty", "S.J. Yennello", "G.A. Souliotis")
    assert first.version == 1
    assert first.published == datetime(2007, 4, 3, 22, 4, 11, tzinfo=UTC)
    assert '"stiff"' in first.abstract.replace('" stiff "', '"stiff"')


def test_oai_arxiv_format_authors_and_versions():
    page = parse_oai(
        (OAI / "hepcrawl_ListRecords_arXiv_physics-hep-ex_2017-12-14.xml").read_bytes()
    )
    record = records(page.items)[0]
    assert record.arxiv_id == "1706.05371"
    assert record.authors[0] == "Tyler Anderson"
    assert record.categories == ("physics.ins-det", "hep-ex")
    # The arXiv format says a later version exists but not its number.
    assert record.version is None
    assert record.updated.date().isoformat() == "2017-12-12"
    assert record.license.startswith("http://arxiv.org/licenses/")
    assert page.resumption_token == ""


def test_oai_page_requested_by_token_carries_the_next_token():
    page = parse_oai(
        (OAI / "rago1_ListRecords_arXiv_resumption-page_2015_2rec_EXTRACTED.xml").read_bytes()
    )
    assert len(records(page.items)) == 2
    assert page.resumption_token == "788421|43001"


@pytest.mark.parametrize(
    ("fixture", "code"),
    [
        ("mikesaelim_ErrorResponseBadArgument.xml", "badArgument"),
        ("mikesaelim_ErrorResponseBadResumptionToken.xml", "badResumptionToken"),
        ("mikesaelim_ErrorResponseBadVerb.xml", "badVerb"),
        ("mikesaelim_ErrorResponseIdDoesNotExist.xml", "idDoesNotExist"),
        ("mikesaelim_ErrorResponseNoRecordsMatch.xml", "noRecordsMatch"),
    ],
)
def test_every_oai_error_response(fixture, code):
    page = parse_oai((OAI / fixture).read_bytes())
    assert page.error_code == code
    assert page.error_message
    assert page.items == []


def test_oai_dc_records_are_rejected_with_a_reason():
    page = parse_oai(
        (OAI / "atomiklabs_ListRecords_oai_dc_cs_2024-01-25_page1_trimmed.xml").read_bytes()
    )
    assert page.items and all(isinstance(i, Rejected) for i in page.items)
    assert "use arXiv or arXivRaw" in page.items[0].reason


def test_snapshot_200_lines():
    with InputFile(SNAPSHOT_200) as source:
        assert source.format == "snapshot"
        items = list(source.items())
    assert len(records(items)) == 200
    first = items[0]
    assert first.arxiv_id == "0704.0001"
    assert first.version == 2
    assert first.authors[0] == "C. Balázs"
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert first.published == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert first.updated == datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)
    assert first.doi == "10.1103/PhysRevD.76.013009"


def test_snapshot_tolerates_empty_abstract_and_reports_bad_lines(tmp_path):
    good = json.loads(SNAPSHOT_200.read_text().splitlines()[0])
    empty_abstract = {**good, "id": "0704.0002", "abstract": ""}
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join([json.dumps(empty_abstract), "{not json", json.dumps({**good, "id": "nope"})])
    )
    with InputFile(path) as source:
        items = list(source.items())
    assert items[0].abstract == "" and items[0].arxiv_id == "0704.0002"
    assert items[1] == Rejected(f"{path}, line 2", items[1].reason)
    assert "malformed JSON" in items[1].reason
    assert items[2].where == f"{path}, line 3" and "not an arXiv id" in items[2].reason


def test_derived_json_with_duplicates_and_non_arxiv_links():
    with InputFile(DERIVED_1000) as source:
        assert source.format == "json-array"
        items = list(source.items())
    assert len(items) == 1000
    good = records(items)
    assert len(good) == 701
    assert len({r.arxiv_id for r in good}) < len(good)  # the file repeats papers
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert all("no arXiv id" in r.reason for r in rejected)


def test_gzip_is_detected(tmp_path):
    path = tmp_path / "snapshot.jsonl.gz"
    path.write_bytes(gzip.compress(SNAPSHOT_200.read_bytes()))
    with InputFile(path) as source:
        assert source.format == "snapshot"
        assert len(records(source.items())) == 200
        assert source.position() == path.stat().st_size


def test_unknown_format_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(MalformedInput, match="unrecognised format; expected arXiv snapshot"):
        InputFile(path)


def test_malformed_xml_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.xml"
    path.write_bytes((ATOM / "id_1707.08567_s0_m100_6a1afebfc6a3.xml").read_bytes()[:1500])
    with InputFile(path) as source, pytest.raises(MalformedInput, match="malformed XML"):
        list(source.items())


def test_hostile_xml_reads_no_local_files(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    feed = (ATOM / "id_1707.08567_s0_m100_6a1afebfc6a3.xml").read_text()
    feed = feed.replace(
        "<?xml version='1.0' encoding='UTF-8'?>",
        f'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY xxe SYSTEM "file://{secret}">]>',
    ).replace("<title>Proceedings", "<title>&xxe;Proceedings")
    page = parse_atom(feed.encode())
    assert "TOP-SECRET" not in repr(page.items)


def test_billion_laughs_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
        )
        + b']><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2401.01234</id>'
        + b"<title>&i;</title></entry></feed>"
    )
    try:
        page = parse_atom(bomb)
    except MalformedInput:
        return
    assert len(repr(page.items)) < 10_000
