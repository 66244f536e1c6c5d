"""Search: the query compiler, the index lifecycle, the pages, the CLI and the API."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from io import StringIO

import numpy as np
import pytest
from conftest import SNAPSHOT_200, examples
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dailypapers.papers.importer import import_files
from dailypapers.search import index
from dailypapers.search.indexer import drift, index_papers, rebuild
from dailypapers.search.query import MAX_QUERY_CHARS, compile_query
from dailypapers.search.service import ranked_ids, similar_papers

pytestmark = pytest.mark.django_db


def ids(text, **filters):
    return ranked_ids(compile_query(text, **filters), limit=20)


@pytest.fixture
def corpus(search_index, make_paper):
    make_paper(
        "2611.00001",
        title="Graph neural networks for molecule property prediction",
        abstract="We train message passing networks on molecular graphs.",
        authors=["Marie Curie"],
        categories=["cs.LG", "q-bio.BM"],
        published=datetime(2026, 11, 2, tzinfo=UTC),
    )
    make_paper(
        "2611.00002",
        title="Quantum error correction with surface codes",
        abstract="Surface codes protect logical qubits from noise.",
        authors=["Peter Shor"],
        categories=["quant-ph"],
        published=datetime(2025, 3, 1, tzinfo=UTC),
    )
    make_paper(
        "2611.00003",
        title="A survey of transformers in machine translation",
        abstract="Attention based neural networks now dominate translation between languages.",
        authors=["Ada Lovelace"],
        categories=["cs.CL"],
        published=datetime(2024, 1, 5, tzinfo=UTC),
    )
    rebuild()


def test_query_compiler_handles_phrases_operators_and_ids():
    q = compile_query('neural AND "graph networks" title:foo^2 NEAR( x* "unbalanced')
    assert q.phrases == (("graph", "networks"),)
    assert "and" not in q.terms and "near" not in q.terms
    assert set(q.terms) >= {"neural", "title", "foo", "unbalanced"}
    assert compile_query("https://arxiv.org/abs/2401.01234v2").arxiv_id.id == "2401.01234"
    assert compile_query("hep-th/9901001").arxiv_id.id == "hep-th/9901001"
    assert compile_query("the").terms == ("the",)  # only stop words: keep them
    assert len(compile_query("x" * 10_000).text) == MAX_QUERY_CHARS


@hypothesis_settings(max_examples=examples(200), deadline=None)
@given(st.text(max_size=300))
def test_any_text_compiles_to_a_safe_query(raw):
    q = compile_query(raw)
    assert len(q.text) <= MAX_QUERY_CHARS
    assert all(ch.isprintable() for ch in q.text)
    assert all(term and term.isalnum() for term in q.terms)


def test_keyword_semantic_and_hybrid_find_the_right_paper(corpus):
    assert ids("surface codes")[0] == "2611.00002"
    assert ranked_ids(compile_query("qubits noise"), 5, "keyword")[0] == "2611.00002"
    assert ranked_ids(compile_query("molecular graphs"), 5, "semantic")
    assert ids('"machine translation"')[0] == "2611.00003"


def test_request_words_are_not_search_terms():
    assert compile_query("I'd like to find articles on graph coloring").terms == (
        "graph",
        "coloring",
    )
    assert compile_query("papers").terms == ("papers",)  # nothing else: keep it


def test_words_side_by_side_rank_above_the_same_words_apart(search_index, make_paper):
    make_paper("2611.00011", title="Neural recordings over sensor networks", abstract="")
    make_paper(
        "2611.00012",
        title="Neural networks for sensor recordings",
        abstract="Signals feed a classifier.",
    )
    for n, topic in enumerate(["Surface codes", "Tax policy", "Glacier melt"]):
        make_paper(f"2611.0002{n}", title=topic, abstract="Unrelated to the query.")
    rebuild()
    # Without the proximity bonus the shorter paper wins on BM25 alone.
    assert ranked_ids(compile_query("neural networks"), 5, "keyword")[0] == "2611.00012"
    assert ids("neural networks")[0] == "2611.00012"


def test_author_names_match(corpus):
    assert ids("Shor")[0] == "2611.00002"


def test_filters_and_sorts(corpus):
    assert ids("networks", category="cs.CL") == ["2611.00003"]
    from datetime import date

    recent = ids("networks", published_from=date(2026, 1, 1))
    assert recent == ["2611.00001"]
    assert ids("networks", sort="newest")[:2] == ["2611.00001", "2611.00003"]


def test_a_filter_narrows_the_hits_and_leaves_their_scores_alone(search_index, make_paper):
    from dailypapers.search import ranking

    make_paper("2611.00041", title="Graph networks", categories=["cs.LG"])
    make_paper(
        "2611.00042",
        title="Graph networks for graphs",
        categories=["cs.LG", "cs.AI", "stat.ML", "math.OC", "cs.DS"],
    )
    make_paper("2611.00043", title="Graph networks of roads", categories=["cs.SI"])
    rebuild()
    folder = index.open_index.get()
    query = compile_query("graph networks", category="cs.LG")
    unfiltered = dict(ranking.keyword_hits(folder, query, None, 10))
    filtered = ranking.keyword_hits(folder, query, ranking.filter_query(query), 10)
    assert {folder.arxiv_id(o) for o, _ in filtered} == {"2611.00041", "2611.00042"}
    assert all(score == pytest.approx(unfiltered[o]) for o, score in filtered)


def test_filtered_semantic_only_query(corpus):
    found = ranked_ids(compile_query("qubits", category="quant-ph"), 5, "semantic")
    assert found == ["2611.00002"]


def test_similar_papers_exclude_the_paper(corpus):
    similar = [p.arxiv_id for p in similar_papers("2611.00001")]
    assert similar and "2611.00001" not in similar


def test_the_paper_page_lists_similar_papers_escaped_with_year_and_category(
    client, search_index, make_paper
):
    """search_tags.similar_to draws the section in Python: each similar paper's link, its title
    through Django's escaping, the year of publication and the primary category."""
    make_paper("2611.00001", title="Graph networks", abstract="Graph networks for molecules.")
    make_paper(
        "2611.00002",
        title="Graph <b>networks</b> & molecules",
        abstract="Graph networks for molecules and proteins.",
        categories=["q-bio.BM", "cs.LG"],
        published=datetime(2024, 12, 31, 23, 30, tzinfo=UTC),
    )
    make_paper("hep-th/0306001", title="Old graph networks", abstract="Graph networks, 2003.")
    rebuild()
    page = client.get("/papers/2611.00001").content.decode()
    section = page[page.index('<section class="similar"') :]
    section = section[: section.index("</section>")]
    assert (
        '<li><a href="/papers/2611.00002">Graph &lt;b&gt;networks&lt;/b&gt; &amp; molecules</a>'
        ' <span class="muted">2024 · q-bio.BM</span></li>'
    ) in section
    assert '<a href="/papers/hep-th/0306001">Old graph networks</a>' in section
    assert "No similar papers" not in section
    lonely = client.get("/papers/hep-th/0306001").content.decode()
    make_paper("2611.00009", title="Unindexed", abstract="Not in the index yet.")
    unindexed = client.get("/papers/2611.00009").content.decode()
    assert "Similar papers</h2>" in lonely
    assert '<p class="muted">No similar papers found yet.</p>' in unindexed


