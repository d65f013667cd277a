"""Tencent's market cap from the curated HKEX share counts, through the real dbt models, checked by hand.

raw.hkex_fundamentals is loaded from the real curated file (ingestion/curated/hkex_fundamentals.csv, as
the parser reads it); prices, FX, the universe and the SEC side are a handful of fixture rows. dbt then
builds the HKEX staging model, the fundamentals versions, the share counts in force, the daily market
cap, fct_fundamentals and fct_valuation_daily in a temporary AIGAP_HOME.
"""

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from ingestion.sources import hkex
from tests.support.dbt_cli import dbt_ok
from tests.support.listings_fixture import LISTING_RESOLUTION_SQL

pytestmark = pytest.mark.slow

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
CURATED = Path(__file__).resolve().parents[2] / "ingestion" / "curated" / "hkex_fundamentals.csv"

# Two chosen trading days, a chosen HKEX close and a chosen HKD-per-USD rate on each
DAY_2019 = "2019-01-02"  # before the 2018 year-end monthly return (filed 2019-01-07)
DAY_2025 = "2025-12-01"  # after the 28 November 2025 next-day return (filed that day)
CLOSE = {DAY_2019: 316.2, DAY_2025: 610.5}
HKD_PER_USD = {DAY_2019: 7.8305, DAY_2025: 7.7850}
CNY_PER_USD = {DAY_2019: 6.8680, DAY_2025: 7.1}

FIXTURE_SQL = f"""
create schema staging;
create schema intermediate;

create table staging.stg_universe__listings (
    ticker varchar, name varchar, role varchar, basket varchar, country varchar, cik varchar,
    exchange varchar, trading_currency varchar, reporting_currency varchar, fiscal_year_end_month integer,
    price_symbol varchar, filer varchar, benchmark varchar, source_file varchar, is_sample boolean, loaded_at timestamptz
);
insert into staging.stg_universe__listings values
    ('0700.HK', 'Tencent Holdings', 'company', 'CN', 'CN', null, 'HKEX', 'HKD', 'CNY', 12, '0700.HK', 'hkex',
     '2800.HK', 'fixture', false, now());

create table staging.stg_prices__daily (
    price_symbol varchar, date date, open double, high double, low double, close double,
    adjusted_close double, volume double, source_key varchar, source_file varchar, sha256 varchar,
    fetched_at timestamptz, is_sample boolean, loaded_at timestamptz
);
insert into staging.stg_prices__daily values
    ('0700.HK', date '{DAY_2019}', null, null, null, {CLOSE[DAY_2019]}, null, null, 'k', 'fixture', 's',
     now(), false, now()),
    ('0700.HK', date '{DAY_2025}', null, null, null, {CLOSE[DAY_2025]}, null, null, 'k', 'fixture', 's',
     now(), false, now());

create table intermediate.int_fx_daily (
    date date, currency varchar, units_per_usd double, usd_per_unit double, is_filled boolean,
    fill_age_days integer, fill_age_business_days integer, source_date date, is_sample boolean
);
insert into intermediate.int_fx_daily values
    (date '{DAY_2019}', 'HKD', {HKD_PER_USD[DAY_2019]}, 1.0 / {HKD_PER_USD[DAY_2019]}, false, 0, 0,
     date '{DAY_2019}', false),
    (date '{DAY_2025}', 'HKD', {HKD_PER_USD[DAY_2025]}, 1.0 / {HKD_PER_USD[DAY_2025]}, false, 0, 0,
     date '{DAY_2025}', false),
    (date '{DAY_2019}', 'CNY', {CNY_PER_USD[DAY_2019]}, 1.0 / {CNY_PER_USD[DAY_2019]}, false, 0, 0,
     date '{DAY_2019}', false),
    (date '{DAY_2025}', 'CNY', {CNY_PER_USD[DAY_2025]}, 1.0 / {CNY_PER_USD[DAY_2025]}, false, 0, 0,
     date '{DAY_2025}', false);

-- Tencent trades its ordinary shares directly and never split in the window
create table intermediate.int_split_factors (
    ticker varchar, date date, valid_until date, split_ratio double, cumulative_factor double,
    share_factor double, is_sample boolean
);
insert into intermediate.int_split_factors values
    ('0700.HK', date '1900-01-01', date '9999-12-31', 1.0, 1.0, 1.0, false);
create table intermediate.int_ads_ratios (
    ticker varchar, valid_from date, valid_until date, ordinary_shares_per_ads double,
    moves_ordinary_shares boolean, ads_only_change boolean, ordinary_share_factor double, source varchar
);
insert into intermediate.int_ads_ratios values
    ('0700.HK', date '1900-01-01', date '9999-12-31', 1.0, false, false, 1.0, 'not an ADS');

-- no SEC filer here
create table intermediate.int_fundamentals_sec_reported (
    ticker varchar, metric varchar, concept varchar, is_proxy boolean, fiscal_year integer,
    fiscal_period varchar, period_kind varchar, period_start date, period_end date, value double,
    currency varchar, accession_number varchar, form varchar, filed_date date, is_derived boolean,
    is_sample boolean, source_file varchar
);
"""

