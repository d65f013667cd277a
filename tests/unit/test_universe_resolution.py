"""A universe by ticker: resolved against SEC's REAL company_tickers.json (``../shared/realdata``).

The expected CIKs and titles are looked up in the real file by hand in each test (a plain scan of its
rows), never copied from what the resolver answers.
"""

from __future__ import annotations

import json

import duckdb
import orjson
import pytest

from ingestion.config import DEFAULT_UNIVERSE, REPO_ROOT, load_settings
from ingestion.errors import BadSourceFile
from ingestion.landing import LandingZone
from ingestion.raw_loader import ensure_schemas, load_landed
from ingestion.sources import sec, sec_tickers
from ingestion.universe import (
    SEC_ALL,
    UNIVERSE_KEY,
    UNIVERSE_SOURCE,
    load_universe,
    loaded_listings,
    needs_company_tickers,
    parse_universe,
    universe_table,
)
from ingestion.universe_resolution import TickerIndex, sec_all_listings, sec_filer_ciks

REAL = REPO_ROOT.parent / "shared" / "realdata" / "sec" / "company_tickers.json"
SAMPLE = REPO_ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def real() -> bytes:
    if not REAL.is_file():
        pytest.skip(
            f"../shared/realdata absent: {REAL} (SEC's real company_tickers.json) is not beside the clone"
        )
    return REAL.read_bytes()


def by_hand(body: bytes, ticker: str) -> tuple[str, str]:
    """(CIK zero-padded, title) of the first row of ``ticker`` in the file, found by a plain scan."""
    for row in json.loads(body).values():
        if row["ticker"] == ticker:
            return str(row["cik_str"]).rjust(10, "0"), row["title"]
    raise AssertionError(f"{ticker} is not in the file")


def test_real_file_parses_whole(real):
    table = sec_tickers.parse_company_tickers(real, str(REAL))
    assert table.num_rows == len(json.loads(real)) == 9610
    assert table.column("position").to_pylist()[:3] == [0, 1, 2]
    assert all(len(c) == 10 and c.isdigit() for c in table.column("cik").to_pylist())


def test_ticker_only_file_resolves_cik_and_name_from_the_real_file(real):
    body = b"ticker,basket\nMSFT,US\nGOOGL,US\nBABA,CN\nNVDA,hardware\nTSM,hardware\n"
    index = TickerIndex.from_bytes(real)
    listings = {x.ticker: x for x in parse_universe(body, "chain.csv", index)}
    for ticker in ("MSFT", "GOOGL", "BABA", "NVDA", "TSM"):
        cik, title = by_hand(real, ticker)
        got = listings[ticker]
        assert (got.cik, got.name, got.cik_source, got.filer) == (cik, title, "company_tickers", "sec")
        assert (got.price_symbol, got.trading_currency, got.role) == (f"{ticker}.US", "USD", "company")
        assert got.refused is None and got.resolved_with == index.sha256
    assert listings["TSM"].line == 6 and listings["NVDA"].basket == "hardware"
    # what SEC does not say stays empty here: dbt resolves it from submissions and companyfacts
    assert listings["MSFT"].fiscal_year_end_month is None and listings["MSFT"].exchange is None


def test_goog_and_googl_are_one_company(real):
    googl, goog = by_hand(real, "GOOGL")[0], by_hand(real, "GOOG")[0]
    assert googl == goog == "0001652044"
    body = b"ticker,basket\nGOOGL,US\nMSFT,US\nGOOG,hardware\n"
    listings = parse_universe(body, "u.csv", TickerIndex.from_bytes(real))
    assert [x.ticker for x in listings] == ["GOOGL", "MSFT"]
    alphabet = listings[0]
    assert (alphabet.cik, alphabet.other_tickers, alphabet.baskets) == (googl, "GOOG", "US;hardware")
    assert universe_table(listings).num_rows == 2


