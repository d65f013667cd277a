"""SEC bulk mode (companyfacts.zip, submissions.zip) against a replay server on 127.0.0.1.

The archives are built here from the REAL companyfacts of Alphabet (``../shared/realdata/sec``; skipped
with a reason when absent) and the bundled sample's documents of the other four SEC filers, the way SEC
builds them: one member ``CIK##########.json`` per filer, the older submissions pages beside them. The
same documents are served per company at the API paths, so api mode and bulk mode load the same facts
and their raw rows can be compared row for row. Then: conditional requests, a changed member reloaded
alone, and the bad archives of docs/bad_inputs.md (cut short, a member not JSON, a member about another CIK).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import duckdb
import orjson
import pytest

from ingestion.config import BUNDLED_SAMPLE_DIR, REPO_ROOT, load_settings
from ingestion.landing import LandingZone
from ingestion.raw_loader import connect
from ingestion.sources import sec_bulk
from ingestion.sources.registry import SOURCES
from ingestion.universe import UNIVERSE_SOURCE, loaded_listings
from tests.support.replay_server import RecordedRequest, ReplayServer, Reply

REAL = REPO_ROOT.parent / "shared" / "realdata" / "sec" / "CIK0001652044.json"
SEC = BUNDLED_SAMPLE_DIR / "sec"
GOOGL, MSFT, AMZN = "0001652044", "0000789019", "0001018724"
USER_AGENT = "aigap tests aigap-tests@example.com"
JSON = {"Content-Type": "application/json"}
FACTS_ZIP = "/" + sec_bulk.ARCHIVES["companyfacts"].path
SUBS_ZIP = "/" + sec_bulk.ARCHIVES["submissions"].path
LINEAGE = "source_key, source_file, sha256, fetched_at, is_sample, loaded_at"


def companyfacts() -> dict[str, bytes]:
    """CIK########## -> companyfacts document: the real Alphabet one, the sample's for the others."""
    if not REAL.is_file():
        pytest.skip(
            f"../shared/realdata absent: {REAL} (Alphabet's real companyfacts) is not beside the clone"
        )
    docs = {p.stem: p.read_bytes() for p in sorted((SEC / "companyfacts").glob("CIK*.json"))}
    docs[f"CIK{GOOGL}"] = REAL.read_bytes()
    return docs


def submissions() -> dict[str, bytes]:
    """member name -> bytes, filings.recent documents and older pages, as in SEC's submissions.zip."""
    return {p.name: p.read_bytes() for p in sorted((SEC / "submissions").glob("CIK*.json"))}


def make_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return buf.getvalue()


class Archives:
    """The two archives as a server answers them: 200 with an ETag, 304 to a client that has it."""

    def __init__(self, facts: dict[str, bytes], subs: dict[str, bytes]):
        self.version = 0
        self.bodies: dict[str, bytes] = {}
        self.publish(FACTS_ZIP, make_zip({f"{k}.json": v for k, v in facts.items()}))
        self.publish(SUBS_ZIP, make_zip(subs))

    def publish(self, path: str, body: bytes) -> None:
        self.version += 1
        self.bodies[path] = body
        self.bodies[path + "#etag"] = f'"v{self.version}"'.encode()

    def responder(self, path: str):
        def respond(request: RecordedRequest) -> Reply:
            etag = self.bodies[path + "#etag"].decode()
            if request.header("If-None-Match") == etag:
                return Reply(304, headers={"ETag": etag})
            return Reply(200, self.bodies[path], {"ETag": etag, "Content-Type": "application/zip"})

        return respond


def routes(facts: dict[str, bytes], archives: Archives) -> dict:
    out: dict = {f"/api/xbrl/companyfacts/{k}.json": Reply(200, v, JSON) for k, v in facts.items()}
    out |= {f"/submissions/{k}": Reply(200, v, JSON) for k, v in submissions().items()}
    for path in sorted((SEC / "Archives").rglob("*")):  # Amazon's filing indexes and XBRL instances
        if path.is_file():
            out["/" + path.relative_to(SEC).as_posix()] = Reply(200, path.read_bytes(), JSON)
    out[FACTS_ZIP] = archives.responder(FACTS_ZIP)
    out[SUBS_ZIP] = archives.responder(SUBS_ZIP)
    return out