MODELS = (
    "int_company_listings stg_hkex__fundamentals int_fundamentals_reported int_fundamentals_derived_quarters "
    "int_fundamentals_versions int_shares_outstanding_versions int_shares_in_force int_market_cap_daily "
    "int_fundamentals_ttm int_balance_sheet_versions int_fundamentals_in_force fct_fundamentals "
    "fct_valuation_daily"
)


def curated_raw_table() -> pa.Table:
    """The curated file as the parser reads it, with the lineage columns the loader adds."""
    data = hkex.parse_hkex_csv(CURATED.read_bytes(), str(CURATED))
    n = data.num_rows
    now = datetime.now(UTC)
    for name, value in (
        ("source_key", "hkex/tencent_annual"),
        ("source_file", str(CURATED)),
        ("sha256", "fixture"),
        ("fetched_at", now),
        ("is_sample", False),
        ("loaded_at", now),
    ):
        data = data.append_column(name, pa.array([value] * n))
    return data


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("tencent_market_cap")
    db = home / "aigap.duckdb"  # profiles.yml: $AIGAP_HOME/aigap.duckdb
    raw = curated_raw_table()
    with duckdb.connect(str(db)) as con:
        con.execute(FIXTURE_SQL + LISTING_RESOLUTION_SQL)
        con.execute("create schema raw")
        con.register("curated", raw)
        con.execute("create table raw.hkex_fundamentals as select * from curated")
        # no data anomalies: the marts flag rows from this mart (built from the SEC chain, not here)
        con.execute("create schema if not exists marts")
        con.execute(
            "create table marts.fct_fundamentals_anomalies (ticker varchar, metric varchar, fiscal_year integer, "
            "fiscal_period varchar, period_end date, anomaly varchar, detail varchar, is_sample boolean)"
        )
    dbt_ok(home, "seed", "--select", "concept_map")  # the one list of metrics (fct_valuation_daily)
    dbt_ok(home, "run", "--select", MODELS)
    return db


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_market_cap_by_hand_on_two_days(warehouse: Path):
    # 2019-01-02: the count known that day is the opening balance of 27 September 2018 in the next-day
    # return filed 2018-09-28 (official), 9,522,734,291 shares; the year-end monthly return is filed later.
    # 316.2 HKD x 9,522,734,291 / 1 share per traded unit / 7.8305 HKD per USD
    expected_2019 = 316.2 * 9_522_734_291 / 1 / 7.8305
    # 2025-12-01: the count in force is 9,144,870,002 at 28 November 2025 (secondary: a summary of the
    # HKEX next-day return filed that day). 610.5 x 9,144,870,002 / 1 / 7.7850
    expected_2025 = 610.5 * 9_144_870_002 / 1 / 7.7850
    got = {
        str(d): (cap, shares, str(as_of))
        for d, cap, shares, as_of in rows(
            warehouse,
            "select date, market_cap_usd, shares_outstanding, shares_as_of_date from intermediate.int_market_cap_daily "
            "where ticker = '0700.HK' order by date",
        )
    }
    assert got[DAY_2019][1:] == (9_522_734_291, "2018-09-27")
    assert got[DAY_2019][0] == pytest.approx(expected_2019, rel=1e-12)
    assert got[DAY_2025][1:] == (9_144_870_002, "2025-11-28")
    assert got[DAY_2025][0] == pytest.approx(expected_2025, rel=1e-12)


def test_valuation_says_which_inputs_are_secondary(warehouse: Path):
    got = dict(
        (str(d), (inputs, flag))
        for d, inputs, flag in rows(
            warehouse,
            "select date, secondary_inputs, uses_secondary_figure from marts.fct_valuation_daily "
            "where ticker = '0700.HK'",
        )
    )
    # 2019-01-02: an official share count; the FY2017 results in force (announced 2018-03-21) are
    # secondary (press copies of the announcement)
    assert got[DAY_2019] == ("net_income, operating_income, revenue", True)
    # 2025-12: the share count, and the FY2024 R&D, capex and D&A and the FY2021 cash (latest curated
    # balance) are all secondary; revenue, operating and net profit are official
    assert got[DAY_2025] == ("shares_outstanding, capex, cash, depreciation_amortization, rd_expense", True)


