"""A live run with a universe given by ticker only, against replays of SEC and Yahoo on 127.0.0.1.

The universe file names MSFT, GOOGL, GOOG and BIDU by ticker and basket (plus the SPY benchmark row,
written by hand as benchmarks are). The replay server answers as SEC does with SEC's REAL
company_tickers.json (``../shared/realdata``) and the sample's submissions and companyfacts, and as Yahoo
does with the sample's chart files; FX and the Federal Register stay the sample's. The run must resolve
every CIK from company_tickers.json, fold GOOG into GOOGL, take the descriptive fields from the
submissions and facts (dim_company says so), and end with market caps equal to close x shares known that
day, computed here from the files with plain csv/json.
"""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import duckdb
import pytest

from tests.support.pipeline_proc import REPO_ROOT, run_to_end, serving_db
from tests.support.replay_server import RecordedRequest, ReplayServer, Reply, conditional

pytestmark = pytest.mark.slow

REAL_TICKERS = REPO_ROOT.parent / "shared" / "realdata" / "sec" / "company_tickers.json"
SAMPLE = REPO_ROOT / "data" / "sample"
JSON = {"Content-Type": "application/json"}
USER_AGENT = "aigap tests aigap-tests@example.com"
DAY = "2022-11-30"
UNIVERSE = """ticker,basket,role,name,price_symbol,trading_currency
MSFT,US,,,,
GOOGL,US,,,,
GOOG,US,,,,
BIDU,CN,,,,
SPY,US,benchmark,SPDR S&P 500 ETF Trust,SPY.US,USD
SPY,CN,benchmark,SPDR S&P 500 ETF Trust,SPY.US,USD
"""
CIKS = {"MSFT": "0000789019", "GOOGL": "0001652044", "BIDU": "0001329099"}


def real_cik(ticker: str) -> str:
    for row in json.loads(REAL_TICKERS.read_bytes()).values():
        if row["ticker"] == ticker:
            return str(row["cik_str"]).rjust(10, "0")
    raise AssertionError(ticker)


def chart(symbol: str):
    """Yahoo's /v8/finance/chart/<symbol>: the sample's bars in [period1, period2), its events up to period2."""
    body = json.loads((SAMPLE / "prices" / "chart" / f"{symbol}.json").read_bytes())

    def respond(request: RecordedRequest) -> Reply:
        p1, p2 = int(request.query["period1"][0]), int(request.query["period2"][0])
        data = copy.deepcopy(body)
        result = data["chart"]["result"][0]
        keep = [i for i, t in enumerate(result["timestamp"]) if p1 <= t < p2]
        result["timestamp"] = [result["timestamp"][i] for i in keep]
        quote = result["indicators"]["quote"][0]
        for name, values in quote.items():
            quote[name] = [values[i] for i in keep]
        for adj in result["indicators"].get("adjclose", []):
            adj["adjclose"] = [adj["adjclose"][i] for i in keep]
        events = result.get("events") or {}
        result["events"] = {g: {k: v for k, v in e.items() if p1 <= int(k) <= p2} for g, e in events.items()}
        return Reply(200, json.dumps(data).encode(), JSON)

    return respond


def close_on(symbol: str, day: str) -> float:
    """The unadjusted close as traded (the sample's EODHD twin of the Yahoo file holds the same bars)."""
    with open(SAMPLE / "prices" / "eod" / f"{symbol}.csv", newline="") as fh:
        return next(float(r["Close"]) for r in csv.DictReader(fh) if r["Date"] == day)


def shares_known_on(cik10: str, day: str) -> float:
    """Latest cover-page count filed by ``day`` (classes of one filing summed); the balance-sheet count of
    all classes where companyfacts has no cover count (a multi-class issuer: GOOGL); the weighted average
    where it has neither (the sample's BIDU, as the share-count chain's last link)."""
    facts = json.loads((SAMPLE / "sec" / "companyfacts" / f"CIK{cik10}.json").read_bytes())["facts"]
    chain = [
        facts.get("dei", {}).get("EntityCommonStockSharesOutstanding"),
        facts["us-gaap"].get("CommonStockSharesOutstanding"),
        facts["us-gaap"].get("WeightedAverageNumberOfSharesOutstandingBasic"),
    ]
    rows = next(c for c in chain if c)["units"]["shares"]
    known = [r for r in rows if r["filed"] <= day]
    latest_end = max(r["end"] for r in known)
    at_end = [r for r in known if r["end"] == latest_end]
    latest_filed = max(r["filed"] for r in at_end)
    chosen = [r for r in at_end if r["filed"] == latest_filed]
    return sum(r["val"] for r in chosen if r["accn"] == chosen[0]["accn"])


