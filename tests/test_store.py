"""Upserts: idempotent, newest version wins, never half a paper."""

from datetime import UTC, datetime, timedelta

import pytest

from dailypapers.papers.models import Paper
from dailypapers.papers.records import build_record
from dailypapers.papers.store import upsert_papers

pytestmark = pytest.mark.django_db

V1_DATE = datetime(2024, 1, 2, 10, 0, tzinfo=UTC)


def paper(version=1, updated=V1_DATE, **fields):
    base = {
        "arxiv_id": "2401.01234",
        "version": version,
        "title": f"A title, version {version}",
        "abstract": "An   abstract\n  wrapped by arXiv.",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "categories": ["cs.LG", "stat.ML"],
        "primary_category": "cs.LG",
        "published": V1_DATE,
        "updated": updated,
    }
    return build_record(**{**base, **fields})


def test_insert_then_same_again_changes_nothing():
    assert upsert_papers([paper()]).new == 1
    before = Paper.objects.get().imported_at
    counts = upsert_papers([paper()])
    assert (counts.new, counts.updated, counts.unchanged) == (0, 0, 1)
    assert Paper.objects.get().imported_at == before


def test_whitespace_is_normalised_and_authors_keep_order():
    upsert_papers([paper()])
    stored = Paper.objects.get()
    assert stored.abstract == "An abstract wrapped by arXiv."
    assert stored.authors == ["Ada Lovelace", "Alan Turing"]
    assert stored.categories == ["cs.LG", "stat.ML"]


def test_newer_version_replaces_older():
    upsert_papers([paper(1)])
    counts = upsert_papers([paper(2, V1_DATE + timedelta(days=30))])
    assert counts.updated == 1
    stored = Paper.objects.get()
    assert (stored.version, stored.title) == (2, "A title, version 2")
    assert stored.published == V1_DATE


def test_older_version_never_replaces_newer():
    upsert_papers([paper(3, V1_DATE + timedelta(days=60))])
    counts = upsert_papers([paper(2, V1_DATE + timedelta(days=30))])
    assert counts.unchanged == 1
    assert Paper.objects.get().version == 3


def test_without_version_numbers_the_later_date_wins():
    upsert_papers([paper(None, V1_DATE + timedelta(days=10))])
    upsert_papers([paper(None, V1_DATE + timedelta(days=5), title="stale")])
    assert Paper.objects.get().title != "stale"
    upsert_papers([paper(None, V1_DATE + timedelta(days=20), title="fresh")])
    assert Paper.objects.get().title == "fresh"


def test_same_version_from_a_source_without_version_keeps_the_number():
    upsert_papers([paper(2, V1_DATE + timedelta(days=3))])
    metadata_fix = paper(None, V1_DATE + timedelta(days=3), doi="10.1000/xyz")
    assert upsert_papers([metadata_fix]).updated == 1
    assert upsert_papers([metadata_fix]).unchanged == 1  # idempotent
    stored = Paper.objects.get()
    assert (stored.version, stored.doi) == (2, "10.1000/xyz")


def test_duplicates_in_one_batch_keep_the_newest():
    batch = [paper(2, V1_DATE + timedelta(days=9)), paper(1), paper(2, V1_DATE + timedelta(days=9))]
    counts = upsert_papers(batch)
    assert (counts.new, Paper.objects.get().version) == (1, 2)


def test_withdrawn_flag():
    record = paper(comment="This paper has been withdrawn by the author.")
    assert record.withdrawn
    assert not paper(comment="Withdrawal of sodium ions from the lattice").withdrawn


def test_content_hash_is_the_one_stored_databases_hold():
    """Pinned: the digest of this record as the store has always computed it (before it stopped
    using dataclasses.asdict), so existing rows are not all seen as changed on the next import."""
    assert paper().content_hash() == "198d967a3fec735cacd43ae076259e64"
    assert paper(title="Another title").content_hash() != paper().content_hash()


def test_a_stored_papers_fields_give_back_its_content_hash(make_paper):
    """The admin re-hashes an edited paper (papers.admin); unedited, the hash is the one its
    import stored, which papers.store compares to find a record unchanged."""
    from dailypapers.papers.records import content_hash_of

    stored = make_paper("2611.00001", authors=["Ada Lovelace"], comment="12 pages")
    assert content_hash_of(stored) == stored.content_hash
    stored.title = "Edited"
    assert content_hash_of(stored) != stored.content_hash
