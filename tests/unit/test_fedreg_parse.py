"""Federal Register pages: every document parsed, agencies as slugs, malformed pages refused."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import orjson
import pytest

from ingestion.config import load_settings
from ingestion.errors import BadSourceFile, SourceFetchError
from ingestion.landing import LandingZone
from ingestion.raw_tables import arrow_schema
from ingestion.sources import fedreg

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fedreg"


def page(n: int) -> bytes:
    return (FIXTURES / f"documents-page-{n:04d}.json").read_bytes()


def parse(tmp_path: Path, body: bytes) -> list[dict]:
    entry = LandingZone(tmp_path / "landing").land("fedreg", "documents/page-0001", body, url="test://")
    table = fedreg.parse(entry, body)["federal_register_documents"]
    assert table.schema == arrow_schema("federal_register_documents")
    return table.to_pylist()


def test_page_rows_as_delivered(tmp_path):
    rows = parse(tmp_path, page(1))
    assert rows == [
        {
            "document_number": "2099-00101",
            "title": "Synthetic test rule one",
            "type": "Rule",
            "abstract": "Synthetic abstract one.",
            "publication_date": date(2023, 1, 5),
            "effective_on": date(2023, 1, 5),
            "citation": "88 FR 1001",
            "start_page": 1001,
            "html_url": "https://www.federalregister.gov/documents/2023/01/05/2099-00101/synthetic",
            "agencies": "commerce-department;industry-and-security-bureau",
        },
        {
            "document_number": "2099-00102",
            "title": "Synthetic test notice two",
            "type": "Notice",
            "abstract": None,
            "publication_date": date(2023, 2, 10),
            "effective_on": None,
            "citation": "88 FR 2002",
            "start_page": 2002,
            "html_url": "https://www.federalregister.gov/documents/2023/02/10/2099-00102/synthetic",
            "agencies": "commerce-department;industry-and-security-bureau",
        },
    ]


def test_agency_without_slug_keeps_its_name(tmp_path):
    rows = parse(tmp_path, page(2))
    assert rows[1]["agencies"] == "industry-and-security-bureau;Office of the Secretary"


def doc(**fields) -> dict:
    base = orjson.loads(page(1))["results"][0]
    return {**base, **fields}


def body_of(results, **extra) -> bytes:
    return orjson.dumps({"count": len(results), "results": results, **extra})


def test_empty_answer_without_results_is_no_rows(tmp_path):
    assert parse(tmp_path, b'{"count":0,"description":"none","total_pages":0}') == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"<!doctype html><title>Federal Register</title>", "HTML"),
        (b"{not json", "not JSON"),
        (b"[]", "an object with 'count' and 'results'"),
        (b'{"errors":{"per_page":"is too large"}}', "an object with 'count' and 'results'"),
        (b'{"count":5,"total_pages":1}', "no 'results' but count is 5"),
        (b'{"count":1,"results":{"document_number":"2099-1"}}', "'results' is dict, expected a list"),
        (
            body_of([{k: v for k, v in doc().items() if k != "document_number"}]),
            "results[0] has no document_number",
        ),
        (body_of([doc(document_number="")]), "results[0] has no document_number"),
        (body_of([doc(), doc()]), "results[1]: document_number 2099-00101 appears twice"),
        (
            body_of([doc(publication_date="10/13/2022")]),
            "results[0] (2099-00101), publication_date: '10/13/2022'",
        ),
        (body_of([doc(start_page="62186")]), "start_page: '62186' is not a whole number"),
        (body_of([doc(title=["a"])]), "title: ['a'] is not text"),
        (body_of([doc(agencies="industry-and-security-bureau")]), "agencies: expected a list of objects"),
        (body_of(["2099-00101"]), "results[0] is str, expected an object"),
    ],
)
def test_rejects_what_is_not_a_documents_page(tmp_path, body, reason):
    with pytest.raises(BadSourceFile) as info:
        parse(tmp_path, body)
    assert reason in info.value.reason


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/api/v1/documents.json?page=2",
        "http://www.federalregister.gov/api/v1/documents.json?page=2",  # downgraded scheme
        "https://www.federalregister.gov:8443/api/v1/documents.json?page=2",
        "https://www.federalregister.gov.evil.example/api/v1/documents.json?page=2",
        "//evil.example/api/v1/documents.json?page=2",
    ],
)
def test_next_page_off_the_base_host_is_refused(url):
    with pytest.raises(SourceFetchError, match="outside the configured base"):
        fedreg.check_same_origin(url, "https://www.federalregister.gov")


def test_next_page_on_the_base_host_is_followed():
    fedreg.check_same_origin(
        "https://WWW.federalregister.gov/api/v1/documents.json?page=2", "https://www.federalregister.gov"
    )


def test_land_sample_lands_pages_in_order(tmp_path):
    sample = tmp_path / "sample" / "fedreg"
    sample.mkdir(parents=True)
    for n in (3, 1, 2):
        shutil.copy(FIXTURES / f"documents-page-{n:04d}.json", sample / f"documents-page-{n:04d}.json")
    settings = load_settings(
        {"AIGAP_HOME": str(tmp_path / "home"), "AIGAP_SAMPLE_DIR": str(tmp_path / "sample")}
    )
    landed = fedreg.land_sample(settings, LandingZone(settings.landing_dir), [])
    assert [(e.key, e.url) for e in landed] == [
        ("documents/page-0001", "sample://fedreg/documents-page-0001.json"),
        ("documents/page-0002", "sample://fedreg/documents-page-0002.json"),
        ("documents/page-0003", "sample://fedreg/documents-page-0003.json"),
    ]
    assert all(e.is_sample for e in landed)
