"""The concept map's default chains at work: a filer with no row of its own gets its metrics from the
default chain of its taxonomy (us-gaap or ifrs-full), and a company row still overrides the chain.

companyfacts fixtures with real tag names and synthetic values (tests/fixtures/sec/default_chains) go
through the real parser into raw tables of a scratch warehouse; dbt builds the real concept_map seed and
the SEC fundamentals models on them (int_fundamentals_sec_facts -> int_fundamentals_sec_reported).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from ingestion.raw_tables import create_table_sql
from ingestion.sources.sec import parse_companyfacts
from ingestion.universe import parse_universe, universe_table
from tests.support.dbt_cli import dbt_ok

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sec" / "default_chains"
UNIVERSE = (
    "ticker,name,role,basket,country,cik,exchange,trading_currency,reporting_currency,fiscal_year_end_month,"
    "price_symbol,filer,benchmark\n"
    "XIFRS,IFRS Fixture Co,company,hardware,TW,9999901,NYSE,USD,TWD,12,XIFRS.US,sec,SPY\n"
    "XGAAP,US GAAP Fixture Co,company,US,US,9999902,NASDAQ,USD,USD,3,XGAAP.US,sec,SPY\n"
    "BABA,Alibaba Group Holding Limited,company,CN,CN,1577552,NYSE,USD,CNY,3,BABA.US,sec,SPY\n"
    "SPY,SPDR S&P 500 ETF Trust,benchmark,US,US,,NYSE Arca,USD,USD,,SPY.US,,\n"
)


def _with_lineage(table: pa.Table, key: str) -> pa.Table:
    n = table.num_rows
    lineage = {
        "source_key": pa.array([key] * n, pa.string()),
        "source_file": pa.array([f"fixture/{key}"] * n, pa.string()),
        "sha256": pa.array(["0" * 64] * n, pa.string()),
        "fetched_at": pa.array([None] * n, pa.timestamp("us", tz="UTC")),
        "is_sample": pa.array([True] * n, pa.bool_()),
        "loaded_at": pa.array([None] * n, pa.timestamp("us", tz="UTC")),
    }
    for name, column in lineage.items():
        table = table.append_column(name, column)
    return table


@pytest.fixture(scope="module")
def reported(tmp_path_factory) -> dict[tuple[str, str], list[tuple]]:
    home = tmp_path_factory.mktemp("chains")
    with duckdb.connect(str(home / "aigap.duckdb")) as con:
        con.execute("CREATE SCHEMA raw")
        for table in ("universe", "sec_companyfacts", "sec_filings", "sec_instance_facts", "sec_companies"):
            con.execute(create_table_sql(table))
        universe = _with_lineage(universe_table(parse_universe(UNIVERSE.encode(), "fixture.csv")), "universe")
        con.register("universe_rows", universe)
        con.execute("INSERT INTO raw.universe BY NAME SELECT * FROM universe_rows")
        for path in sorted(FIXTURES.glob("CIK*.json")):
            cik = path.stem.removeprefix("CIK")
            facts = _with_lineage(
                parse_companyfacts(path.read_bytes(), str(path), cik), f"companyfacts/{path.stem}"
            )
            con.register("fact_rows", facts)
            con.execute("INSERT INTO raw.sec_companyfacts BY NAME SELECT * FROM fact_rows")
            con.unregister("fact_rows")
    dbt_ok(home, "seed", "--select", "concept_map")
    dbt_ok(
        home,
        "run",
        "--select",
        "stg_universe__listings stg_sec__companies int_company_profile int_company_listings stg_sec__companyfacts "
        "stg_sec__filings stg_sec__instance_facts int_fundamentals_sec_facts int_fundamentals_sec_reported",
    )
    with duckdb.connect(str(home / "aigap.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT ticker, metric, concept, value, period_end FROM intermediate.int_fundamentals_sec_reported "
            "ORDER BY ticker, metric, period_end"
        ).fetchall()
    out: dict[tuple[str, str], list[tuple]] = {}
    for ticker, metric, concept, value, period_end in rows:
        out.setdefault((ticker, metric), []).append((concept, value, str(period_end)))
    return out


def test_an_ifrs_filer_without_rows_of_its_own_gets_every_metric_from_the_ifrs_full_chain(reported):
    # fixture values (TWD): Revenue 1000 beside RevenueFromContractsWithCustomers 990 in the same filing
    # -> the chain's first, 1000; no ProfitLossAttributableToOwnersOfParent -> the next link, ProfitLoss 300
    assert reported[("XIFRS", "revenue")] == [("Revenue", 1000.0, "2024-12-31")]
    assert reported[("XIFRS", "net_income")] == [("ProfitLoss", 300.0, "2024-12-31")]
    assert reported[("XIFRS", "rd_expense")] == [("ResearchAndDevelopmentExpense", 80.0, "2024-12-31")]
    assert reported[("XIFRS", "operating_income")] == [
        ("ProfitLossFromOperatingActivities", 350.0, "2024-12-31")
    ]
    assert reported[("XIFRS", "capex")] == [
        ("PurchaseOfPropertyPlantAndEquipmentClassifiedAsInvestingActivities", 120.0, "2024-12-31")
    ]
    assert reported[("XIFRS", "depreciation_amortization")] == [
        ("DepreciationAndAmortisationExpense", 90.0, "2024-12-31")
    ]
    assert reported[("XIFRS", "cash")] == [("CashAndCashEquivalents", 400.0, "2024-12-31")]
    # Borrowings is all borrowings: total_debt = 500 with no short-term piece added
    assert [v for _, v, _ in reported[("XIFRS", "total_debt")]] == [500.0]
    # the cover count (dei, 25,000 at 2025-03-31) and the weighted average of FY2024 (24,000)
    assert reported[("XIFRS", "shares_outstanding")] == [
        ("WeightedAverageShares", 24000.0, "2024-12-31"),
        ("EntityCommonStockSharesOutstanding", 25000.0, "2025-03-31"),
    ]


def test_a_us_gaap_filer_without_rows_of_its_own_uses_the_us_gaap_chain(reported):
    # PaymentsToAcquireOtherPropertyPlantAndEquipment (60) is in no default chain: PP&E (70) is capex
    assert reported[("XGAAP", "capex")] == [
        ("PaymentsToAcquirePropertyPlantAndEquipment", 70.0, "2024-03-31")
    ]
    assert reported[("XGAAP", "revenue")] == [("Revenues", 900.0, "2024-03-31")]


def test_a_company_row_wins_over_the_default_chain(reported):
    # BABA's own capex rows put PaymentsToAcquireOtherPropertyPlantAndEquipment first: 60, although the
    # default chain's first concept (PP&E, 70) is in the same filing
    assert reported[("BABA", "capex")] == [
        ("PaymentsToAcquireOtherPropertyPlantAndEquipment", 60.0, "2024-03-31")
    ]
    # a metric BABA has no row for still follows the default chain
    assert reported[("BABA", "revenue")] == [("Revenues", 900.0, "2024-03-31")]
