"""The live SEC client against a replay server on 127.0.0.1 that answers in SEC's exact formats.

Covers SEC's fair-access rules (User-Agent, <= 10 requests/s across threads), retries (429 with
Retry-After, 500 until the retries run out), bad answers (an HTML page with status 200 is landed,
then quarantined, never loaded), conditional requests (ETag/Last-Modified -> 304, bytes stored once)
and the configuration check that fails before any request.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import duckdb
import orjson
import pytest

from ingestion.config import ConfigError, load_settings
from ingestion.errors import SourceFetchError
from ingestion.http import fetch_to_landing, make_session
from ingestion.landing import LandingZone
from ingestion.raw_loader import load_landed
from ingestion.sources import sec
from ingestion.sources.registry import SOURCES
from ingestion.universe import Listing
from tests.support.replay_server import RecordedRequest, ReplayServer, Reply, conditional

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sec"
MSFT = "0000789019"
FACTS = (FIXTURES / "companyfacts" / f"CIK{MSFT}.json").read_bytes()
SUBMISSIONS = (FIXTURES / "submissions" / f"CIK{MSFT}.json").read_bytes()
FACT_ROWS = 10  # counted by hand in tests/fixtures/sec/README.md
FILING_ROWS = 4
USER_AGENT = "aigap tests aigap-tests@example.com"
JSON = {"Content-Type": "application/json"}


def listing(ticker: str, cik10: str) -> Listing:
    return Listing(
        ticker, ticker, "company", "US", "US", cik10, "NASDAQ", "USD", "USD", 12, f"{ticker}.US", "sec"
    )


MSFT_LISTING = listing("MSFT", MSFT)


def settings_for(tmp_path: Path, server: ReplayServer | None, user_agent: str | None = USER_AGENT):
    env = {
        "AIGAP_HOME": str(tmp_path / "home"),
        "AIGAP_SOURCE": "sample",
        "AIGAP_SOURCE_FILINGS": "live",
        "AIGAP_SEC_BASE_URL": server.url if server else "http://127.0.0.1:9",
    }
    if user_agent is not None:
        env["SEC_USER_AGENT"] = user_agent
    return load_settings(env)


def msft_routes(facts: object = None, submissions: object = None) -> dict:
    return {
        f"/api/xbrl/companyfacts/CIK{MSFT}.json": facts or Reply(200, FACTS, JSON),
        f"/submissions/CIK{MSFT}.json": submissions or Reply(200, SUBMISSIONS, JSON),
    }


def load(settings, zone: LandingZone):
    con = duckdb.connect(str(settings.db_path))
    report = load_landed(con, zone, sec.SOURCE, sec.parse, sec.RAW_TABLES)
    return con, report


def worst_one_second_window(times: list[float]) -> int:
    """The most requests that arrived within any window of one second (sliding, not aligned)."""
    times = sorted(times)
    return max(sum(1 for u in times[i:] if u < t + 1.0) for i, t in enumerate(times))


# -- the happy path and fair access ----------------------------------------------------------


def test_live_lands_both_documents_with_user_agent_and_loads_them(tmp_path):
    with ReplayServer(msft_routes()) as server:
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        landed = sec.land_live(settings, zone, [MSFT_LISTING])
    assert sorted(e.key for e in landed) == sorted(sec.landing_keys_for(MSFT_LISTING, zone))
    assert all(e.status == 200 and not e.is_sample for e in landed)
    assert len(server.requests) == 2
    assert {r.header("User-Agent") for r in server.requests} == {USER_AGENT}

    con, report = load(settings, zone)
    assert report.rows == {"sec_companyfacts": FACT_ROWS, "sec_filings": FILING_ROWS, "sec_companies": 1}
    assert (
        con.execute("SELECT count(*) FROM raw.sec_companyfacts WHERE NOT is_sample").fetchone()[0]
        == FACT_ROWS
    )


def test_rate_limit_holds_across_threads(tmp_path):
    # 12 companies x 2 documents = 24 requests from 4 threads against a server that answers at once.
    companies = [listing(f"T{i:02d}", f"{1_000_000 + i:010d}") for i in range(12)]
    routes = {}
    for item in companies:
        routes[f"/api/xbrl/companyfacts/CIK{item.cik10}.json"] = Reply(200, b'{"cik": 1}', JSON)
        routes[f"/submissions/CIK{item.cik10}.json"] = Reply(200, b'{"cik": "1"}', JSON)
    with ReplayServer(routes) as server:
        settings = settings_for(tmp_path, server)
        started = time.monotonic()
        landed = sec.land_live(settings, LandingZone(settings.landing_dir), companies)
        elapsed = time.monotonic() - started
    times = [r.time for r in server.requests]
    assert len(landed) == len(times) == 24
    assert worst_one_second_window(times) <= 10
    # Unthrottled, 24 local requests take a few milliseconds; paced at 10/s they need >= 2.3 s.
    assert elapsed >= 2.3


def test_retries_wait_their_turn_in_the_rate_limit(tmp_path):
    """urllib3 retries below the limiter: each retry must still take a permit."""
    paths = [f"/flaky/{i}" for i in range(8)]
    routes = {p: [Reply(500, b"oops"), Reply(200, b"{}")] for p in paths}
    zone = LandingZone(tmp_path / "landing")
    with (
        ReplayServer(routes) as server,
        make_session(user_agent=USER_AGENT, per_second=8, backoff=0) as session,
    ):
        threads = [
            threading.Thread(
                target=fetch_to_landing,
                args=(session, zone),
                kwargs={"source": "t", "key": p, "url": server.url + p, "suffix": ".json"},
            )
            for p in paths
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    times = [r.time for r in server.requests]
    assert len(times) == 16  # every path: one 500, then one 200
    # Had the retries skipped the limiter, each permit would carry two requests: 16 within ~1 s.
    assert worst_one_second_window(times) <= 8
    assert len(zone.latest("t")) == 8


def test_429_with_retry_after_is_honoured_then_succeeds(tmp_path):
    facts_path = f"/api/xbrl/companyfacts/CIK{MSFT}.json"
    throttled = [Reply(429, b"slow down", {"Retry-After": "1"}), Reply(200, FACTS, JSON)]
    with ReplayServer(msft_routes(facts=throttled)) as server:
        settings = settings_for(tmp_path, server)
        landed = sec.land_live(settings, LandingZone(settings.landing_dir), [MSFT_LISTING], backoff=0.01)
    first, second = server.requests_for(facts_path)
    assert second.time - first.time >= 1.0  # Retry-After: 1, not the 0.01 s backoff
    facts_entry = next(e for e in landed if e.key.startswith("companyfacts/"))
    assert facts_entry.status == 200
    assert facts_entry.bytes == len(FACTS)


def test_500_until_retries_run_out_is_a_clear_error_and_the_rest_still_lands(tmp_path):
    facts_path = f"/api/xbrl/companyfacts/CIK{MSFT}.json"
    with ReplayServer(msft_routes(facts=Reply(500, b"<html>Internal Server Error</html>"))) as server:
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        with pytest.raises(SourceFetchError) as err:
            sec.land_live(settings, zone, [MSFT_LISTING], retries=2, backoff=0.01)
    message = str(err.value)
    assert f"{server.url}{facts_path}: HTTP 500" in message
    assert "1 of 2 document(s)" in message
    assert len(server.requests_for(facts_path)) == 3  # the first try and 2 retries
    manifest = list(zone.manifest(sec.SOURCE))
    assert sorted((e.key.split("/")[0], e.status) for e in manifest) == [
        ("companyfacts", 500),
        ("submissions", 200),
    ]
    # The error page is kept for inspection, but a 500 is never "the latest" document to load.
    assert zone.read(next(e for e in manifest if e.status == 500)) == b"<html>Internal Server Error</html>"
    assert list(zone.latest(sec.SOURCE)) == [f"submissions/CIK{MSFT}"]


def test_broken_transfer_is_a_clear_error(tmp_path):
    cut = Reply(200, FACTS, JSON, cut_after=100)
    with ReplayServer(msft_routes(facts=cut)) as server:
        settings = settings_for(tmp_path, server)
        with pytest.raises(SourceFetchError, match=f"companyfacts/CIK{MSFT}.json: no usable answer"):
            sec.land_live(settings, LandingZone(settings.landing_dir), [MSFT_LISTING], retries=0)


# -- bad answers ---------------------------------------------------------------------------


def test_html_page_with_status_200_is_landed_then_quarantined_never_loaded(tmp_path):
    page = b"<!DOCTYPE html><html><title>SEC.gov | Request Rate Threshold Exceeded</title></html>"
    with ReplayServer(msft_routes(facts=Reply(200, page, {"Content-Type": "text/html"}))) as server:
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        landed = sec.land_live(settings, zone, [MSFT_LISTING])
    html_entry = next(e for e in landed if e.key.startswith("companyfacts/"))
    assert zone.read(html_entry) == page
    assert html_entry.content_type == "text/html"

    con, report = load(settings, zone)
    assert report.loaded == [f"submissions/CIK{MSFT}"]
    assert report.rejected == [(html_entry.path, report.rejected[0][1])]
    assert report.rejected[0][1].startswith("not JSON: an HTML/XML page")
    assert con.execute("SELECT count(*) FROM raw.sec_companyfacts").fetchone()[0] == 0
    assert con.execute("SELECT source_key, reason FROM quarantine.landing_files").fetchall() == [
        (f"companyfacts/CIK{MSFT}", report.rejected[0][1])
    ]


# -- conditional requests ------------------------------------------------------------------


def test_unchanged_documents_are_not_fetched_again(tmp_path):
    facts = conditional(FACTS, etag='"cf-v1"', last_modified="Tue, 24 Oct 2023 20:00:00 GMT", **JSON)
    subs = conditional(SUBMISSIONS, last_modified="Tue, 24 Oct 2023 20:05:00 GMT", **JSON)
    with ReplayServer(msft_routes(facts=facts, submissions=subs)) as server:
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        first = sec.land_live(settings, zone, [MSFT_LISTING])
        con, report = load(settings, zone)
        assert report.rows == {"sec_companyfacts": FACT_ROWS, "sec_filings": FILING_ROWS, "sec_companies": 1}
        second = sec.land_live(settings, zone, [MSFT_LISTING])

    second_requests = server.requests[2:]
    asked = {r.path.split("/")[1]: r for r in second_requests}
    assert asked["api"].header("If-None-Match") == '"cf-v1"'
    assert asked["api"].header("If-Modified-Since") == "Tue, 24 Oct 2023 20:00:00 GMT"
    assert asked["submissions"].header("If-None-Match") is None
    assert asked["submissions"].header("If-Modified-Since") == "Tue, 24 Oct 2023 20:05:00 GMT"
    assert sorted(e.status for e in first) == [200, 200]
    assert sorted(e.status for e in second) == [304, 304]
    # The 304 lines point at the bytes landed the first time; nothing was stored again.
    assert {e.key: e.sha256 for e in second} == {e.key: e.sha256 for e in first}
    assert sum(1 for p in (settings.landing_dir / sec.SOURCE).rglob("*.json")) == 2
    assert [e.stored for e in zone.manifest(sec.SOURCE)] == [True, True, False, False]

    report = load_landed(con, zone, sec.SOURCE, sec.parse, sec.RAW_TABLES)
    assert report.loaded == []
    assert sorted(report.unchanged) == sorted(sec.landing_keys_for(MSFT_LISTING, zone))


def as_landed_before_the_rename(landing: Path) -> bytes:
    """Turn a landing zone into one written before December 2026, when SEC's folder was filings/: the
    folder and its manifest renamed, every manifest line naming the old source and path."""
    (landing / sec.SOURCE).rename(landing / "filings")
    lines = [
        orjson.loads(line)
        for line in (landing / "_manifest" / f"{sec.SOURCE}.jsonl").read_bytes().splitlines()
    ]
    (landing / "_manifest" / f"{sec.SOURCE}.jsonl").unlink()
    old = b"".join(
        orjson.dumps({**e, "source": "filings", "path": "filings/" + e["path"].split("/", 1)[1]}) + b"\n"
        for e in lines
    )
    (landing / "_manifest" / "filings.jsonl").write_bytes(old)
    return old


def test_a_warehouse_landed_under_the_old_folder_name_goes_on_from_what_it_has(tmp_path):
    """SEC landed in filings/ until December 2026: the next live run asks conditionally with the old
    files' validators, gets 304s, and loads nothing again; the old folder and manifest stay as they were."""
    facts = conditional(FACTS, etag='"cf-v1"', **JSON)
    subs = conditional(SUBMISSIONS, last_modified="Tue, 24 Oct 2023 20:05:00 GMT", **JSON)
    with ReplayServer(msft_routes(facts=facts, submissions=subs)) as server:
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        sec.land_live(settings, zone, [MSFT_LISTING])
        con, report = load(settings, zone)
        assert report.rows == {"sec_companyfacts": FACT_ROWS, "sec_filings": FILING_ROWS, "sec_companies": 1}
        old_manifest = as_landed_before_the_rename(settings.landing_dir)
        again = sec.land_live(settings, zone, [MSFT_LISTING])

    asked = {r.path.split("/")[1]: r for r in server.requests[2:]}
    assert asked["api"].header("If-None-Match") == '"cf-v1"'
    assert asked["submissions"].header("If-Modified-Since") == "Tue, 24 Oct 2023 20:05:00 GMT"
    assert sorted(e.status for e in again) == [304, 304]
    assert all(e.source == "sec" and e.path.startswith("filings/") for e in again)
    assert not list((settings.landing_dir / sec.SOURCE).rglob("*.json"))  # no byte stored twice
    assert (settings.landing_dir / "_manifest" / "filings.jsonl").read_bytes() == old_manifest

    report = load_landed(con, zone, sec.SOURCE, sec.parse, sec.RAW_TABLES)
    assert report.loaded == []
    assert sorted(report.unchanged) == sorted(sec.landing_keys_for(MSFT_LISTING, zone))
    files = con.execute("SELECT DISTINCT source_file FROM raw.sec_companyfacts").fetchall()
    assert [f.replace("sec/", "filings/", 1) for (f,) in files] == [
        e.path for e in again if "companyfacts" in e.key
    ]


