import pytest

from dailypapers.papers.arxiv_ids import ArxivId, InvalidArxivId, parse_arxiv_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2401.01234", ArxivId("2401.01234")),
        ("2401.01234v3", ArxivId("2401.01234", 3)),
        ("0704.0001", ArxivId("0704.0001")),
        ("1412.9999v12", ArxivId("1412.9999", 12)),
        ("hep-th/9901001", ArxivId("hep-th/9901001")),
        ("hep-th/9901001v2", ArxivId("hep-th/9901001", 2)),
        ("math.GT/0309136", ArxivId("math.GT/0309136")),
        ("cond-mat/0102536v1", ArxivId("cond-mat/0102536", 1)),
        ("arXiv:2401.01234", ArxivId("2401.01234")),
        ("https://arxiv.org/abs/2401.01234v2", ArxivId("2401.01234", 2)),
        ("http://arxiv.org/pdf/2401.01234v2.pdf", ArxivId("2401.01234", 2)),
        ("https://arxiv.org/pdf/2401.01234", ArxivId("2401.01234")),
        ("https://export.arxiv.org/abs/hep-th/9901001", ArxivId("hep-th/9901001")),
        ("https://www.arxiv.org/abs/2401.01234/", ArxivId("2401.01234")),
        ("arxiv.org/abs/2401.01234?context=cs", ArxivId("2401.01234")),
        ("oai:arXiv.org:0704.0471", ArxivId("0704.0471")),
        ("  2401.01234  ", ArxivId("2401.01234")),
    ],
)
def test_valid_ids_and_urls(text, expected):
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "2401.1234",  # four digits are only valid before 2015
        "1412.01234",  # five digits only from 2015 on
        "2413.01234",  # month 13
        "2401.01234v0",
        "hep-th/99010",
        "https://example.com/abs/2401.01234",
        "2401.01234; DROP TABLE papers",
        "<script>alert(1)</script>",
    ],
)
def test_invalid_ids_say_what_was_expected(text):
    with pytest.raises(InvalidArxivId) as error:
        parse_arxiv_id(text)
    assert "expected an arXiv id such as 2401.01234" in str(error.value)
    assert "hep-th/9901001" in str(error.value)


def test_versioned_id_prints_with_version():
    assert str(parse_arxiv_id("2401.01234v2")) == "2401.01234v2"
