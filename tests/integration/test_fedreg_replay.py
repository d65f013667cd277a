"""The live Federal Register client against a replay server on 127.0.0.1, paging like the real API.

The fixture pages are the API's shape; their next_page_url is pointed at the replay server, as the
real API points it at www.federalregister.gov. Covers the query sent, paging across 3 pages (each
page landed, every document loaded), a next_page_url to another host (refused), an HTML page in the
middle (landed, quarantined, paging stops), a 500 that never recovers and a server that never
stops paging.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import orjson
import pytest

from ingestion.config import load_settings
from ingestion.errors import SourceFetchError
from ingestion.landing import LandingZone
from ingestion.raw_loader import load_landed
from ingestion.sources import fedreg
from tests.support.replay_server import RecordedRequest, ReplayServer, Reply

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fedreg"
API = "/api/v1/documents.json"
JSON = {"Content-Type": "application/json; charset=utf-8"}
REAL_NEXT = b"https://www.federalregister.gov" + API.encode() + b"?"


def fixture_page(n: int, base: str) -> bytes:
    return (
        (FIXTURES / f"documents-page-{n:04d}.json").read_bytes().replace(REAL_NEXT, f"{base}{API}?".encode())
    )


def pages(server: ReplayServer, replies: dict[int, Reply] | None = None):
    """Answer by the page parameter (none on the first request), like the API."""

    def respond(request: RecordedRequest) -> Reply:
        page = int(request.query.get("page", ["1"])[0])
        if replies and page in replies:
            return replies[page]
        if page > 3:
            return Reply(404, b'{"status":404,"message":"not found"}', JSON)
        return Reply(200, fixture_page(page, server.url), JSON)

    return respond


def settings_for(tmp_path: Path, server: ReplayServer):
    return load_settings(
        {
            "AIGAP_HOME": str(tmp_path / "home"),
            "AIGAP_SOURCE_FEDREG": "live",
            "AIGAP_FEDREG_BASE_URL": server.url,
        }
    )


def load(settings, zone: LandingZone):
    con = duckdb.connect(str(settings.db_path))
    return con, load_landed(con, zone, fedreg.SOURCE, fedreg.parse, fedreg.RAW_TABLES)


def test_pages_are_followed_landed_and_every_document_loaded(tmp_path):
    with ReplayServer() as server:
        server.route(API, pages(server))
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        landed = fedreg.land_live(settings, zone, [], per_page=2)
    assert [e.key for e in landed] == ["documents/page-0001", "documents/page-0002", "documents/page-0003"]
    assert all(e.status == 200 for e in landed)
    first, second, third = server.requests
    assert first.query == {
        "conditions[agencies][]": ["industry-and-security-bureau"],
        "conditions[publication_date][gte]": ["2019-01-01"],
        "order": ["oldest"],
        "per_page": ["2"],
        "fields[]": [
            "document_number", "title", "type", "abstract", "publication_date",
            "effective_on", "citation", "start_page", "html_url", "agencies",
        ],
    }  # fmt: skip
    # Pages 2 and 3 are asked exactly as the previous page's next_page_url said.
    assert (second.query["page"], third.query["page"]) == (["2"], ["3"])
    assert second.query["fields[]"] == first.query["fields[]"]

    con, report = load(settings, zone)
    assert report.rejected == []
    assert report.rows == {"federal_register_documents": 2 + 2 + 1}
    by_page = con.execute(
        "SELECT source_key, list(document_number ORDER BY document_number) "
        "FROM raw.federal_register_documents GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert by_page == [
        ("documents/page-0001", ["2099-00101", "2099-00102"]),
        ("documents/page-0002", ["2099-00103", "2099-00104"]),
        ("documents/page-0003", ["2099-00105"]),
    ]


def test_next_page_url_to_another_host_is_refused(tmp_path):
    with ReplayServer() as server:
        first = orjson.loads(fixture_page(1, server.url))
        first["next_page_url"] = "https://attacker.example/api/v1/documents.json?page=2"
        server.route(API, pages(server, {1: Reply(200, orjson.dumps(first), JSON)}))
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        with pytest.raises(SourceFetchError) as err:
            fedreg.land_live(settings, zone, [])
    assert "https://attacker.example/api/v1/documents.json?page=2" in str(err.value)
    assert "not followed" in str(err.value)
    assert len(server.requests) == 1
    # What came from the trusted host stays landed and loadable.
    assert list(zone.latest(fedreg.SOURCE)) == ["documents/page-0001"]


def test_html_page_mid_paging_is_landed_quarantined_and_ends_paging(tmp_path):
    page = b"<html><head><title>Federal Register :: Unavailable</title></head><body>Maintenance</body></html>"
    with ReplayServer() as server:
        server.route(API, pages(server, {2: Reply(200, page, {"Content-Type": "text/html"})}))
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        landed = fedreg.land_live(settings, zone, [])
    assert [e.key for e in landed] == ["documents/page-0001", "documents/page-0002"]
    assert len(server.requests) == 2  # nothing to follow on an HTML page

    con, report = load(settings, zone)
    assert report.loaded == ["documents/page-0001"]
    ((key, reason),) = con.execute("SELECT source_key, reason FROM quarantine.landing_files").fetchall()
    assert key == "documents/page-0002"
    assert "an HTML/XML page, expected Federal Register documents.json page" in reason
    assert con.execute("SELECT count(*) FROM raw.federal_register_documents").fetchone() == (2,)


def test_500_that_never_recovers_is_a_clear_error(tmp_path):
    with ReplayServer({API: Reply(500, b"Internal Server Error")}) as server:
        settings = settings_for(tmp_path, server)
        with pytest.raises(SourceFetchError, match="HTTP 500"):
            fedreg.land_live(settings, LandingZone(settings.landing_dir), [], retries=2, backoff=0.01)
    assert len(server.requests) == 3  # the first try and 2 retries


def test_a_server_that_never_stops_paging_is_stopped(tmp_path):
    with ReplayServer() as server:
        endless = fixture_page(1, server.url)  # always says "there is a page 2"
        server.route(API, Reply(200, endless, JSON))
        settings = settings_for(tmp_path, server)
        with pytest.raises(SourceFetchError, match="still a next_page_url after 3 pages"):
            fedreg.land_live(settings, LandingZone(settings.landing_dir), [], max_pages=3)
    assert len(server.requests) == 3