def test_unknown_ticker_is_refused_with_file_line_and_ticker_and_the_rest_go_on(real, caplog):
    # TCEHY (Tencent's OTC ADR) has no SEC registration, so it is not in SEC's file
    assert "TCEHY" not in {row["ticker"] for row in json.loads(real).values()}
    body = b"ticker,basket\nMSFT,US\nTCEHY,CN\nBIDU,CN\n"
    listings = parse_universe(body, "mine.csv", TickerIndex.from_bytes(real))
    refused = [x for x in listings if x.refused]
    assert [(x.ticker, x.line, x.refused) for x in refused] == [
        (
            "TCEHY",
            3,
            "mine.csv, line 3: ticker TCEHY is not in SEC's company_tickers.json (SEC does not know it)",
        )
    ]
    assert [x.ticker for x in listings if not x.refused] == ["MSFT", "BIDU"]
    assert "mine.csv, line 3: ticker TCEHY refused" in caplog.text


def test_hong_kong_line_gives_its_fields_by_hand_and_overrides_win(real):
    body = (
        b"ticker,basket,name,filer,exchange,trading_currency,reporting_currency,fiscal_year_end_month,price_symbol\n"
        b"0700.HK,CN,Tencent Holdings Limited,hkex,HKEX,HKD,CNY,12,0700.HK\n"
        b"BABA,CN,Alibaba (my name),,,,,3,\n"
    )
    listings = {x.ticker: x for x in parse_universe(body, "u.csv", TickerIndex.from_bytes(real))}
    hk = listings["0700.HK"]
    assert (hk.cik, hk.filer, hk.price_symbol, hk.trading_currency, hk.reporting_currency) == (
        None, "hkex", "0700.HK", "HKD", "CNY",
    )  # fmt: skip
    baba = listings["BABA"]
    assert (baba.name, baba.fiscal_year_end_month, baba.cik) == (
        "Alibaba (my name)",
        3,
        by_hand(real, "BABA")[0],
    )
    assert set(baba.given_columns.split(";")) == {"ticker", "basket", "name", "fiscal_year_end_month"}


def test_companies_take_their_baskets_benchmark_row_when_the_file_names_none(real):
    body = b"ticker,basket,role,name,price_symbol,trading_currency\nMSFT,US,,,,\nSPY,US,benchmark,SPDR S&P 500,SPY.US,USD\n"
    listings = {x.ticker: x for x in parse_universe(body, "u.csv", TickerIndex.from_bytes(real))}
    assert listings["MSFT"].benchmark == "SPY" and listings["SPY"].benchmark is None
    assert listings["SPY"].cik is None  # a benchmark is a price series, never looked up as a filer


def test_the_default_full_universe_needs_no_company_tickers(tmp_path):
    settings = load_settings({"AIGAP_HOME": str(tmp_path)})
    assert settings.universe_path == DEFAULT_UNIVERSE and not needs_company_tickers(settings)
    ticker_only = tmp_path / "u.csv"
    ticker_only.write_text("ticker,basket\nMSFT,US\n")
    assert needs_company_tickers(
        load_settings({"AIGAP_HOME": str(tmp_path), "AIGAP_UNIVERSE": str(ticker_only)})
    )
    assert load_settings({"AIGAP_HOME": str(tmp_path), "AIGAP_UNIVERSE": "sec:all"}).universe_path is None


# -- through landing and raw ------------------------------------------------------------------


def company_tickers(rows: list[tuple[int, str, str]]) -> bytes:
    return orjson.dumps({str(i): {"cik_str": c, "ticker": t, "title": n} for i, (c, t, n) in enumerate(rows)})


def land_and_load(con, zone: LandingZone, tickers: bytes, universe: bytes):
    zone.land(sec_tickers.SOURCE, sec_tickers.KEY, tickers, url="test://company_tickers.json")
    load_landed(con, zone, sec_tickers.SOURCE, sec_tickers.parse, sec_tickers.RAW_TABLES)
    zone.land(UNIVERSE_SOURCE, UNIVERSE_KEY, universe, url="file:///tmp/u.csv", suffix=".csv")
    return load_universe(con, zone)