def test_a_sample_file_is_never_the_base_of_a_live_conditional_request(tmp_path):
    facts = conditional(FACTS, etag='"cf-v1"', **JSON)
    with (
        ReplayServer({"/doc": facts}) as server,
        make_session(user_agent=USER_AGENT, per_second=50) as session,
    ):
        zone = LandingZone(tmp_path / "landing")
        zone.land("t", "doc", FACTS, url="sample://doc", etag='"cf-v1"', is_sample=True)
        entry = fetch_to_landing(
            session, zone, source="t", key="doc", url=server.url + "/doc", suffix=".json"
        )
    assert server.requests[0].header("If-None-Match") is None
    assert entry.status == 200 and entry.is_sample is False


def test_secret_query_parameters_never_reach_the_manifest(tmp_path):
    seen: list[RecordedRequest] = []

    def respond(request: RecordedRequest) -> Reply:
        seen.append(request)
        return Reply(404, b"unknown symbol")

    with (
        ReplayServer({"/api/eod/X.US": respond}) as server,
        make_session(user_agent=USER_AGENT, per_second=50) as s,
    ):
        zone = LandingZone(tmp_path / "landing")
        with pytest.raises(SourceFetchError) as err:
            fetch_to_landing(
                s, zone, source="t", key="eod/X.US", url=server.url + "/api/eod/X.US",
                params={"api_token": "s3cr3t", "fmt": "csv"}, suffix=".csv",
            )  # fmt: skip
    assert seen[0].query["api_token"] == ["s3cr3t"]  # the server did get the token
    assert "s3cr3t" not in str(err.value)
    (entry,) = zone.manifest("t")
    assert entry.url.endswith("/api/eod/X.US?api_token=***&fmt=csv")
    assert entry.status == 404