def test_the_remembered_similar_section_follows_every_value_it_shows(
    client, search_index, make_paper, settings
):
    """search_tags keeps the section's HTML per process, keyed by what it shows: a similar
    paper renamed or recategorised, or the site's time zone (the year), draws it afresh.
    Dropping any of them from the key makes this fail."""
    from dailypapers.papers.models import Paper

    settings.PAGE_CACHE_SECONDS = 0  # whole pages are not what this is about
    make_paper("2611.00001", title="Graph networks", abstract="Graph networks for molecules.")
    make_paper(
        "2611.00002",
        title="Graph networks and molecules",
        abstract="Graph networks for molecules and proteins.",
        categories=["q-bio.BM"],
        published=datetime(2024, 12, 31, 23, 30, tzinfo=UTC),
    )
    rebuild()

    def shown():
        page = client.get("/papers/2611.00001").content.decode()
        section = page[page.index('<section class="similar"') :]
        return section[: section.index("</section>")]

    assert 'Graph networks and molecules</a> <span class="muted">2024 · q-bio.BM' in shown()
    Paper.objects.filter(pk="2611.00002").update(title="Renamed", primary_category="cs.LG")
    assert '>Renamed</a> <span class="muted">2024 · cs.LG' in shown()
    settings.TIME_ZONE = "Asia/Tokyo"  # 2024-12-31 23:30 UTC is 2025 there
    assert '>Renamed</a> <span class="muted">2025 · cs.LG' in shown()