def test_a_ticker_whose_cik_changed_takes_the_newest_file_and_records_the_change(tmp_path, caplog):
    zone = LandingZone(tmp_path / "landing")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    universe = b"ticker,basket\nMSFT,US\nNEWCO,US\n"
    first = company_tickers([(789019, "MSFT", "MICROSOFT CORP"), (1111111, "NEWCO", "Old Shell Inc.")])
    land_and_load(con, zone, first, universe)
    assert con.execute("SELECT cik, cik_previous FROM raw.universe WHERE ticker = 'NEWCO'").fetchone() == (
        "0001111111", None,
    )  # fmt: skip
    # SEC's newest file maps NEWCO to the successor registrant's CIK
    second = company_tickers([(789019, "MSFT", "MICROSOFT CORP"), (2222222, "NEWCO", "NewCo Holdings Inc.")])
    report = land_and_load(con, zone, second, universe)
    assert report.loaded == ["universe"]  # the same universe file, judged again against the new CIKs
    rows = con.execute("SELECT ticker, cik, cik_previous, name FROM raw.universe ORDER BY line").fetchall()
    assert rows == [
        ("MSFT", "0000789019", None, "MICROSOFT CORP"),
        ("NEWCO", "0002222222", "0001111111", "NewCo Holdings Inc."),
    ]
    assert "ticker NEWCO moved from CIK 0001111111 to CIK 0002222222" in caplog.text
    # the next load with nothing new changes nothing and keeps the change on record
    again = land_and_load(con, zone, second, universe)
    assert again.unchanged == ["universe"] and again.loaded == []
    assert con.execute("SELECT cik_previous FROM raw.universe WHERE ticker = 'NEWCO'").fetchone() == (
        "0001111111",
    )


def test_refused_lines_go_to_quarantine_with_their_reason(tmp_path):
    zone = LandingZone(tmp_path / "landing")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    tickers = company_tickers([(789019, "MSFT", "MICROSOFT CORP"), (1018724, "AMZN", "AMAZON COM INC")])
    report = land_and_load(con, zone, tickers, b"ticker,basket\nMSFT,US\nAMZN,US\nNOPE,US\nAMZN,US\n")
    assert report.quarantined == {"universe": 3}
    assert con.execute("SELECT ticker FROM raw.universe").fetchall() == [("MSFT",)]
    reasons = con.execute("SELECT line, reason FROM quarantine.universe ORDER BY line").fetchall()
    assert reasons == [
        (3, "/tmp/u.csv, line 3: ticker AMZN is listed twice in basket US (lines 3 and 5)"),
        (4, "/tmp/u.csv, line 4: ticker NOPE is not in SEC's company_tickers.json (SEC does not know it)"),
        (5, "/tmp/u.csv, line 5: ticker AMZN is listed twice in basket US (lines 3 and 5)"),
    ]


def test_sec_all_keeps_10k_and_20f_filers_and_drops_funds(real, tmp_path):
    index = TickerIndex.from_bytes(real)
    listings = {x.ticker: x for x in sec_all_listings(index)}
    assert len(listings) == len({row["cik_str"] for row in json.loads(real).values()}) - len(
        [x for x in index.by_cik.values() if not any(sec_tickers_usable(t) for t in x)]
    )
    assert listings["SPY"].cik == "0000884394" == by_hand(real, "SPY")[0]
    assert "GOOG" not in listings and listings["GOOGL"].other_tickers == "GOOG"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schemas(con)
    con.register("u", universe_table(list(listings.values())))
    con.execute("INSERT INTO raw.universe BY NAME SELECT * FROM u")
    assert sec_filer_ciks(con) is None  # no submissions yet: every CIK is kept so they can be fetched
    assert {"SPY", "MSFT", "BABA"} <= {x.ticker for x in loaded_listings(con)}
    # submissions parsed: MSFT's sample shows 10-K, BABA's 20-F; SPY's (a fund) only N-CSR and 497
    for cik10 in ("0000789019", "0001577552"):
        body = (SAMPLE / "sec" / "submissions" / f"CIK{cik10}.json").read_bytes()
        con.register("c", sec.parse_submissions_tables(body, "s.json", cik10)["sec_companies"])
        con.execute("INSERT INTO raw.sec_companies BY NAME SELECT * FROM c")
    fund = {
        "cik": "0000884394",
        "name": "SPDR S&P 500 ETF TRUST",
        "entity_type": "other",
        "forms": "497;N-CSR",
    }
    con.execute("INSERT INTO raw.sec_companies BY NAME SELECT * FROM (SELECT $cik AS cik, $name AS name, "
                "$entity_type AS entity_type, $forms AS forms)", fund)  # fmt: skip
    kept = {x.ticker for x in loaded_listings(con)}
    assert {"MSFT", "BABA"} <= kept and "SPY" not in kept
    assert sec_filer_ciks(con) == {"0000789019", "0001577552"}