class Home:
    """A warehouse with the universe loaded and SEC filings fetched live from ``server``."""

    def __init__(self, root: Path, server: ReplayServer, mode: str):
        self.settings = load_settings(
            {
                "AIGAP_HOME": str(root),
                "AIGAP_SOURCE": "sample",
                "AIGAP_SOURCE_FILINGS": "live",
                "AIGAP_SEC_BASE_URL": server.url,
                "AIGAP_SEC_ARCHIVES_BASE_URL": server.url,
                "SEC_USER_AGENT": USER_AGENT,
                "AIGAP_SEC_MODE": mode,
            }
        )
        self.zone = LandingZone(self.settings.landing_dir)
        self.con = connect(self.settings.db_path)
        universe = SOURCES[UNIVERSE_SOURCE]
        universe.land(self.settings, self.zone, [])
        universe.load(self.con, self.zone, self.settings, [])
        self.listings = loaded_listings(self.con)

    def refresh(self):
        filings = SOURCES["sec"]
        landed = filings.land(self.settings, self.zone, self.listings)
        return landed, filings.load(self.con, self.zone, self.settings, self.listings)

    def rows(self, table: str) -> list[tuple]:
        return self.con.execute(f"SELECT * EXCLUDE ({LINEAGE}) FROM raw.{table} ORDER BY ALL").fetchall()


@pytest.fixture
def facts() -> dict[str, bytes]:
    return companyfacts()


def test_bulk_mode_loads_the_same_rows_as_api_mode(tmp_path: Path, facts: dict[str, bytes]) -> None:
    archives = Archives(facts, submissions())
    with ReplayServer(routes(facts, archives)) as server:
        api = Home(tmp_path / "api", server, "api")
        api.refresh()
        asked_api = {r.path for r in server.requests}
        bulk = Home(tmp_path / "bulk", server, "bulk")
        n_before = len(server.requests)
        bulk.refresh()
        asked_bulk = [r.path for r in server.requests[n_before:]]
    assert FACTS_ZIP not in asked_api and f"/api/xbrl/companyfacts/CIK{GOOGL}.json" in asked_api
    assert FACTS_ZIP in asked_bulk and SUBS_ZIP in asked_bulk
    assert not any(p.startswith(("/api/", "/submissions/")) for p in asked_bulk), asked_bulk
    real_facts = sum(
        len(unit)
        for concepts in orjson.loads(facts[f"CIK{GOOGL}"])["facts"].values()
        for concept in concepts.values()
        for unit in concept["units"].values()
    )
    googl = bulk.con.execute("SELECT count(*) FROM raw.sec_companyfacts WHERE cik = ?", [GOOGL]).fetchone()[0]
    assert googl == real_facts  # every real fact of Alphabet, none lost nor doubled
    for table in ("sec_companyfacts", "sec_filings", "sec_instance_facts"):
        a, b = api.rows(table), bulk.rows(table)
        assert a and a == b, f"raw.{table}: api mode {len(a)} rows, bulk mode {len(b)} rows differ"
    # lineage names the archive member the rows came from
    source_file, sha = bulk.con.execute(
        "SELECT DISTINCT source_file, sha256 FROM raw.sec_companyfacts WHERE cik = ?", [GOOGL]
    ).fetchone()
    landed = bulk.zone.latest("sec")["bulk/companyfacts.zip"]
    assert source_file == f"{landed.path}!CIK{GOOGL}.json" and sha == landed.sha256


def test_archives_are_asked_conditionally_and_only_changed_members_reload(
    tmp_path: Path, facts: dict[str, bytes]
) -> None:
    archives = Archives(facts, submissions())
    with ReplayServer(routes(facts, archives)) as server:
        home = Home(tmp_path / "home", server, "bulk")
        _, first = home.refresh()
        sec_filers = {f"companyfacts/CIK{x.cik10}" for x in home.listings if x.filer == "sec"}
        assert sec_filers <= set(first.loaded)
        n = len(server.requests)
        landed, second = home.refresh()
        again = [r for r in server.requests[n:] if r.path in (FACTS_ZIP, SUBS_ZIP)]
        assert [r.header("If-None-Match") for r in again] == ['"v1"', '"v2"']
        assert all(r.header("User-Agent") == USER_AGENT for r in again)
        assert {e.status for e in landed if e.key.startswith("bulk/")} == {304}
        assert not [k for k in second.loaded if k.startswith(("companyfacts/", "submissions/"))]

        # one filer's document changes: a new archive, one member with a new CRC
        msft = orjson.loads(facts[f"CIK{MSFT}"])
        first_fact = msft["facts"]["us-gaap"]["RevenueFromContractWithCustomerExcludingAssessedTax"]["units"][
            "USD"
        ][0]
        first_fact["val"] += 1_000_000
        changed = facts | {f"CIK{MSFT}": orjson.dumps(msft)}
        archives.publish(FACTS_ZIP, make_zip({f"{k}.json": v for k, v in changed.items()}))
        _, third = home.refresh()
    assert [k for k in third.loaded if k.startswith("companyfacts/")] == [f"companyfacts/CIK{MSFT}"]
    value = home.con.execute(
        "SELECT value FROM raw.sec_companyfacts WHERE cik = ? AND concept = ? AND accession_number = ? "
        "AND period_end = ? AND period_start IS NOT DISTINCT FROM ?",
        [MSFT, "RevenueFromContractWithCustomerExcludingAssessedTax", first_fact["accn"], first_fact["end"],
         first_fact.get("start")],
    ).fetchall()  # fmt: skip
    assert value == [(float(first_fact["val"]),)]
    crc = home.con.execute(
        "SELECT crc32 FROM audit.sec_bulk_members WHERE archive = 'bulk/companyfacts.zip' AND member = ?",
        [f"CIK{MSFT}.json"],
    ).fetchone()[0]
    assert crc == zipfile.crc32(changed[f"CIK{MSFT}"])


