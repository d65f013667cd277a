"""A live run with a universe given by ticker only, against replays of SEC and Yahoo on 127.0.0.1.

The run is the shared live replay (``tests/support/live_replay.py``): the universe file names MSFT,
GOOGL, GOOG, AMZN, BABA and BIDU by ticker and basket only, Tencent and the benchmarks by hand (Hong Kong
lines and benchmarks are not SEC's). The replay server answers as SEC does with SEC's REAL
company_tickers.json (``../shared/realdata``), Alphabet's REAL companyfacts and the sample's other
documents, and as Yahoo does with the sample's chart files. The run must resolve every CIK from
company_tickers.json, fold GOOG into GOOGL, take the descriptive fields from the submissions and facts
(dim_company says so, and says Tencent's came from the universe file), and end with market caps equal to
close x shares known that day, computed here from the files with plain csv/json.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from tests.support.live_replay import (
    CIKS,
    REAL_ALPHABET,
    REAL_TICKERS,
    USER_AGENT,
    live_replay_run,
    missing_realdata,
    requests_made,
)
from tests.support.pipeline_proc import REPO_ROOT, serving_db

pytestmark = pytest.mark.slow

SAMPLE = REPO_ROOT / "data" / "sample"
DAY = "2022-11-30"


def real_cik(ticker: str) -> str:
    for row in json.loads(REAL_TICKERS.read_bytes()).values():
        if row["ticker"] == ticker:
            return str(row["cik_str"]).rjust(10, "0")
    raise AssertionError(ticker)


def close_on(symbol: str, day: str) -> float:
    """The unadjusted close as traded (the sample's EODHD twin of the Yahoo file holds the same bars)."""
    with open(SAMPLE / "prices" / "eod" / f"{symbol}.csv", newline="") as fh:
        return next(float(r["Close"]) for r in csv.DictReader(fh) if r["Date"] == day)


def facts_of(cik10: str) -> dict:
    """The companyfacts the replay served: Alphabet's real document, the sample's for the others."""
    path = REAL_ALPHABET if cik10 == CIKS["GOOGL"] else SAMPLE / "sec" / "companyfacts" / f"CIK{cik10}.json"
    return json.loads(path.read_bytes())["facts"]


def shares_known_on(cik10: str, day: str) -> float:
    """Latest cover-page count filed by ``day`` (classes of one filing summed); where companyfacts has no
    cover count, the latest balance-sheet count of all classes (a multi-class issuer: Alphabet's real
    file), else the latest weighted average (the sample's BIDU, as the share-count chain's last link)."""
    facts = facts_of(cik10)
    cover = facts.get("dei", {}).get("EntityCommonStockSharesOutstanding")
    chain = [
        facts["us-gaap"].get("CommonStockSharesOutstanding"),
        facts["us-gaap"].get("WeightedAverageNumberOfSharesOutstandingBasic"),
    ]
    rows = (cover or next(c for c in chain if c))["units"]["shares"]
    known = [r for r in rows if r["filed"] <= day]
    latest_end = max(r["end"] for r in known)
    at_end = [r for r in known if r["end"] == latest_end]
    if not cover:  # one count of all classes: the latest filing's
        return max(at_end, key=lambda r: (r["filed"], r["accn"]))["val"]
    latest_filed = max(r["filed"] for r in at_end)
    chosen = [r for r in at_end if r["filed"] == latest_filed]
    return sum(r["val"] for r in chosen if r["accn"] == chosen[0]["accn"])


def ads_ratio(ticker: str, day: str) -> float:
    with open(REPO_ROOT / "dbt_project" / "seeds" / "ads_ratios.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["ticker"] == ticker and r["valid_from"] <= day]
    return float(max(rows, key=lambda r: r["valid_from"])["ordinary_shares_per_ads"])


@pytest.fixture(scope="module")
def run() -> Path:
    if reason := missing_realdata():
        pytest.skip(reason)
    return live_replay_run()


def test_company_tickers_is_asked_of_sec_with_the_user_agent(run):
    asked = requests_made(run)
    (tickers,) = [r for r in asked if r["path"] == "/files/company_tickers.json"]
    assert {k.lower(): v for k, v in tickers["headers"].items()}["user-agent"] == USER_AGENT
    # nothing was asked for GOOG's or SPY's CIK: GOOG is Alphabet, SPY a benchmark series
    asked_ciks = {r["path"].rsplit("CIK", 1)[1][:10] for r in asked if "CIK" in r["path"]}
    assert asked_ciks == set(CIKS.values())


def test_dim_company_resolves_by_ticker_and_says_where_each_field_came_from(run):
    with duckdb.connect(str(serving_db(run)), read_only=True) as con:
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
        currency = "CNY" if ticker in ("BABA", "BIDU") else "USD"  # the units of its 20-F / 10-K money facts
        expected.append(
            (ticker, real_cik(ticker), "resolved", "resolved", int(doc["fiscalYearEnd"][:2]), "resolved", form,
             currency, "resolved", doc["exchanges"][0], "GOOG" if ticker == "GOOGL" else None)
        )  # fmt: skip
    # GOOG is not a company of its own: it is Alphabet's other class
    assert [r for r in rows if r[0] in CIKS] == expected
    # Tencent, which SEC does not know, keeps the fields its line gives by hand
    (tencent,) = [r for r in rows if r[0] not in CIKS]
    assert tencent == ("0700.HK", None, None, "universe file", 12, "universe file", None, "CNY", "universe file",
                       "HKEX", None)  # fmt: skip


def test_market_caps_are_close_times_shares_known_that_day(run):
    with duckdb.connect(str(serving_db(run)), read_only=True) as con:
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