FILINGS = SOURCES["sec"]


# -- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize("user_agent", [None, "aigap", "someone@example.com"])
def test_live_mode_without_a_proper_user_agent_fails_before_any_request(tmp_path, user_agent):
    with ReplayServer(msft_routes()) as server:
        settings = settings_for(tmp_path, server, user_agent=user_agent)
        with pytest.raises(ConfigError) as err:
            FILINGS.land(settings, LandingZone(settings.landing_dir), [MSFT_LISTING])
    assert "set SEC_USER_AGENT to 'Name email@example.com' as SEC fair-access rules require" in str(err.value)
    assert server.requests == []


def test_default_timeouts_apply_to_every_request(tmp_path):
    zone = LandingZone(tmp_path / "landing")
    with (
        ReplayServer({"/slow": Reply(200, b"{}", delay=1.0)}) as server,
        make_session(user_agent=USER_AGENT, per_second=50, retries=0, timeout=(1.0, 0.2)) as session,
    ):
        started = time.monotonic()
        with pytest.raises(SourceFetchError, match="/slow: no usable answer .*Read timed out"):
            fetch_to_landing(session, zone, source="t", key="slow", url=server.url + "/slow", suffix=".json")
        assert time.monotonic() - started < 0.9
    assert list(zone.manifest("t")) == []  # nothing was received, so nothing was landed