def test_fundamentals_carry_confidence_and_the_operating_profit_restatement(warehouse: Path):
    versions = rows(
        warehouse,
        "select value, filed_date, superseded_date, source_confidence, source_note from marts.fct_fundamentals "
        "where ticker = '0700.HK' and metric = 'operating_income' and fiscal_year = 2022 order by filed_date",
    )
    assert [(v, str(f), s and str(s), c) for v, f, s, c, _ in versions] == [
        (235_706e6, "2023-03-22", "2024-03-20", "official"),
        # the restated figure was read on a filing-summary service: secondary (issue 21)
        (110_827e6, "2024-03-20", None, "secondary"),
    ]
    assert all("4Q2023" in note for *_, note in versions)
    confidences = dict(
        rows(
            warehouse,
            "select metric, string_agg(distinct source_confidence, ',' order by source_confidence) from marts.fct_fundamentals "
            "where ticker = '0700.HK' group by metric",
        )
    )
    assert confidences["rd_expense"] == "secondary" and confidences["net_income"] == "official,secondary"


def test_run_summary_counts_the_secondary_facts_in_use(warehouse: Path):
    from ingestion.publish.summary import secondary_facts_in_use

    # curated secondary rows: R&D FY2019-25 (7), capex FY2024 (1), D&A FY2019-24 (6), cash FY2019-21 (3),
    # share counts of 2024-10-08, 2025-11-28 and 2025-12-22 (3), FY2025 revenue and operating profit (2),
    # the four FY2023-era rows read on a filing-summary service (FY2023 revenue, operating and net
    # profit, FY2022 operating profit restated) (4), FY2017 revenue, operating and net profit (3) = 29
    # current; the FY2019 revenue of 2020-03-18 (secondary) is superseded by the official comparative
    # of 2021-03-24 and not counted. Both valuation days use one (2019-01-02: the FY2017 figures).
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert secondary_facts_in_use(con, ["fct_fundamentals", "fct_valuation_daily"]) == (29, 2)
        assert secondary_facts_in_use(con, ["fct_fundamentals"]) is None


def test_tencent_has_earnings_in_force_from_2019_01_02(warehouse: Path):
    """Issue 21: without FY2018 (announced 2019-03-21) Tencent had no earnings until 2021-03-24."""
    import csv

    with open(CURATED, newline="") as fh:
        seed = {
            (r["metric"], r["fiscal_year"], r["filed_date"]): (int(r["value"]), r["confidence"])
            for r in csv.DictReader(fh)
        }
    # the curated file: FY2017 (announced 2018-03-21, press copies) and FY2018 (announced 2019-03-21,
    # Tencent's press release) net profit attributable to equity holders
    assert seed[("net_income", "2017", "2018-03-21")] == (71_510_000_000, "secondary")
    assert seed[("net_income", "2018", "2019-03-21")] == (78_719_000_000, "official")
    assert seed[("revenue", "2019", "2020-03-18")] == (377_289_000_000, "secondary")
    assert seed[("rd_expense", "2025", "2026-03-18")] == (85_747_000_000, "secondary")
    # the mart: on 2019-01-02 the P/E uses FY2017's 71,510 RMB mn at 6.8680 CNY per USD and the market
    # cap of 316.2 HKD x 9,522,734,291 shares at 7.8305 HKD per USD
    market_cap = 316.2 * 9_522_734_291 / 7.8305
    earnings = 71_510e6 / CNY_PER_USD[DAY_2019]
    ((pe, net_income_usd),) = rows(
        warehouse,
        "select pe_ttm, net_income_ttm_usd from marts.fct_valuation_daily where ticker = '0700.HK' and date = ?",
        [DAY_2019],
    )
    assert net_income_usd == pytest.approx(earnings, rel=1e-12)
    assert pe == pytest.approx(market_cap / earnings, rel=1e-12)
    # FY2018 is known from its announcement day, FY2019's profit from the FY2020 comparative
    got = rows(
        warehouse,
        "select fiscal_year, filed_date, source_confidence from marts.fct_fundamentals "
        "where ticker = '0700.HK' and metric = 'net_income' and fiscal_year in (2018, 2019) order by fiscal_year",
    )
    assert [(fy, str(f), c) for fy, f, c in got] == [
        (2018, "2019-03-21", "official"),
        (2019, "2021-03-24", "official"),
    ]
