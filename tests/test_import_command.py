"""`dailypapers import` end to end through the management command."""

import gzip
import json
import shutil
from io import StringIO

import pytest
from conftest import ATOM, DERIVED_1000, OAI, SNAPSHOT_200
from django.core.management import CommandError, call_command

from dailypapers.papers.models import Paper

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def stats() -> dict:
    return json.loads(run("stats", "--json")[0])


def test_importing_the_same_snapshot_twice():
    out, _ = run("import", str(SNAPSHOT_200))
    assert out == "imported 200 new, 0 updated, 0 unchanged, 0 rejected"
    first = stats()
    out, _ = run("import", str(SNAPSHOT_200))
    assert out == "imported 0 new, 0 updated, 200 unchanged, 0 rejected"
    assert stats() == first
    assert first["papers"] == 200


def test_duplicate_containing_1000_paper_file():
    out, err = run("import", str(DERIVED_1000))
    assert out == "imported 690 new, 0 updated, 11 unchanged, 299 rejected"
    assert Paper.objects.count() == 690
    assert "no arXiv id" in err


def test_every_format_in_one_call_and_gzip(tmp_path):
    gz = tmp_path / "snapshot.jsonl.gz"
    gz.write_bytes(gzip.compress(SNAPSHOT_200.read_bytes()))
    out, _ = run(
        "import",
        str(gz),
        str(ATOM / "q_testing_s0_m100_cfe7536492ca.xml"),
        str(OAI / "mikesaelim_ListRecords_arXivRaw_from2014-10-01_page1_trimmed.xml"),
    )
    assert out == "imported 306 new, 0 updated, 0 unchanged, 0 rejected"


def test_malformed_record_is_reported_with_file_entry_and_reason(tmp_path):
    path = tmp_path / "bad.jsonl"
    lines = SNAPSHOT_200.read_text().splitlines()[:3]
    lines.insert(1, '{"id": "0704.9999", "title": ""}')
    path.write_text("\n".join(lines))
    out, err = run("import", str(path))
    assert out == "imported 3 new, 0 updated, 0 unchanged, 1 rejected"
    assert f"rejected {path}, line 2: no title" in err


def test_strict_aborts_and_writes_nothing_of_that_batch(tmp_path):
    path = tmp_path / "bad.jsonl"
    lines = SNAPSHOT_200.read_text().splitlines()[:5]
    lines.insert(3, "{broken")
    path.write_text("\n".join(lines))
    with pytest.raises(CommandError, match=rf"{path}, line 4: malformed JSON"):
        run("import", "--strict", str(path))
    assert Paper.objects.count() == 0


def test_strict_keeps_batches_written_before_the_bad_one(tmp_path):
    path = tmp_path / "bad.jsonl"
    lines = SNAPSHOT_200.read_text().splitlines()[:10]
    lines.insert(7, "{broken")
    path.write_text("\n".join(lines))
    with pytest.raises(CommandError):
        run("import", "--strict", "--batch-size", "5", str(path))
    assert Paper.objects.count() == 5


def test_malformed_xml_changes_nothing(tmp_path):
    path = tmp_path / "truncated.xml"
    path.write_bytes((ATOM / "q_testing_s0_m100_cfe7536492ca.xml").read_bytes()[:50_000])
    with pytest.raises(CommandError, match="could not read 1 input.*malformed XML"):
        run("import", str(path))
    assert Paper.objects.count() == 0


def test_a_bad_file_does_not_stop_the_others(tmp_path):
    bad = tmp_path / "oai-error.xml"
    shutil.copy(OAI / "mikesaelim_ErrorResponseBadVerb.xml", bad)
    with pytest.raises(CommandError):
        run("import", str(bad), str(SNAPSHOT_200))
    assert Paper.objects.count() == 200


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot open"):
        run("import", str(tmp_path / "nope.jsonl"))


def test_saved_no_records_match_page_is_fine():
    out, _ = run("import", str(OAI / "mikesaelim_ErrorResponseNoRecordsMatch.xml"))
    assert out == "imported 0 new, 0 updated, 0 unchanged, 0 rejected"


def test_non_terminal_progress_is_plain_log_lines(tmp_path, capsys):
    from dailypapers.papers.progress import Progress

    stream = StringIO()
    progress = Progress("import x", total=1000, stream=stream, log_every=0)
    progress.update(500, 1200)
    progress.close()
    line = stream.getvalue()
    assert "import x:  50.0%  1,200 papers" in line and "papers/s  ETA" in line


def test_stats_count_entries_votes_and_subscribers(make_paper, make_user, list_paper):
    from datetime import date

    from dailypapers.digests.models import Subscriber
    from dailypapers.feed import services

    paper = make_paper("2611.00001")
    list_paper(paper, date(2026, 11, 20))
    services.set_vote(make_user(), paper, True)
    Subscriber.objects.create(email="ada@example.org")
    counts = stats()
    assert (counts["papers"], counts["entries"], counts["votes"], counts["subscribers"]) == (
        1,
        1,
        1,
        1,
    )