# -- sample mode ---------------------------------------------------------------------------


def test_sample_mode_lands_labelled_files_and_warns_about_missing_ones(tmp_path, caplog):
    sample_dir = tmp_path / "sample"
    (sample_dir / "sec" / "companyfacts").mkdir(parents=True)
    (sample_dir / "sec" / "companyfacts" / f"CIK{MSFT}.json").write_bytes(FACTS)
    settings = load_settings({"AIGAP_HOME": str(tmp_path / "home"), "AIGAP_SAMPLE_DIR": str(sample_dir)})
    zone = LandingZone(settings.landing_dir)
    with caplog.at_level(logging.WARNING, logger="ingestion.sources.sec"):
        landed = sec.land_sample(settings, zone, [MSFT_LISTING])
    assert [(e.key, e.url, e.is_sample) for e in landed] == [
        (f"companyfacts/CIK{MSFT}", f"sample://sec/companyfacts/CIK{MSFT}.json", True)
    ]
    assert any(f"submissions/CIK{MSFT}.json" in r.getMessage() for r in caplog.records)
    con, report = load(settings, zone)
    assert con.execute("SELECT bool_and(is_sample), count(*) FROM raw.sec_companyfacts").fetchone() == (
        True,
        FACT_ROWS,
    )


def test_one_company_loads_alone_by_its_landing_keys(tmp_path):
    """Land every company, load only one company's keys: the loader touches nothing else."""
    googl = "0001652044"
    sample_dir = tmp_path / "sample"
    for kind, body in (("companyfacts", FACTS), ("submissions", SUBMISSIONS)):
        (sample_dir / "sec" / kind).mkdir(parents=True)
        (sample_dir / "sec" / kind / f"CIK{MSFT}.json").write_bytes(body)
        doc = orjson.loads(body)
        doc["cik"] = int(googl) if kind == "companyfacts" else str(int(googl))
        (sample_dir / "sec" / kind / f"CIK{googl}.json").write_bytes(orjson.dumps(doc))
    settings = load_settings({"AIGAP_HOME": str(tmp_path / "home"), "AIGAP_SAMPLE_DIR": str(sample_dir)})
    companies = [MSFT_LISTING, listing("GOOGL", googl)]
    zone = LandingZone(settings.landing_dir)
    assert len(FILINGS.land(settings, zone, companies)) == 4

    con = duckdb.connect(str(settings.db_path))
    report = FILINGS.load(con, zone, settings, companies, keys=set(sec.landing_keys_for(companies[1], zone)))
    assert sorted(report.loaded) == [f"companyfacts/CIK{googl}", f"submissions/CIK{googl}"]
    assert con.execute("SELECT DISTINCT cik FROM raw.sec_companyfacts").fetchall() == [(googl,)]
    assert con.execute("SELECT count(*) FROM raw.sec_filings").fetchone()[0] == FILING_ROWS