def test_a_truncated_archive_is_refused_and_the_previous_good_version_kept(
    tmp_path: Path, facts: dict[str, bytes]
) -> None:
    archives = Archives(facts, submissions())
    with ReplayServer(routes(facts, archives)) as server:
        home = Home(tmp_path / "home", server, "bulk")
        home.refresh()
        good_rows = home.rows("sec_companyfacts")
        good = home.zone.latest("sec")["bulk/companyfacts.zip"]
        whole = archives.bodies[FACTS_ZIP]
        archives.publish(FACTS_ZIP, whole[: len(whole) // 2])  # cut short: no central directory
        _, report = home.refresh()
        bad = home.zone.latest("sec")["bulk/companyfacts.zip"]
        assert bad.sha256 != good.sha256 and home.zone.path_of(bad).is_file()  # kept, append-only
        refused = [reason for path, reason in report.rejected if path == bad.path]
        assert refused and "not a readable zip" in refused[0]
        assert home.rows("sec_companyfacts") == good_rows
        quarantined = home.con.execute(
            "SELECT source_key, reason FROM quarantine.landing_files WHERE sha256 = ?", [bad.sha256]
        ).fetchall()
        assert len(quarantined) == 1 and quarantined[0][0] == "bulk/companyfacts.zip"
        # the next request asks about the good version, not the broken one, and it is refused once only
        n = len(server.requests)
        home.refresh()
        asked = [r for r in server.requests[n:] if r.path == FACTS_ZIP]
        assert asked[0].header("If-None-Match") == good.etag
        assert home.con.execute(
            "SELECT count(*) FROM quarantine.landing_files WHERE sha256 = ?", [bad.sha256]
        ).fetchone()[0] == 1  # fmt: skip


def test_a_member_that_is_not_json_quarantines_that_company_alone(
    tmp_path: Path, facts: dict[str, bytes]
) -> None:
    broken = facts | {f"CIK{MSFT}": b"<html><body>Request Rate Threshold Exceeded</body></html>"}
    archives = Archives(broken, submissions())
    with ReplayServer(routes(facts, archives)) as server:
        home = Home(tmp_path / "home", server, "bulk")
        _, report = home.refresh()
    landed = home.zone.latest("sec")["bulk/companyfacts.zip"]
    member = f"{landed.path}!CIK{MSFT}.json"
    reasons = dict(report.rejected)
    assert "not JSON" in reasons[member]
    got = home.con.execute(
        "SELECT cik, count(*) FROM raw.sec_companyfacts GROUP BY cik ORDER BY cik"
    ).fetchall()
    assert MSFT not in dict(got) and {GOOGL, AMZN} <= set(dict(got))
    assert home.con.execute(
        "SELECT reason FROM quarantine.landing_files WHERE source_file = ?", [member]
    ).fetchone()[0] == reasons[member]  # fmt: skip
    assert home.con.execute(
        "SELECT status FROM audit.sec_bulk_members WHERE member = ? AND archive = 'bulk/companyfacts.zip'",
        [f"CIK{MSFT}.json"],
    ).fetchone()[0] == "quarantined"  # fmt: skip


def test_a_member_about_another_cik_is_quarantined_with_the_reason(
    tmp_path: Path, facts: dict[str, bytes]
) -> None:
    swapped = facts | {f"CIK{MSFT}": facts[f"CIK{AMZN}"]}  # Amazon's document under Microsoft's name
    archives = Archives(swapped, submissions())
    with ReplayServer(routes(facts, archives)) as server:
        home = Home(tmp_path / "home", server, "bulk")
        _, report = home.refresh()
    landed = home.zone.latest("sec")["bulk/companyfacts.zip"]
    reason = dict(report.rejected)[f"{landed.path}!CIK{MSFT}.json"]
    assert f"CIK {AMZN}" in reason and f"companyfacts/CIK{MSFT}" in reason
    # Amazon's facts are loaded once, from its own member; none under Microsoft's CIK
    by_key = dict(
        home.con.execute("SELECT source_key, count(*) FROM raw.sec_companyfacts GROUP BY 1").fetchall()
    )
    assert f"companyfacts/CIK{MSFT}" not in by_key and by_key[f"companyfacts/CIK{AMZN}"] > 0
    with duckdb.connect(str(home.settings.db_path)) as _:
        pass
