"""The whole graph on the bundled sample (one complete run, ``baseline()``), checked against hand computations.

Expected values are computed here from the sample's raw files with plain csv/json, independently
of the parsers and dbt models under test.
"""

import csv
import json
from datetime import date

import dagster as dg
import duckdb
import pytest

from ingestion.config import load_settings
from tests.support.pipeline_proc import baseline, clone_home, run_to_end, serving_db, sha256_file, working_db

pytestmark = pytest.mark.slow

SAMPLE = load_settings().sample_dir
DAY = "2022-11-30"


def close_on(symbol: str, day: str) -> float:
    with open(SAMPLE / "prices" / "eod" / f"{symbol}.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["Date"] == day:
                return float(row["Close"])
    raise AssertionError(f"{symbol} has no bar on {day}")


def fx_on(series: str, day: str) -> float:
    with open(SAMPLE / "fx" / f"{series}.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["observation_date"] == day:
                return float(row[series])
    raise AssertionError(f"{series} has no value on {day}")


def sec_shares_known_on(cik10: str, day: str) -> tuple[float, str]:
    """Latest cover-page share count filed by ``day``: classes of one filing and date summed. A multi-class
    issuer has no cover count in companyfacts (GOOGL): its balance-sheet count of all classes then."""
    facts = json.loads((SAMPLE / "sec" / "companyfacts" / f"CIK{cik10}.json").read_bytes())["facts"]
    cover = facts.get("dei", {}).get("EntityCommonStockSharesOutstanding")
    rows = (cover or facts["us-gaap"]["CommonStockSharesOutstanding"])["units"]["shares"]
    known = [r for r in rows if r["filed"] <= day]
    latest_end = max(r["end"] for r in known)
    at_end = [r for r in known if r["end"] == latest_end]
    latest_filed = max(r["filed"] for r in at_end)
    chosen = [r for r in at_end if r["filed"] == latest_filed]
    accn = chosen[0]["accn"]
    return sum(r["val"] for r in chosen if r["accn"] == accn), latest_end


def hkex_shares_known_on(day: str) -> float:
    with open(SAMPLE / "hkex" / "tencent_annual.csv", newline="") as fh:
        rows = [
            r for r in csv.DictReader(fh) if r["metric"] == "shares_outstanding" and r["filed_date"] <= day
        ]
    return float(max(rows, key=lambda r: (r["period_end"], r["filed_date"]))["value"])


@pytest.fixture(scope="module")
def warehouse():
    """The serving file of the complete run on the sample (``baseline()``, one per pytest process)."""
    con = duckdb.connect(str(serving_db(baseline().root)), read_only=True)
    yield con
    con.close()


def market_cap(con, ticker: str, day: str) -> float:
    row = con.execute(
        "select market_cap_usd from marts.fct_valuation_daily where ticker = ? and date = ?", [ticker, day]
    ).fetchone()
    assert row is not None, f"no valuation for {ticker} on {day}"
    return row[0]


def test_every_mart_has_rows_and_every_row_is_labelled_sample(warehouse):
    for mart in ("dim_company", "fct_fundamentals", "fct_valuation_daily", "fct_basket_gap_daily"):
        assert warehouse.execute(f"select count(*) from marts.{mart}").fetchone()[0] > 0, mart
    for mart in ("fct_fundamentals", "fct_valuation_daily", "fct_basket_gap_daily"):
        not_sample = warehouse.execute(f"select count(*) from marts.{mart} where not is_sample").fetchone()[0]
        assert not_sample == 0, mart


def test_msft_market_cap_is_close_times_shares(warehouse):
    shares, _ = sec_shares_known_on("0000789019", DAY)
    expected = close_on("MSFT.US", DAY) * shares
    assert market_cap(warehouse, "MSFT", DAY) == pytest.approx(expected, rel=1e-9)


def test_baba_market_cap_divides_ordinary_shares_by_the_ads_ratio(warehouse):
    shares, _ = sec_shares_known_on("0001577552", DAY)
    expected = close_on("BABA.US", DAY) * shares / 8  # 1 ADS = 8 ordinary shares since 2019-07-30
    assert market_cap(warehouse, "BABA", DAY) == pytest.approx(expected, rel=1e-9)


def test_tencent_market_cap_converts_hkd_at_that_days_rate(warehouse):
    expected = close_on("0700.HK", DAY) * hkex_shares_known_on(DAY) / fx_on("DEXHKUS", DAY)
    assert market_cap(warehouse, "0700.HK", DAY) == pytest.approx(expected, rel=1e-9)


def test_us_basket_on_launch_day_is_the_sum_of_hand_computed_members_and_index_100(warehouse):
    googl_shares, _ = sec_shares_known_on("0001652044", DAY)  # balance-sheet count, all classes
    caps = {
        "MSFT": close_on("MSFT.US", DAY) * sec_shares_known_on("0000789019", DAY)[0],
        "GOOGL": close_on("GOOGL.US", DAY) * googl_shares,
        "AMZN": close_on("AMZN.US", DAY) * sec_shares_known_on("0001018724", DAY)[0],
    }
    row = warehouse.execute(
        "select market_cap_usd, index_2022_11_30 from marts.fct_basket_gap_daily where basket = 'US' and date = ?",
        [DAY],
    ).fetchone()
    assert row[0] == pytest.approx(sum(caps.values()), rel=1e-9)
    assert row[1] == pytest.approx(100.0)
    cn = warehouse.execute(
        "select index_2022_11_30 from marts.fct_basket_gap_daily where basket = 'CN' and date = ?", [DAY]
    ).fetchone()
    assert cn[0] == pytest.approx(100.0)


def test_fiscal_years_follow_each_companys_year_end(warehouse):
    def fiscal(ticker, period_end, period):
        return warehouse.execute(
            "select distinct fiscal_year from marts.fct_fundamentals "
            "where ticker = ? and metric = 'revenue' and period_end = ? and fiscal_period = ?",
            [ticker, date.fromisoformat(period_end), period],
        ).fetchall()

    assert fiscal("BABA", "2023-03-31", "FY") == [(2023,)]  # year ends 31 March
    assert fiscal("MSFT", "2023-06-30", "FY") == [(2023,)]  # year ends 30 June
    assert fiscal("MSFT", "2022-09-30", "Q1") == [(2023,)]  # first quarter of FY2023
    assert fiscal("GOOGL", "2022-12-31", "FY") == [(2022,)]


def test_serving_file_and_parquet_published(warehouse):
    settings = load_settings({"AIGAP_HOME": str(baseline().root / "warehouse")})
    for mart in ("dim_company", "fct_fundamentals", "fct_valuation_daily", "fct_basket_gap_daily"):
        path = settings.parquet_dir / f"{mart}.parquet"
        rows = duckdb.connect().execute(f"select count(*) from '{path}'").fetchone()[0]
        assert rows == warehouse.execute(f"select count(*) from marts.{mart}").fetchone()[0]


@pytest.mark.parametrize(
    ("ticker", "symbol", "cik10", "before", "split_day"),
    [
        ("AMZN", "AMZN.US", "0001018724", "2022-06-03", "2022-06-06"),  # 20-for-1
        ("GOOGL", "GOOGL.US", "0001652044", "2022-07-15", "2022-07-18"),  # 20-for-1, balance-sheet count
    ],
)
def test_market_cap_across_a_20_for_1_split(warehouse, ticker, symbol, cik10, before, split_day):
    # Both days use the count filed before the split: on the split day it is restated by 20,
    # because the unadjusted close is now per post-split share.
    shares, as_of = sec_shares_known_on(cik10, split_day)
    assert as_of < split_day and sec_shares_known_on(cik10, before) == (shares, as_of)
    assert market_cap(warehouse, ticker, before) == pytest.approx(close_on(symbol, before) * shares, rel=1e-9)
    assert market_cap(warehouse, ticker, split_day) == pytest.approx(
        close_on(symbol, split_day) * shares * 20, rel=1e-9
    )


def test_baba_across_its_2019_share_subdivision(warehouse):
    # Until 2019-07-29 one ADS was one ordinary share; from 2019-07-30 eight, after a 1-to-8 subdivision.
    # The count known on both days was filed before it (pre-subdivision shares).
    shares_pre, as_of = sec_shares_known_on("0001577552", "2019-07-30")
    assert as_of < "2019-07-30"
    assert market_cap(warehouse, "BABA", "2019-07-29") == pytest.approx(
        close_on("BABA.US", "2019-07-29") * shares_pre / 1, rel=1e-9
    )
    shares_post = shares_pre * 8
    assert market_cap(warehouse, "BABA", "2019-07-30") == pytest.approx(
        close_on("BABA.US", "2019-07-30") * shares_post / 8, rel=1e-9
    )


def test_a_second_run_with_nothing_new_rebuilds_and_republishes_nothing(tmp_path):
    """Same sample again (a copy of the complete run, with its Dagster record): every window holds the
    same bytes, so dbt, serving and the report are skipped."""
    root = clone_home(baseline().root, tmp_path)
    before = sha256_file(serving_db(root))
    run_to_end(root)
    assert sha256_file(serving_db(root)) == before
    instance = dg.DagsterInstance.from_config(str(root / "dagster"))
    [last] = instance.get_run_records(limit=1)
    materialized = {
        record.event_log_entry.dagster_event.asset_key.path[0]
        for record in instance.get_records_for_run(last.dagster_run.run_id, limit=100_000).records
        if record.event_log_entry.dagster_event is not None
        and record.event_log_entry.dagster_event.event_type_value == "ASSET_MATERIALIZATION"
    }
    assert "landing" in materialized  # the run did land (the current month's bars at least)
    assert materialized.isdisjoint(
        {"staging", "intermediate", "marts", "report", "dashboard", "serving", "reports"}
    )
    with duckdb.connect(str(working_db(root)), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM audit.dbt_builds").fetchone() == (1,)
        # the bars were not reloaded either: every row still carries the first run's load time
        assert con.execute("SELECT count(DISTINCT loaded_at) FROM raw.prices_daily").fetchone() == (1,)


def test_the_run_publishes_the_dbt_docs_and_keeps_its_parse_for_the_next_build(warehouse):
    home = baseline().root / "warehouse"
    site = home / "reports" / "dbt-docs"
    catalog = json.loads((site / "catalog.json").read_bytes())
    in_catalog = {node["metadata"]["name"] for node in catalog["nodes"].values()}
    marts = {
        r[0]
        for r in warehouse.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()
    }
    assert marts and marts <= in_catalog, marts - in_catalog
    assert (site / "static_index.html").stat().st_size > 1_000_000  # the manifest and catalog are embedded
    # the build's parse of the project, which the docs reused and the next build will too
    assert load_settings({"AIGAP_HOME": str(home)}).dbt_parse_state.stat().st_size > 0
