"""The live XBRL-instance connector against a replay server on 127.0.0.1.

submissions -> the filing's index.json in the EDGAR archive -> the instance it names, served from the
REAL Amazon FY2022 10-K instance in ../shared/realdata (read at test time, never copied), through the
same SEC session as companyfacts and submissions: same User-Agent, one rate limit, conditional requests.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import orjson
import pytest

from ingestion.config import REPO_ROOT, load_settings
from ingestion.errors import SourceFetchError
from ingestion.landing import LandingZone
from ingestion.raw_loader import load_landed
from ingestion.sources import sec
from ingestion.universe import Listing
from tests.support.replay_server import ReplayServer, Reply

AMZN_2022 = REPO_ROOT.parent / "shared" / "realdata" / "xbrl" / "amzn-20221231_htm.xml"
AMZN = "0001018724"
ACCN = "0001018724-23-000004"  # the real FY2022 10-K's accession (../shared/realdata/README.md)
FOLDER = "/Archives/edgar/data/1018724/000101872423000004"
USER_AGENT = "aigap tests aigap-tests@example.com"
JSON = {"Content-Type": "application/json"}
XML = {"Content-Type": "application/xml"}
AMZN_LISTING = Listing(
    "AMZN", "Amazon.com, Inc.", "company", "US", "US", AMZN, "NASDAQ", "USD", "USD", 12, "AMZN.US", "sec"
)
MN = 1_000_000


def submissions() -> bytes:
    # filings.recent in SEC's columnar shape: the 10-K whose instance is wanted, a Form 4 and an
    # 8-K (no instance wanted), and a 10-K of 2018 (before the warehouse's first year).
    rows = [
        (ACCN, "10-K", "2023-02-03", "2022-12-31", "amzn-20221231.htm", 1),
        ("0001018724-23-000010", "4", "2023-02-06", "", "xslF345X04/wf-form4.xml", 0),
        ("0001018724-23-000002", "8-K", "2023-02-02", "2023-02-02", "amzn-20230202.htm", 1),
        ("0001018724-18-000005", "10-K", "2018-02-02", "2017-12-31", "amzn-20171231x10k.htm", 1),
    ]
    cols = ("accessionNumber", "form", "filingDate", "reportDate", "primaryDocument", "isXBRL")
    recent = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    recent["acceptanceDateTime"] = [f"{r[2]}T21:05:00.000Z" for r in rows]
    return orjson.dumps(
        {"cik": "1018724", "name": "AMAZON COM INC", "filings": {"recent": recent, "files": []}}
    )


def filing_index() -> bytes:
    names = [f"{ACCN}-index-headers.html", f"{ACCN}-index.html", f"{ACCN}.txt", "Financial_Report.xlsx",
             "FilingSummary.xml", "R1.htm", "amzn-20221231.htm", "amzn-20221231.xsd", "amzn-20221231_cal.xml",
             "amzn-20221231_def.xml", "amzn-20221231_lab.xml", "amzn-20221231_pre.xml", "amzn-20221231_htm.xml"]  # fmt: skip
    items = [
        {"last-modified": "2023-02-02 18:09:54", "name": n, "type": "text.gif", "size": ""} for n in names
    ]
    return orjson.dumps(
        {"directory": {"item": items, "name": FOLDER, "parent-dir": "/Archives/edgar/data/1018724/"}}
    )


@pytest.fixture(scope="module")
def instance() -> bytes:
    if not AMZN_2022.is_file():
        pytest.skip(f"../shared/realdata absent: {AMZN_2022} (Amazon's real FY2022 10-K XBRL instance)")
    return AMZN_2022.read_bytes()


def routes(instance: bytes, *, instance_reply: Reply | None = None) -> dict:
    return {
        f"/api/xbrl/companyfacts/CIK{AMZN}.json": Reply(200, b'{"cik":1018724,"entityName":"AMAZON.COM, INC.","facts":{}}', JSON),
        f"/submissions/CIK{AMZN}.json": Reply(200, submissions(), {**JSON, "ETag": '"subs-v1"'}),
        f"{FOLDER}/index.json": Reply(200, filing_index(), {**JSON, "ETag": '"index-v1"'}),
        f"{FOLDER}/amzn-20221231_htm.xml": instance_reply or Reply(200, instance, {**XML, "ETag": '"inst-v1"'}),
    }  # fmt: skip


def settings_for(tmp_path: Path, server: ReplayServer):
    return load_settings({
        "AIGAP_HOME": str(tmp_path / "home"), "AIGAP_SOURCE": "sample", "AIGAP_SOURCE_FILINGS": "live",
        # data.sec.gov and www.sec.gov are two hosts; here one replay server stands for both
        "AIGAP_SEC_BASE_URL": server.url + "/data", "AIGAP_SEC_ARCHIVES_BASE_URL": server.url,
        "SEC_USER_AGENT": USER_AGENT,
    })  # fmt: skip


def prefixed(r: dict, prefix: str) -> dict:
    return {(prefix + k if k.startswith(("/api", "/submissions")) else k): v for k, v in r.items()}


def test_live_connector_fetches_index_then_instance_and_loads_the_extension_facts(tmp_path, instance):
    with ReplayServer(prefixed(routes(instance), "/data")) as server:
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        landed = sec.land_live(settings, zone, [AMZN_LISTING])
        paths = [r.path for r in server.requests]
        agents = {r.header("User-Agent") for r in server.requests}

        # Only the 10-K filed since 2019 is fetched from the archive: its index, then the instance it names.
        archive = [p for p in paths if p.startswith("/Archives")]
        assert archive == [f"{FOLDER}/index.json", f"{FOLDER}/amzn-20221231_htm.xml"]
        assert len(paths) == 4 and agents == {USER_AGENT}
        assert sorted(e.key for e in landed) == sorted(sec.landing_keys_for(AMZN_LISTING, zone))
        assert {e.key: e.url for e in landed}[
            f"instance/CIK{AMZN}/{ACCN}"
        ] == f"{server.url}{FOLDER}/amzn-20221231_htm.xml"

        # A second run: companyfacts and submissions asked again (conditionally where an ETag came);
        # an archived filing never changes, so its index and instance are not asked for again.
        server.requests.clear()
        sec.land_live(settings, zone, [AMZN_LISTING])
        again = {r.path: r.header("If-None-Match") for r in server.requests}
    assert again == {
        f"/data/api/xbrl/companyfacts/CIK{AMZN}.json": None,
        f"/data/submissions/CIK{AMZN}.json": '"subs-v1"',
    }

    con = duckdb.connect(str(settings.db_path))
    report = load_landed(con, zone, sec.SOURCE, sec.parse, sec.RAW_TABLES)
    assert f"instance/CIK{AMZN}/{ACCN}" in report.loaded and not report.quarantined.get("sec_instance_facts")
    got = con.execute(
        """SELECT period_start::varchar, period_end::varchar, value / 1e6, accession_number, is_sample
           FROM raw.sec_instance_facts WHERE taxonomy = 'amzn' AND concept = 'TechnologyAndContentExpense'
           ORDER BY period_end"""
    ).fetchall()
    assert got == [
        ("2020-01-01", "2020-12-31", 42_740, ACCN, False),
        ("2021-01-01", "2021-12-31", 56_052, ACCN, False),
        ("2022-01-01", "2022-12-31", 73_213, ACCN, False),
    ]
    # The filed date comes from the submissions listing of the same accession (joined in staging).
    assert con.execute(
        "SELECT form, filing_date::varchar FROM raw.sec_filings WHERE accession_number = ?", [ACCN]
    ).fetchone() == ("10-K", "2023-02-03")


def test_a_failed_instance_is_reported_after_everything_else_landed_and_retried_next_run(tmp_path, instance):
    with ReplayServer(
        prefixed(routes(instance, instance_reply=Reply(404, b"<html>Not Found</html>")), "/data")
    ) as server:
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        with pytest.raises(
            SourceFetchError, match=rf"1 of 3 .*10-K {ACCN}: .*amzn-20221231_htm.xml: HTTP 404"
        ):
            sec.land_live(settings, zone, [AMZN_LISTING])
        assert {f"companyfacts/CIK{AMZN}", f"submissions/CIK{AMZN}", f"filing-index/CIK{AMZN}/{ACCN}"} <= set(
            zone.latest(sec.SOURCE)
        )
        server.route(f"{FOLDER}/amzn-20221231_htm.xml", Reply(200, instance, XML))
        server.requests.clear()
        sec.land_live(settings, zone, [AMZN_LISTING])
        archive = {
            r.path: r.header("If-None-Match") for r in server.requests if r.path.startswith("/Archives")
        }
    # the filing is tried again; its index, unchanged, is asked for conditionally
    assert archive == {f"{FOLDER}/index.json": '"index-v1"', f"{FOLDER}/amzn-20221231_htm.xml": None}
    assert f"instance/CIK{AMZN}/{ACCN}" in zone.latest(sec.SOURCE)


def test_sample_mode_finds_instances_through_the_sample_submissions(tmp_path):
    """The bundled sample: AMZN's instances are landed via its submissions and filing indexes."""
    settings = load_settings({"AIGAP_HOME": str(tmp_path / "home")})
    zone = LandingZone(settings.landing_dir)
    landed = sec.land_sample(settings, zone, [AMZN_LISTING])
    instances = [e for e in landed if e.key.startswith("instance/")]
    assert len(instances) >= 27 and all(
        e.is_sample and e.url.startswith("sample://sec/Archives/") for e in instances
    )
    con = duckdb.connect(str(settings.db_path))
    report = load_landed(con, zone, sec.SOURCE, sec.parse, sec.RAW_TABLES)
    assert report.rows["sec_instance_facts"] > 0 and not report.quarantined.get("sec_instance_facts")
    # every instance holds the extension line, never in companyfacts; none of the segment parts loaded
    assert con.execute(
        """SELECT count(DISTINCT accession_number), bool_and(is_sample), count(*) FILTER (WHERE context_id LIKE '%_seg'
           OR context_id LIKE '%_sce') FROM raw.sec_instance_facts WHERE taxonomy = 'amzn'"""
    ).fetchone() == (len(instances), True, 0)
    assert con.execute(
        "SELECT count(*) FROM raw.sec_companyfacts WHERE concept LIKE 'Technology%'"
    ).fetchone() == (0,)