def sec_tickers_usable(ticker: str) -> bool:
    import re

    return bool(re.fullmatch(r"[A-Z0-9]{1,6}(-[A-Z0-9]{1,2})?", ticker))


def test_sec_all_is_landed_as_the_setting(tmp_path):
    settings = load_settings({"AIGAP_HOME": str(tmp_path), "AIGAP_UNIVERSE": SEC_ALL})
    zone = LandingZone(settings.landing_dir)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    sec_tickers.land_sample(settings, zone)
    load_landed(con, zone, sec_tickers.SOURCE, sec_tickers.parse, sec_tickers.RAW_TABLES)
    from ingestion.universe import land_universe

    (entry,) = land_universe(settings, zone, [])
    assert zone.read(entry) == b"sec:all" and entry.url == "setting:AIGAP_UNIVERSE=sec:all"
    load_universe(con, zone)
    sample = json.loads((SAMPLE / "sec" / "company_tickers.json").read_bytes())
    ciks = {str(r["cik_str"]).rjust(10, "0") for r in sample.values()}
    assert {c for (c,) in con.execute("SELECT cik FROM raw.universe").fetchall()} == ciks
    assert con.execute("SELECT DISTINCT basket, universe_file FROM raw.universe").fetchall() == [
        ("market", SEC_ALL)
    ]


# -- company_tickers.json and submissions as sources -----------------------------------------


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"", "empty body"),
        (b"<html><body>Request Rate Threshold Exceeded</body></html>", "an HTML/XML page"),
        (b'[{"cik_str": 1, "ticker": "A", "title": "x"}]', "Expected `object`, got `array`"),
        (b'{"0": {"cik_str": "789019", "ticker": "MSFT", "title": "x"}}', "Expected `int`, got `str`"),
        (b'{"0": {"cik_str": 789019, "ticker": "MSFT", "title": "x"}', "not JSON"),
        (b'{"x": {"cik_str": 789019, "ticker": "MSFT", "title": "x"}}', "not a position number"),
    ],
)
def test_bad_company_tickers_files_are_refused_with_a_reason(body, why):
    with pytest.raises(BadSourceFile) as err:
        sec_tickers.parse_company_tickers(body, "landing/x.json")
    assert why in str(err.value) and "landing/x.json" in str(err.value)


def test_sample_company_tickers_holds_the_sample_filers_with_their_real_ciks(real):
    sample = json.loads((SAMPLE / "sec" / "company_tickers.json").read_bytes())
    for row in sample.values():
        assert by_hand(real, row["ticker"]) == (str(row["cik_str"]).rjust(10, "0"), row["title"])
    on_disk = {
        p.stem.removeprefix("CIK") for p in (SAMPLE / "sec" / "submissions").glob("CIK??????????.json")
    }
    assert on_disk <= {str(r["cik_str"]).rjust(10, "0") for r in sample.values()}