@pytest.mark.parametrize(
    "q",
    [
        "",
        "x" * 10_000,
        '"unbalanced quote',
        "AND OR NOT * : ^ NEAR( title:x",
        "\x00\x07 control\u200b chars \U0001f600 emoji",
        "量子 误差 纠正 квантовый",
        "2611.99999",
        "<script>alert(1)</script>",
    ],
)
def test_bad_input_gives_a_page_not_an_error(client, corpus, q):
    response = client.get("/search", {"q": q}, follow=True)
    assert response.status_code in (200, 404)
    assert b"<script>alert(1)" not in response.content
    api = client.get("/api/papers/search", {"q": q})
    assert api.status_code == 200 and isinstance(api.json(), list)


def test_search_page_highlights_and_links(client, corpus):
    page = client.get("/search", {"q": "surface codes"}).content.decode()
    assert (
        'href="/papers/2611.00002">Quantum error correction with <mark>surface</mark> <mark>codes'
        in page
    )
    assert "<mark>Surface</mark> <mark>codes</mark> protect" in page
    assert 'role="search"' in client.get("/").content.decode()


def test_an_id_jumps_to_the_paper(client, corpus):
    assert client.get("/search", {"q": "arXiv:2611.00002"})["Location"] == "/papers/2611.00002"
    assert client.get("/search", {"q": "https://arxiv.org/abs/2611.99999"})["Location"] == (
        "/papers/2611.99999"
    )


def test_api_shape_and_limit(client, corpus):
    body = client.get("/api/papers/search", {"q": "networks", "limit": 1}).json()
    assert len(body) == 1 and set(body[0]["paper"]) >= {"id", "title", "summary", "authors"}
    assert client.get("/api/papers/search", {"q": "x", "limit": "lots"}).status_code == 422