def test_older_submissions_pages_are_read_when_recent_filings_start_after_2019(tmp_path, instance):
    """Amazon files more than 1,000 documents in a few years (Form 4s): filings.recent then starts after
    2019 and the older filings are in the pages filings.files names; only those reaching 2019 are read."""
    doc = orjson.loads(submissions())
    doc["filings"]["files"] = [
        {"name": f"CIK{AMZN}-submissions-001.json", "filingCount": 2, "filingFrom": "2016-01-04", "filingTo": "2022-12-30"},
        {"name": f"CIK{AMZN}-submissions-002.json", "filingCount": 9, "filingFrom": "1997-05-15", "filingTo": "2015-12-31"},
    ]  # fmt: skip
    recent = doc["filings"]["recent"]
    keep = [i for i, d in enumerate(recent["filingDate"]) if d >= "2023-01-01"]  # recent starts in 2023
    doc["filings"]["recent"] = {k: [v[i] for i in keep] for k, v in recent.items()}
    older = "0001018724-22-000010"
    page = {  # the same parallel arrays as filings.recent, at the top level
        "accessionNumber": [older, "0001018724-18-000005"], "filingDate": ["2022-10-28", "2018-02-02"],
        "reportDate": ["2022-09-30", "2017-12-31"], "acceptanceDateTime": ["2022-10-27T20:04:00.000Z", ""],
        "form": ["10-Q", "10-K"], "primaryDocument": ["amzn-20220930.htm", "amzn-20171231x10k.htm"],
        "isXBRL": [1, 1],
    }  # fmt: skip
    older_folder = "/Archives/edgar/data/1018724/000101872422000010"
    r = routes(instance)
    r[f"/submissions/CIK{AMZN}.json"] = Reply(200, orjson.dumps(doc), JSON)
    r[f"/submissions/CIK{AMZN}-submissions-001.json"] = Reply(200, orjson.dumps(page), JSON)
    r[f"{older_folder}/index.json"] = Reply(
        200, filing_index().replace(b"000101872423000004", b"000101872422000010"), JSON
    )
    r[f"{older_folder}/amzn-20221231_htm.xml"] = Reply(200, instance, XML)
    with ReplayServer(prefixed(r, "/data")) as server:
        settings = settings_for(tmp_path, server)
        zone = LandingZone(settings.landing_dir)
        sec.land_live(settings, zone, [AMZN_LISTING])
        paths = [q.path for q in server.requests]
    assert f"/data/submissions/CIK{AMZN}-submissions-001.json" in paths
    assert f"/data/submissions/CIK{AMZN}-submissions-002.json" not in paths  # ends before 2019
    assert sorted(p for p in paths if p.startswith("/Archives") and p.endswith(".xml")) == [
        f"{older_folder}/amzn-20221231_htm.xml", f"{FOLDER}/amzn-20221231_htm.xml",
    ]  # fmt: skip
    keys = sec.landing_keys_for(AMZN_LISTING, zone)
    assert f"submissions-page/CIK{AMZN}/CIK{AMZN}-submissions-001.json" in keys
    assert f"instance/CIK{AMZN}/{older}" in keys

    con = duckdb.connect(str(settings.db_path))
    load_landed(con, zone, sec.SOURCE, sec.parse, sec.RAW_TABLES)
    # the page's filings reach raw.sec_filings (so the older instance's facts get their filed date)
    assert con.execute(
        "SELECT form, filing_date::varchar, entity_name FROM raw.sec_filings WHERE accession_number = ?",
        [older],
    ).fetchone() == ("10-Q", "2022-10-28", None)
    assert con.execute(
        "SELECT count(DISTINCT accession_number) FROM raw.sec_instance_facts WHERE concept = 'TechnologyAndContentExpense'"
    ).fetchone() == (2,)
