"""Alphabet's REAL companyfacts through the live SEC client and the dbt models, market caps by hand.

The file (``../shared/realdata/sec/CIK0001652044.json``, never copied into the repository) has no
``dei:EntityCommonStockSharesOutstanding`` (Alphabet's cover page counts classes A, B and C separately,
which companyfacts drops), so the share count must come from the next link of the chain: the balance
sheet's ``us-gaap:CommonStockSharesOutstanding``. Its 10-Q filed after the 2022-07-18 20:1 split states
its 2022-06-30 count on the new basis (about 13 bn); the count of 2022-03-31 filed before the split
(about 0.66 bn) must be multiplied by 20 for post-split closes, the later one never.

The run is the shared live replay (``tests/support/live_replay.py``): filings fetched live from a replay
server on 127.0.0.1 (Alphabet's real document for GOOGL, the sample's documents for the other filers),
prices from a Yahoo replay of the sample's bars. The expected market caps are computed here from the JSON
and the sample's close.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.support.live_replay import REAL_ALPHABET, live_replay_run, missing_realdata, requests_made
from tests.support.pipeline_proc import SAMPLE_DIR, serving_db

pytestmark = pytest.mark.slow  # the shared live run

REAL = REAL_ALPHABET
GOOGL_CIK = "0001652044"
DAYS = [date(2022, 7, 15), date(2022, 7, 18), date(2022, 7, 26), date(2022, 7, 27), date(2022, 8, 1)]


def count_in_force(facts: dict, day: date) -> dict:
    """The balance-sheet count a reader had on ``day``: latest date among counts filed by then, latest filing."""
    counts = facts["us-gaap"]["CommonStockSharesOutstanding"]["units"]["shares"]
    known = [c for c in counts if date.fromisoformat(c["filed"]) <= day]
    latest_end = max(c["end"] for c in known)
    best = max((c for c in known if c["end"] == latest_end), key=lambda c: (c["filed"], c["accn"]))
    # the weighted average (the chain's last link) only wins with a LATER date than the balance sheet
    averages = facts["us-gaap"].get(
        "WeightedAverageNumberOfSharesOutstandingBasic", {"units": {"shares": []}}
    )
    later = [
        a
        for a in averages["units"]["shares"]
        if date.fromisoformat(a["filed"]) <= day and a["end"] > latest_end
    ]
    assert not later, f"a weighted average dated after {latest_end} was filed by {day}: {later}"
    return best


def sample_close(day: date) -> float:
    with open(SAMPLE_DIR / "prices" / "eod" / "GOOGL.US.csv", newline="") as fh:
        closes = {row["Date"]: float(row["Close"]) for row in csv.DictReader(fh)}
    return closes[day.isoformat()]


def split_dates() -> list[tuple[date, float]]:
    events = json.loads((SAMPLE_DIR / "prices" / "splits" / "GOOGL.US.json").read_bytes())
    out = []
    for event in events:
        numerator, denominator = (float(x) for x in event["split"].split("/"))
        out.append((date.fromisoformat(event["date"]), numerator / denominator))
    return out


@pytest.fixture(scope="module")
def real_run() -> Path:
    if reason := missing_realdata():
        pytest.skip(reason)
    root = live_replay_run()
    assert any(r["path"] == f"/api/xbrl/companyfacts/CIK{GOOGL_CIK}.json" for r in requests_made(root))
    return root


def test_the_real_file_has_no_cover_page_count() -> None:
    if not REAL.is_file():
        pytest.skip(f"../shared/realdata absent: {REAL}")
    facts = json.loads(REAL.read_bytes())["facts"]
    assert "EntityCommonStockSharesOutstanding" not in facts.get("dei", {})
    assert facts["us-gaap"]["CommonStockSharesOutstanding"]["units"]["shares"]


def test_market_cap_around_the_2022_split_equals_hand_computation(real_run: Path) -> None:
    facts = json.loads(REAL.read_bytes())["facts"]
    splits = split_dates()
    with duckdb.connect(str(serving_db(real_run)), read_only=True) as con:
        for day in DAYS:
            count = count_in_force(facts, day)
            filed = date.fromisoformat(count["filed"])
            # a count is on the basis of its filing date: splits after the filing and by the day apply
            factor = 1.0
            for split_day, ratio in splits:
                if filed < split_day <= day:
                    factor *= ratio
            expected = sample_close(day) * count["val"] * factor
            row = con.execute(
                """select market_cap_usd, shares_outstanding, shares_basis, shares_as_of_date,
                          shares_accession_number, shares_filed_date
                   from marts.fct_valuation_daily where ticker = 'GOOGL' and date = ?""",
                [day],
            ).fetchone()
            assert row is not None, f"no GOOGL valuation on {day}"
            cap, shares, basis, as_of, accession, shares_filed = row
            assert basis == "balance_sheet", day
            assert (as_of.isoformat(), accession, shares_filed) == (count["end"], count["accn"], filed), day
            assert shares == pytest.approx(count["val"] * factor, rel=1e-12), day
            assert cap == pytest.approx(expected, rel=1e-9), day


def test_the_run_publishes_every_company_with_its_coverage(real_run: Path) -> None:
    with duckdb.connect(str(serving_db(real_run)), read_only=True) as con:
        tickers = {
            r[0] for r in con.execute("select distinct ticker from marts.fct_valuation_daily").fetchall()
        }
        assert {"MSFT", "GOOGL", "AMZN", "BABA", "BIDU", "0700.HK"} <= tickers
        # every GOOGL trading day after its first filed count has a market cap
        missing = con.execute(
            """select count(*) from marts.fct_valuation_daily
               where ticker = 'GOOGL' and market_cap_usd is null
                 and date >= (select min(shares_filed_date) from marts.fct_valuation_daily where ticker = 'GOOGL')"""
        ).fetchone()[0]
        assert missing == 0
        coverage = con.execute(
            """select fiscal_year, metric, is_present, basis, concept from marts.fct_fundamentals_coverage
               where ticker = 'GOOGL' and has_annual_report order by fiscal_year, metric"""
        ).fetchall()
    assert coverage, "no coverage rows for GOOGL"
    shares = {
        year: (present, basis)
        for year, metric, present, basis, _ in coverage
        if metric == "shares_outstanding"
    }
    revenue = {year: present for year, metric, present, _, _ in coverage if metric == "revenue"}
    # real 10-Ks from FY2015 on: revenue and a balance-sheet share count every year
    assert all(revenue.values()), revenue
    assert all(present and basis == "balance_sheet" for present, basis in shares.values()), shares
    print("\nGOOGL coverage from the real companyfacts (fiscal_year, metric, present, basis, concept):")
    for line in coverage:
        print("  ", *line)