def test_submissions_give_the_company_fields():
    body = (SAMPLE / "sec" / "submissions" / "CIK0000789019.json").read_bytes()
    doc = json.loads(body)
    tables = sec.parse_submissions_tables(body, "s.json", "0000789019")
    (row,) = tables["sec_companies"].to_pylist()
    assert row["fiscal_year_end"] == doc["fiscalYearEnd"] == "0630"
    assert row["sic"] == doc["sic"] and row["exchanges"] == ";".join(doc["exchanges"])
    assert row["forms"] == ";".join(sorted(set(doc["filings"]["recent"]["form"])))
    assert tables["sec_filings"].num_rows == len(doc["filings"]["recent"]["accessionNumber"])
    doc["fiscalYearEnd"] = "1340"
    with pytest.raises(BadSourceFile, match="fiscalYearEnd '1340' is not MMDD"):
        sec.parse_submissions_tables(orjson.dumps(doc), "s.json", "0000789019")


def test_sample_run_lands_company_tickers_labelled_as_sample(tmp_path):
    settings = load_settings({"AIGAP_HOME": str(tmp_path)})
    zone = LandingZone(settings.landing_dir)
    (entry,) = sec_tickers.land_sample(settings, zone)
    assert entry.is_sample and entry.key == "company_tickers"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_landed(con, zone, sec_tickers.SOURCE, sec_tickers.parse, sec_tickers.RAW_TABLES)
    assert report.rows == {"sec_company_tickers": 7}
    assert con.execute("SELECT bool_and(is_sample) FROM raw.sec_company_tickers").fetchone() == (True,)


def test_ai_value_chain_resolves_whole_against_the_real_file(real):
    path = REPO_ROOT / "ingestion" / "universes" / "ai_value_chain.csv"
    listings = parse_universe(path.read_bytes(), str(path), TickerIndex.from_bytes(real))
    assert [x.ticker for x in listings if x.refused] == []
    companies = {x.ticker: x for x in listings if x.role == "company"}
    assert {"MSFT", "GOOGL", "AMZN", "BABA", "BIDU", "0700.HK"} <= set(companies)
    assert 25 <= len(companies) <= 35
    for ticker, item in companies.items():
        if ticker != "0700.HK":
            assert item.cik == by_hand(real, ticker)[0], ticker
    assert companies["BABA"].baskets == "CN;cn_adr" and companies["ORCL"].baskets == "US;saas"
    benchmarks = {x.ticker for x in listings if x.role == "benchmark"}
    assert {x.benchmark for x in companies.values()} <= benchmarks
    # as the baskets file (dbt_project/seeds/baskets.csv) has it: every US listing against SPY, a US-listed
    # ADS of the CN basket too (the benchmark row of its basket in its currency), Tencent against Hong Kong
    assert (companies["BABA"].benchmark, companies["NVDA"].benchmark, companies["0700.HK"].benchmark) == (
        "SPY", "SPY", "2800.HK",
    )  # fmt: skip


def test_live_company_tickers_is_asked_conditionally_with_the_sec_user_agent(real, tmp_path):
    from tests.support.replay_server import ReplayServer, conditional

    agent = "aigap tests aigap-tests@example.com"
    routes = {
        "/files/company_tickers.json": conditional(
            real, etag='"ct-1"', **{"Content-Type": "application/json"}
        )
    }
    with ReplayServer(routes) as server:
        settings = load_settings(
            {
                "AIGAP_HOME": str(tmp_path),
                "AIGAP_SOURCE": "live",
                "AIGAP_SEC_ARCHIVES_BASE_URL": server.url,
                "SEC_USER_AGENT": agent,
            }
        )
        zone = LandingZone(settings.landing_dir)
        (first,) = sec_tickers.land_live(settings, zone)
        (second,) = sec_tickers.land_live(settings, zone)
    assert (first.status, second.status, first.is_sample) == (200, 304, False)
    assert [r.header("User-Agent") for r in server.requests] == [agent, agent]
    assert server.requests[1].header("If-None-Match") == '"ct-1"'
    assert zone.read(first) == real  # landed byte for byte