def test_every_import_reaches_the_index(corpus, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_files([SNAPSHOT_200])
    assert ids("Sparsity-certifying Graph Decompositions")[0] == "0704.0002"
    assert drift() == {"missing": [], "stale": [], "unknown": []}


def test_check_reports_drift_and_incremental_heals_it(corpus, make_paper):
    make_paper("2611.00009", title="Not yet indexed")
    out = StringIO()
    with pytest.raises(CommandError, match="drifted"):
        call_command("check", stdout=out)
    assert "missing: 1  2611.00009" in out.getvalue()
    call_command("reindex", "--incremental", stdout=StringIO())
    call_command("check", stdout=StringIO())
    assert ids("Not yet indexed")[0] == "2611.00009"


def test_updates_replace_the_indexed_version(corpus, make_paper):
    make_paper(
        "2611.00002",
        version=2,
        title="Topological codes for fault tolerance",
        updated=datetime(2026, 11, 20, tzinfo=UTC),
    )
    index_papers(["2611.00002"])
    assert ids("topological fault tolerance")[0] == "2611.00002"
    assert ranked_ids(compile_query("surface qubits"), 5, "keyword") == []  # old text is gone
    assert drift()["stale"] == []


def test_rebuild_swaps_atomically_and_a_crash_keeps_the_old_index(corpus, monkeypatch):
    before = os.readlink(index.current_link())
    from dailypapers.search import indexer

    def crash(*args, **kwargs):
        raise RuntimeError("killed mid-build")

    monkeypatch.setattr(indexer, "_carry_neural", crash)  # the last step before the swap
    with pytest.raises(RuntimeError):
        rebuild()
    assert os.readlink(index.current_link()) == before
    assert ids("surface codes")[0] == "2611.00002"  # still serving


def test_a_new_index_is_searched_exactly_until_its_graph_is_built(corpus, make_paper):
    folder = index.open_index.get()
    assert (folder.graph_pending, folder.hnsw) == (3, None)
    exact = ranked_ids(compile_query("molecules and qubits"), 3, "semantic")
    out = StringIO()
    call_command("check", "--json", stdout=out)
    assert json.loads(out.getvalue().splitlines()[0])["graph_pending"] == 3

    out = StringIO()
    call_command("reindex", "--incremental", stdout=out)
    assert "added 3 papers to the HNSW graph; 0 pending" in out.getvalue()
    folder = index.open_index.get()
    assert (folder.graph_pending, sorted(folder.hnsw.keys)) == (0, [0, 1, 2])
    assert ranked_ids(compile_query("molecules and qubits"), 3, "semantic") == exact

    make_paper("2611.00010", title="Basket weaving with molecules")
    index_papers(["2611.00010"])  # appended past the graph: scanned exactly
    assert index.open_index.get().graph_pending == 1
    assert "2611.00010" in ranked_ids(compile_query("basket weaving"), 4, "semantic")
    out = StringIO()
    call_command("check", stdout=out)
    assert "graph: 1 papers pending" in out.getvalue()
    out = StringIO()
    call_command("reindex", "--incremental", stdout=out)
    assert "added 1 papers to the HNSW graph; 0 pending" in out.getvalue()
    assert sorted(index.open_index.get().hnsw.keys) == [0, 1, 2, 3]


@pytest.mark.parametrize("as_union", [0, 1, 3])
def test_only_matches_the_papers_given_as_a_union_or_as_a_term_set(corpus, monkeypatch, as_union):
    """A few papers are a union of term queries, more a term set (faster each way at 1M)."""
    from dailypapers.search import folder as folder_module

    monkeypatch.setattr(folder_module, "ONLY_AS_UNION", as_union)
    folder = index.open_index.get()
    for ordinals in ([], [1], [0, 2], [2, 1, 0]):
        found = folder.keyword(folder.only(ordinals), 10)
        assert sorted(o for o, _ in found) == sorted(ordinals)


def test_the_graph_gives_each_neighbour_the_cosine_of_its_stored_row(corpus, make_paper):
    """The int8 graph takes rows and queries scaled to their largest component, as the
    folder stores them. Cast from unit floats (components about 0.06, times 127) its
    cosines were off by up to 0.013, and close neighbours came out of order."""
    from dailypapers.search.indexer import extend_graph

    words = "graph quantum neural molecule protein galaxy market language robot climate"
    vocabulary = words.split()
    for n in range(30):
        picked = [vocabulary[(n * k) % len(vocabulary)] for k in (1, 3, 7)]
        make_paper(f"2611.001{n:02d}", title=f"{' '.join(picked)} study {n}")
    rebuild()
    extend_graph()
    folder = index.open_index.get()
    assert folder.graph_pending == 0
    rows = folder.vectors_of(list(range(folder.count)))
    for ordinal in range(folder.count):
        hits = folder.nearest(rows[ordinal], 8)
        cosines = rows[[o for o, _ in hits]] @ rows[ordinal]
        assert np.abs(np.array([s for _, s in hits]) - cosines).max() < 0.002


def test_a_graph_saved_before_its_step_was_recorded_is_resumed_not_repeated(
    corpus, make_paper, monkeypatch
):
    from dailypapers.search.folder import IndexFolder
    from dailypapers.search.indexer import extend_graph

    for n in range(10, 17):
        make_paper(f"2611.000{n}", title=f"Paper number {n} on graphs")
    rebuild()
    recorded = IndexFolder.locked

    def crash_on_second_record(self, calls=[]):  # noqa: B006 (counts calls)
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("killed after saving the graph, before meta.json")
        return recorded(self)

    monkeypatch.setattr(IndexFolder, "locked", crash_on_second_record)
    with pytest.raises(RuntimeError):
        extend_graph(step=4)
    monkeypatch.undo()
    folder = index.open_index.reload()
    assert (folder.meta["hnsw_count"], len(folder.hnsw)) == (4, 8)  # the file is ahead
    found = [o for o, _ in folder.nearest(folder.vector(5), 10)]
    assert found[0] == 5 and sorted(found) == list(range(10))  # row 5 once, from the scan

    assert extend_graph(step=4) == 2  # resumes after the 8 rows saved
    folder = index.open_index.get()
    assert (folder.graph_pending, sorted(folder.hnsw.keys)) == (0, list(range(10)))


def test_extending_the_graph_stops_when_a_rebuild_swaps_in_another_index(corpus):
    from dailypapers.search import indexer

    old = index.open_index.get()
    with old.background_writer("graph") as first:
        assert first
        with pytest.raises(indexer.GraphBusy):
            indexer.extend_graph()
        out = StringIO()
        call_command("reindex", "--incremental", stdout=out)  # a timer run: not an error
        assert "extending this index's HNSW graph: left to it" in out.getvalue()
    rebuild()
    assert old.extend_hnsw(step=1, still_current=indexer._is_current) == 0
    assert old.graph_pending == 3


def test_readers_pick_up_a_swapped_index(corpus, make_paper):
    reader_before = index.open_index.get()
    make_paper("2611.00010", title="Entirely new topic of basket weaving")
    rebuild()
    assert index.open_index.get() is not reader_before
    assert ids("basket weaving")[0] == "2611.00010"


def test_search_cli_batch_mode_reads_stdin(corpus, tmp_path, settings):
    out = StringIO()
    call_command("search", "surface codes", "--json", "--limit", "1", stdout=out)
    assert json.loads(out.getvalue()) == {"query": "surface codes", "ids": ["2611.00002"]}


def test_no_index_yet_is_a_clear_message(client, search_index, make_paper):
    make_paper("2611.00001")
    assert b"Search is not ready yet" in client.get("/search", {"q": "paper"}).content
    with pytest.raises(CommandError, match="run `dailypapers reindex`"):
        call_command("search", "paper", stdout=StringIO())


@pytest.mark.system  # four CLI processes, each importing the whole site: 15 s of the fast tier
def test_migrate_import_search_just_works_and_cli_reads_stdin(tmp_path):
    """The first import into a database without an index builds one: no `reindex` needed."""
    home = tmp_path / "home"
    env = {**os.environ, "DAILYPAPERS_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    run = [sys.executable, "-m", "dailypapers.cli"]
    subprocess.run([*run, "migrate", "-v0"], env=env, check=True)
    imported = subprocess.run(
        [*run, "import", str(SNAPSHOT_200)], env=env, check=True, capture_output=True, text=True
    )
    assert imported.stdout.splitlines() == [
        "imported 200 new, 0 updated, 0 unchanged, 0 rejected",
        "built the search index (200 papers)",
    ]
    again = subprocess.run(
        [*run, "import", str(SNAPSHOT_200)], env=env, check=True, capture_output=True, text=True
    )
    assert "search index" not in again.stdout  # built once; later imports only add to it
    done = subprocess.run(
        [*run, "search"],
        input="pebble game\nneutrino\n",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["pebble game", "neutrino"]
    assert lines[0]["ids"][0] == "0704.0002"


@pytest.fixture
def common_and_rare(search_index, make_paper):
    """Forty papers that all say "model", three of them (under COMMON_SHARE) "tumour"; the
    most model-heavy ones have no "tumour" at all."""
    for n in range(40):
        rare = " tumour growth" if n < 3 else ""
        make_paper(
            f"2611.001{n:02d}",
            title=f"Paper {n}{rare}",
            abstract=("model " * (1 + n % 12)) + f"topic{n} words here",
        )
    rebuild()
    return index.open_index.get()


@pytest.fixture
def found_by_rarer(monkeypatch):
    """For each search by the rarer words first: whether its hits stood (else the full
    query ran)."""
    from dailypapers.search.folder import IndexFolder

    found = []
    keyword_above = IndexFolder.keyword_above

    def spy(self, *args):
        found.append((hits := keyword_above(self, *args)) is not None)
        return hits

    monkeypatch.setattr(IndexFolder, "keyword_above", spy)
    return found


def test_common_words_add_to_what_rarer_words_find_and_bm25s_hits_stay_exact(
    common_and_rare, found_by_rarer
):
    from dailypapers.search import ranking

    folder = common_and_rare
    clauses = ranking.keyword_clauses(compile_query("tumour model"))
    assert 1 / 40 < 3 / 40 < ranking.COMMON_SHARE < 40 / 40

    def same_as_the_full_query(depth):
        hits = ranking.bm25_hits(folder, clauses, None, depth)
        full = folder.keyword(ranking._any_of(clauses), depth)
        assert [o for o, _ in hits] == [o for o, _ in full]
        assert [s for _, s in hits] == pytest.approx([s for _, s in full], rel=1e-5)
        return hits

    # The three papers with "tumour" outscore any paper that only says "model": found by
    # "tumour" alone, the common word's scores added.
    hits = same_as_the_full_query(3)
    assert found_by_rarer == [True]
    assert {folder.arxiv_id(o) for o, _ in hits} == {"2611.00100", "2611.00101", "2611.00102"}
    # Deeper than the papers with "tumour": papers with "model" alone belong in the hits, so
    # the full query runs.
    same_as_the_full_query(6)
    assert found_by_rarer == [True, False]


def test_rarer_words_that_score_too_low_give_way_to_the_full_query(
    search_index, make_paper, found_by_rarer
):
    """Three papers say "tumour" (7.5%) deep in long abstracts; six short ones say "graph"
    (15%, common). The rarer word finds three papers, as many as asked, but the last scores
    below what "graph" alone can score: the full query must run, and it ranks the short
    "graph" papers first."""
    from dailypapers.search import ranking

    filler = " ".join(f"word{i}" for i in range(120))
    for n in range(40):
        if n < 3:
            abstract = f"{filler} tumour"
        elif n < 9:
            abstract = "graph graph graph"
        else:
            abstract = f"topic{n} words here"
        make_paper(f"2611.002{n:02d}", title=f"Paper {n}", abstract=abstract)
    rebuild()
    folder = index.open_index.get()
    clauses = ranking.keyword_clauses(compile_query("tumour graph"))
    hits = ranking.bm25_hits(folder, clauses, None, 3)
    assert found_by_rarer == [False]
    assert hits == folder.keyword(ranking._any_of(clauses), 3)
    assert all(folder.arxiv_id(o) in {f"2611.002{n:02d}" for n in range(3, 9)} for o, _ in hits)


def test_the_proximity_bonus_of_each_pair_adds_up(search_index, make_paper):
    from dailypapers.search import ranking

    # The same five words in each title, so the same BM25; only their order differs.
    titles = {
        "2611.00031": "Neural recordings over sensor networks",  # both query pairs in order
        "2611.00032": "Sensor networks, recordings over neural",  # "sensor networks" only
        "2611.00033": "Neural recordings, networks over sensor",  # "neural recordings" only
        "2611.00034": "Networks sensor over recordings neural",  # no pair
    }
    for arxiv_id, title in titles.items():
        make_paper(arxiv_id, title=title, abstract="")
    rebuild()
    folder = index.open_index.get()
    query = compile_query("neural recordings sensor networks")
    scores = {folder.arxiv_id(o): s for o, s in ranking.keyword_hits(folder, query, None, 10)}
    alone = scores["2611.00034"]
    assert scores["2611.00032"] > alone and scores["2611.00033"] > alone
    assert scores["2611.00031"] - alone == pytest.approx(
        (scores["2611.00032"] - alone) + (scores["2611.00033"] - alone), rel=1e-4
    )


def test_a_forked_process_searches_with_its_own_worker_thread(corpus):
    """gunicorn forks its workers: a child inherits the parent's thread pool but not its
    threads, and must not wait on them."""
    import signal

    from dailypapers.search import ranking

    folder = index.open_index.get()
    query = compile_query("graph neural networks")
    assert folder.arxiv_id(ranking.rank(folder, query)[0].ordinal) == "2611.00001"
    child = os.fork()
    if child == 0:
        signal.alarm(30)  # a child stuck on a thread that is not there dies
        found = None
        try:
            found = folder.arxiv_id(ranking.rank(folder, query)[0].ordinal)
        finally:  # whatever happens, the child never returns into pytest
            os._exit(0 if found == "2611.00001" else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
