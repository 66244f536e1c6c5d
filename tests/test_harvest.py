"""Resumable OAI-PMH harvests against a real local HTTP server."""

import json
from datetime import date
from io import StringIO

import pytest
from conftest import OAI, oai
from django.core.management import CommandError, call_command

from dailypapers.papers.arxiv_client import OaiClient, PoliteSession
from dailypapers.papers.harvest import harvest
from dailypapers.papers.models import HarvestState, Paper

pytestmark = pytest.mark.django_db
PAGE_1 = "mikesaelim_ListRecords_arXivRaw_from2014-10-01_page1_trimmed.xml"  # token 726959|1001
LAST_PAGE = "hepcrawl_ListRecords_arXiv_physics-hep-th_2017-12-14.xml"  # no token


def serve_two_pages(server):
    server.expect_request(
        "/oai",
        query_string={"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2014-10-01"},
    ).respond_with_data(oai(PAGE_1), content_type="text/xml")
    server.expect_request(
        "/oai", query_string={"verb": "ListRecords", "resumptionToken": "726959|1001"}
    ).respond_with_data(oai(LAST_PAGE), content_type="text/xml")


def run_harvest(*args) -> str:
    out = StringIO()
    call_command("harvest", "--prefix", "arXivRaw", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_pages_follow_the_resumption_token(arxiv_oai):
    serve_two_pages(arxiv_oai)
    out = run_harvest("--from", "2014-10-01")
    assert (
        out == "harvest complete after 2 pages: imported 9 new, 0 updated, 0 unchanged, 0 rejected"
    )
    state = HarvestState.objects.get()
    assert state.resumption_token == ""
    assert state.watermark is not None


def test_a_stopped_harvest_resumes_from_its_token(arxiv_oai):
    serve_two_pages(arxiv_oai)
    out = run_harvest("--from", "2014-10-01", "--max-pages", "1")
    assert out.startswith("harvest paused (run again to continue) after 1 pages")
    assert HarvestState.objects.get().resumption_token == "726959|1001"
    assert Paper.objects.count() == 6
    run_harvest()
    assert Paper.objects.count() == 9
    # the second run asked for the next page by token, not the first page again
    assert arxiv_oai.log[-1][0].args["resumptionToken"] == "726959|1001"
    assert len(arxiv_oai.log) == 2


def test_no_records_match_is_success_with_nothing_new(arxiv_oai):
    arxiv_oai.expect_request("/oai").respond_with_data(
        oai("mikesaelim_ErrorResponseNoRecordsMatch.xml")
    )
    out = run_harvest("--set", "moo")
    assert out.startswith("harvest complete after 1 pages: imported 0 new")


def test_bad_resumption_token_restarts_from_the_watermark(arxiv_oai):
    HarvestState.objects.create(
        key=f"{arxiv_oai.url_for('/oai')}|arXivRaw|",
        resumption_token="stale",
        started_from=date(2014, 10, 1),
        watermark=date(2014, 10, 1),
    )
    arxiv_oai.expect_request(
        "/oai", query_string={"verb": "ListRecords", "resumptionToken": "stale"}
    ).respond_with_data(oai("mikesaelim_ErrorResponseBadResumptionToken.xml"))
    serve_two_pages(arxiv_oai)
    out = run_harvest()
    assert out.startswith("harvest complete after 3 pages: imported 9 new")


@pytest.mark.parametrize(
    "fixture",
    [
        "mikesaelim_ErrorResponseBadArgument.xml",
        "mikesaelim_ErrorResponseBadVerb.xml",
        "mikesaelim_ErrorResponseIdDoesNotExist.xml",
    ],
)
def test_other_oai_errors_are_clear_and_change_nothing(arxiv_oai, fixture):
    arxiv_oai.expect_request("/oai").respond_with_data(oai(fixture))
    with pytest.raises(CommandError, match="OAI-PMH error"):
        run_harvest("--from", "2014-10-01")
    assert Paper.objects.count() == 0
    assert HarvestState.objects.get().resumption_token == ""


def test_a_repeated_bad_token_is_an_error_not_a_loop(arxiv_oai):
    arxiv_oai.expect_request("/oai").respond_with_data(
        oai("mikesaelim_ErrorResponseBadResumptionToken.xml")
    )
    HarvestState.objects.create(key=f"{arxiv_oai.url_for('/oai')}|arXivRaw|", resumption_token="x")
    with pytest.raises(CommandError, match="badResumptionToken"):
        run_harvest()
    assert len(arxiv_oai.log) == 2


def test_503_retry_after_then_200_recorded_from_arxiv(arxiv_oai, sleeps):
    recording = json.loads(
        (OAI / "oaipmh-listrecords---should-list-identifiers-from-arxiv.json").read_text()
    )
    for exchange in recording:
        headers = dict(zip(exchange["rawHeaders"][::2], exchange["rawHeaders"][1::2], strict=True))
        arxiv_oai.expect_ordered_request("/oai").respond_with_data(
            exchange["response"],
            status=exchange["status"],
            headers={"Retry-After": headers["Retry-After"]} if "Retry-After" in headers else {},
            content_type=headers["Content-Type"],
        )
    client = OaiClient(PoliteSession(sleep=sleeps))
    result = harvest(client, from_date=date(2015, 1, 1), until=date(2015, 1, 3))
    assert sleeps.calls == [10.0]
    assert result.complete and result.summary.counts.new == 2
    first_request = arxiv_oai.log[0][0].args
    assert first_request["from"] == "2015-01-01" and first_request["until"] == "2015-01-03"
