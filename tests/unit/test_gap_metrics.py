"""Gap metrics computed by the real dbt models on a tiny hand-made warehouse, checked by hand.

The parents of the models under test are plain tables here (a handful of rows for one Chinese
company, C, reporting in CNY at 7 CNY per USD); dbt builds only dim_company, fct_valuation_daily,
fct_return_on_research and fct_growth_vs_utility on top of them, in a temporary AIGAP_HOME. The same
logic is covered by the dbt unit tests in models/marts/_gap__models.yml; this runs it end to end
through dbt (contracts included) and through the report.
"""

from pathlib import Path

import duckdb
import pytest

from ingestion.publish.report import build_report
from tests.support.dbt_cli import dbt_ok
from tests.support.listings_fixture import LISTING_RESOLUTION_SQL

pytestmark = pytest.mark.slow

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
FX = 7.0  # CNY per USD on every day of the fixture

FIXTURE_SQL = f"""
create schema staging;
create schema intermediate;
create schema marts;

create table staging.stg_universe__listings (
    ticker varchar, name varchar, role varchar, basket varchar, country varchar, cik varchar,
    exchange varchar, trading_currency varchar, reporting_currency varchar, fiscal_year_end_month integer,
    price_symbol varchar, filer varchar, benchmark varchar, source_file varchar, is_sample boolean, loaded_at timestamptz
);
insert into staging.stg_universe__listings values
    ('C', 'C Holdings', 'company', 'CN', 'CN', '0000000001', 'NYSE', 'USD', 'CNY', 12, 'C.US', 'sec', 'SPY',
     'fixture', true, now()),
    ('SPY', 'An index fund', 'benchmark', 'US', 'US', null, 'NYSE Arca', 'USD', 'USD', null, 'SPY.US', null, null,
     'fixture', true, now());

-- market caps are given in USD: 500 on the base date, 700 later
create table intermediate.int_market_cap_daily (
    ticker varchar, date date, close double, trading_currency varchar, ads_ratio double,
    shares_reported double, shares_as_of_date date, shares_filed_date date, shares_accession_number varchar,
    shares_split_factor double, shares_ads_factor double, shares_outstanding double, market_cap_local double,
    fx_units_per_usd double, fx_usd_per_unit double, fx_is_filled boolean, fx_source_date date,
    market_cap_usd double, price_source_file varchar, is_sample boolean, shares_basis varchar
);
insert into intermediate.int_market_cap_daily
select 'C', d, 10.0, 'USD', 1.0, cap / 10.0, date '2022-09-30', date '2022-10-15', 's1', 1.0, 1.0,
       cap / 10.0, cap, 1.0, 1.0, false, d, cap, 'fixture', true, 'cover'
from (values (date '2022-11-30', 500.0), (date '2023-03-20', 700.0), (date '2023-06-30', 700.0)) as t (d, cap);

-- FY2022 figures in force from their filing on 2023-03-20 (TTM = the fiscal year)
create table intermediate.int_fundamentals_in_force (
    ticker varchar, metric varchar, known_from date, known_until date, statement varchar, period_end date,
    value double, currency varchar, knowable_from date, accession_number varchar, is_sample boolean
);
insert into intermediate.int_fundamentals_in_force
select 'C', metric, date '2023-03-20', date '9999-12-31', statement, date '2022-12-31', value, 'CNY',
       date '2023-03-20', 'c22', true
from (values
    ('revenue', 'ttm', 7000.0), ('net_income', 'ttm', 490.0), ('rd_expense', 'ttm', 1400.0),
    ('operating_income', 'ttm', 1400.0), ('cash', 'balance_sheet', 700.0),
    ('total_debt', 'balance_sheet', 350.0)
) as t (metric, statement, value);

create table intermediate.int_fx_daily (
    date date, currency varchar, units_per_usd double, usd_per_unit double, is_filled boolean,
    fill_age_days integer, fill_age_business_days integer, source_date date, is_sample boolean
);
insert into intermediate.int_fx_daily
select d, 'CNY', {FX}, 1.0 / {FX}, false, 0, 0, d, true
from (values (date '2022-11-30'), (date '2023-03-20'), (date '2023-06-30')) as t (d);

-- curated HKEX figures (none for C): fct_valuation_daily flags the secondary ones it uses
create table staging.stg_hkex__fundamentals (
    ticker varchar, metric varchar, period_end date, filed_date date, source_confidence varchar
);

-- no data anomalies (fct_valuation_daily flags rows from this mart)
create table marts.fct_fundamentals_anomalies (
    ticker varchar, metric varchar, fiscal_year integer, fiscal_period varchar, period_end date,
    anomaly varchar, detail varchar, is_sample boolean
);

-- annual figures as fct_fundamentals holds them (value in CNY, value_usd at the year's average rate)
create table marts.fct_fundamentals (
    ticker varchar, metric varchar, fiscal_year integer, fiscal_period varchar, period_kind varchar,
    period_start date, period_end date, value double, currency varchar, value_usd double, usd_per_unit double,
    accession_number varchar, form varchar, filed_date date, superseded_date date, is_current_version boolean,
    source varchar, concept varchar, is_proxy boolean, is_derived boolean, is_sample boolean,
    source_file varchar, document varchar, page varchar, source_confidence varchar
);
insert into marts.fct_fundamentals
select 'C', metric, fy, 'FY', 'annual', make_date(fy, 1, 1), make_date(fy, 12, 31), value, 'CNY',
       value / {FX}, 1.0 / {FX}, accn, '20-F', filed, null, true, 'sec', metric, false, false, true,
       'fixture', null, null, 'official'
from (values
    ('rd_expense', 2022, 2555.0, 'c22', date '2023-03-20'),
    ('revenue', 2021, 5600.0, 'c21', date '2022-03-21'),
    ('revenue', 2022, 7000.0, 'c22', date '2023-03-20'),
    ('net_income', 2022, 490.0, 'c22', date '2023-03-20'),
    ('operating_income', 2022, 1400.0, 'c22', date '2023-03-20'),
    ('capex', 2022, 700.0, 'c22', date '2023-03-20')
) as t (metric, fy, value, accn, filed);
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("gap_metrics")
    db = home / "aigap.duckdb"  # profiles.yml: $AIGAP_HOME/aigap.duckdb, database "aigap"
    with duckdb.connect(str(db)) as con:
        con.execute(FIXTURE_SQL + LISTING_RESOLUTION_SQL)
    dbt_ok(home, "seed", "--select", "concept_map")  # the one list of metrics (fct_valuation_daily)
    dbt_ok(
        home,
        "run",
        "--select",
        "dim_company int_company_listings dim_basket_member fct_valuation_daily fct_return_on_research fct_growth_vs_utility "
        "rpt_ev_to_rd rpt_return_on_research rpt_growth_vs_utility",
    )
    return db


def one(db: Path, sql: str, params: list | None = None) -> tuple:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(sql, params or []).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def test_ev_to_rd_by_hand(warehouse: Path):
    # 2023-06-30: market cap 700 USD; cash 700 CNY = 100, debt 350 CNY = 50, no short-term investments
    # -> EV = 700 + 50 - 100 = 650; TTM R&D 1400 CNY = 200 USD -> EV/R&D 3.25; net income 490 CNY = 70
    # -> P/E 10; revenue 7000 CNY = 1000 -> EV/sales 0.65
    ev, ev_to_rd, pe, ev_to_sales, rd_usd = one(
        warehouse,
        "select enterprise_value_usd, ev_to_rd_ttm, pe_ttm, ev_to_sales_ttm, rd_expense_ttm_usd "
        "from marts.fct_valuation_daily where ticker = 'C' and date = '2023-06-30'",
    )
    assert ev == pytest.approx(650.0, rel=1e-12)
    assert rd_usd == pytest.approx(200.0, rel=1e-12)
    assert ev_to_rd == pytest.approx(3.25, rel=1e-12)
    assert pe == pytest.approx(10.0, rel=1e-12)
    assert ev_to_sales == pytest.approx(0.65, rel=1e-12)
    # before the filing nothing is known: no EV/R&D on the base date
    assert one(
        warehouse,
        "select ev_to_rd_ttm from marts.fct_valuation_daily where ticker = 'C' and date = '2022-11-30'",
    ) == (None,)


def test_return_on_research_by_hand(warehouse: Path):
    # since 2022-11-30 up to the last valuation day 2023-06-30: market cap 500 -> 700, change 200.
    # R&D FY2022 = 2555 CNY = 365 USD: 1 USD a day. Dec 2022 is reported (31 days); Jan-Jun 2023
    # (31+28+31+30+31+30 = 181 days) is the run rate of the last 365 reported days, also 1 a day.
    # -> 212 USD of R&D, return on research 200 / 212.
    for entity, entity_type in (("C", "company"), ("CN", "basket")):
        change, rd, ror, estimated, window_end, known_from, sample = one(
            warehouse,
            "select market_cap_change_usd, cumulative_rd_usd, return_on_research, rd_days_estimated, window_end, "
            "known_from, is_sample from marts.fct_return_on_research "
            "where entity = ? and entity_type = ? and window_kind = 'since_2022_11_30'",
            [entity, entity_type],
        )
        assert change == pytest.approx(200.0, rel=1e-12)
        assert rd == pytest.approx(212.0, rel=1e-12)
        assert ror == pytest.approx(200.0 / 212.0, rel=1e-12)
        assert estimated == 181
        assert str(window_end) == "2023-06-30" and str(known_from) == "2023-06-30"
        assert sample is True
    # FY2022 needs a market cap on 2021-12-31, which the fixture does not have: no fiscal-year row
    assert one(
        warehouse, "select count(*) from marts.fct_return_on_research where window_kind <> 'since_2022_11_30'"
    ) == (0,)


def test_growth_vs_utility_by_hand(warehouse: Path):
    # FY2022: revenue 7000 vs 5600 CNY -> +25%; operating income 1400 -> margin 0.2; capex 700 -> 0.1;
    # P/E on the publication day 2023-03-20 = 700 / (490 / 7) = 10 -> fast growth at a low multiple: mixed
    growth, margin, capex, pe, label, pe_date = one(
        warehouse,
        "select revenue_growth, margin, capex_intensity, pe_ttm, classification, pe_date "
        "from marts.fct_growth_vs_utility where ticker = 'C' and fiscal_year = 2022",
    )
    assert growth == pytest.approx(0.25, rel=1e-12)
    assert margin == pytest.approx(0.2, rel=1e-12)
    assert capex == pytest.approx(0.1, rel=1e-12)
    assert pe == pytest.approx(10.0, rel=1e-12)
    assert (label, str(pe_date)) == ("mixed", "2023-03-20")
    # FY2021 has no prior year and no valuation near its publication
    assert one(
        warehouse,
        "select revenue_growth, pe_ttm, classification from marts.fct_growth_vs_utility "
        "where ticker = 'C' and fiscal_year = 2021",
    ) == (None, None, "unclassified")


def test_report_draws_the_hand_computed_marts(warehouse: Path, tmp_path: Path):
    result = {c.name: c for c in build_report(warehouse, tmp_path / "reports").charts}
    # only the marts dbt built here exist: the others are noted, not fatal
    assert result["ev_to_rd"].status == "drawn" and result["ev_to_rd"].is_sample
    assert result["ev_to_rd"].rows == 2  # 2023-03-20 and 2023-06-30 (no EV/R&D on the base date)
    assert result["return_on_research"].status == "drawn" and result["return_on_research"].rows == 2
    assert result["growth_vs_utility"].status == "drawn" and result["growth_vs_utility"].rows == 1
    assert result["basket_indices"].status == "skipped"
    assert result["basket_indices"].note == "report.rpt_basket_indices is not in the warehouse."