def ads_ratio(ticker: str, day: str) -> float:
    with open(REPO_ROOT / "dbt_project" / "seeds" / "ads_ratios.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["ticker"] == ticker and r["valid_from"] <= day]
    return float(max(rows, key=lambda r: r["valid_from"])["ordinary_shares_per_ads"])


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Path, ReplayServer]:
    if not REAL_TICKERS.is_file():
        pytest.skip(f"../shared/realdata absent: {REAL_TICKERS} (SEC's real company_tickers.json)")
    routes: dict = {
        "/files/company_tickers.json": conditional(REAL_TICKERS.read_bytes(), etag='"t-1"', **JSON)
    }
    for cik10 in CIKS.values():
        for kind, path in (("companyfacts", "/api/xbrl/companyfacts"), ("submissions", "/submissions")):
            body = (SAMPLE / "sec" / kind / f"CIK{cik10}.json").read_bytes()
            routes[f"{path}/CIK{cik10}.json"] = Reply(200, body, JSON)
    for symbol in ("MSFT", "GOOGL", "BIDU", "SPY"):
        routes[f"/v8/finance/chart/{symbol}"] = chart(f"{symbol}.US")
    root = tmp_path_factory.mktemp("universe-by-ticker")
    universe = root / "my_universe.csv"
    universe.write_text(UNIVERSE)
    with ReplayServer(routes) as server:
        run_to_end(
            root,
            AIGAP_UNIVERSE=str(universe),
            AIGAP_SOURCE_FILINGS="live",
            AIGAP_SOURCE_PRICES="live",
            AIGAP_PRICES_PROVIDER="yahoo",
            AIGAP_PRICES_BASE_URL=server.url,
            AIGAP_SEC_BASE_URL=server.url,
            AIGAP_SEC_ARCHIVES_BASE_URL=server.url,
            SEC_USER_AGENT=USER_AGENT,
        )
    return root, server


def test_company_tickers_is_asked_of_sec_with_the_user_agent(run):
    _, server = run
    (asked,) = server.requests_for("/files/company_tickers.json")
    assert asked.header("User-Agent") == USER_AGENT
    # nothing was asked for GOOG's or SPY's CIK: GOOG is Alphabet, SPY a benchmark series
    asked_ciks = {r.path.rsplit("CIK", 1)[1][:10] for r in server.requests if "CIK" in r.path}
    assert asked_ciks == set(CIKS.values())


def test_dim_company_resolves_by_ticker_and_says_where_each_field_came_from(run):
    root, _ = run
    with duckdb.connect(str(serving_db(root)), read_only=True) as con:
        rows = con.execute(
            "select ticker, cik, cik_source, name_source, fiscal_year_end_month, fiscal_year_end_month_source, "
            "filer_form, reporting_currency, reporting_currency_source, exchange, other_tickers "
            "from marts.dim_company order by ticker"
        ).fetchall()
    submissions = {
        t: json.loads((SAMPLE / "sec" / "submissions" / f"CIK{c}.json").read_bytes()) for t, c in CIKS.items()
    }
    expected = []
    for ticker in sorted(CIKS):
        doc = submissions[ticker]
        form = "20-F" if "20-F" in doc["filings"]["recent"]["form"] else "10-K"
        currency = "CNY" if ticker == "BIDU" else "USD"  # the units of its 20-F / 10-K money facts
        expected.append(
            (ticker, real_cik(ticker), "resolved", "resolved", int(doc["fiscalYearEnd"][:2]), "resolved", form,
             currency, "resolved", doc["exchanges"][0], "GOOG" if ticker == "GOOGL" else None)
        )  # fmt: skip
    assert rows == expected  # GOOG is not a company of its own: it is Alphabet's other class


def test_market_caps_are_close_times_shares_known_that_day(run):
    root, _ = run
    with duckdb.connect(str(serving_db(root)), read_only=True) as con:
        caps = dict(
            con.execute(
                "select ticker, market_cap_usd from marts.fct_valuation_daily where date = ?", [DAY]
            ).fetchall()
        )
    for ticker in ("MSFT", "GOOGL"):
        expected = close_on(f"{ticker}.US", DAY) * shares_known_on(CIKS[ticker], DAY)
        assert caps[ticker] == pytest.approx(expected, rel=1e-9), ticker
    bidu = close_on("BIDU.US", DAY) * shares_known_on(CIKS["BIDU"], DAY) / ads_ratio("BIDU", DAY)
    assert caps["BIDU"] == pytest.approx(bidu, rel=1e-9)
