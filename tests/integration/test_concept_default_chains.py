"""The concept map's default chains at work: a filer with no row of its own gets its metrics from the
default chain of its taxonomy (us-gaap or ifrs-full), and a company row still overrides the chain.

companyfacts fixtures with real tag names and synthetic values (tests/fixtures/sec/default_chains) go
through the real parser into raw tables of a scratch warehouse; dbt builds the real concept_map seed and
the SEC fundamentals models on them (int_fundamentals_sec_facts -> int_fundamentals_sec_reported).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from ingestion.raw_tables import arrow_schema, create_table_sql
from ingestion.sources.sec import parse_companyfacts
from ingestion.sources.sec_instances import parse_instance
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


# Alibaba's FY2026 20-F (issue 21): its combined capex line is a company extension, only in the filing's
# own instance (the real accession and tag name, docs/sources_of_facts.md; values and filing date synthetic, CNY and the
# USD convenience translation). companyfacts carries PaymentsToAcquireOtherPropertyPlantAndEquipment
# (100) for the same filing and period in the fixture, so the chain's order decides.
BABA_FY2026 = "0001193125-26-231755"
BABA_INSTANCE = b"""<?xml version="1.0" encoding="utf-8"?>
<xbrli:xbrl xmlns:xbrli="http://www.xbrl.org/2003/instance" xmlns:baba="http://alibabagroup.com/20260331"
  xmlns:iso4217="http://www.xbrl.org/2003/iso4217">
  <baba:PaymentsToAcquireLandUseRightsPropertyAndEquipment contextRef="c-1" unitRef="cny" decimals="-6">130</baba:PaymentsToAcquireLandUseRightsPropertyAndEquipment>
  <baba:PaymentsToAcquireLandUseRightsPropertyAndEquipment contextRef="c-1" unitRef="usd" decimals="-6">19</baba:PaymentsToAcquireLandUseRightsPropertyAndEquipment>
  <xbrli:context id="c-1"><xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">0001577552</xbrli:identifier></xbrli:entity>
    <xbrli:period><xbrli:startDate>2025-04-01</xbrli:startDate><xbrli:endDate>2026-03-31</xbrli:endDate></xbrli:period></xbrli:context>
  <xbrli:unit id="cny"><xbrli:measure>iso4217:CNY</xbrli:measure></xbrli:unit>
  <xbrli:unit id="usd"><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unit>
</xbrli:xbrl>
"""


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
        key = f"instance/CIK0001577552/{BABA_FY2026}"
        instance = _with_lineage(parse_instance(BABA_INSTANCE, key, "0001577552", BABA_FY2026), key)
        con.register("instance_rows", instance)
        con.execute("INSERT INTO raw.sec_instance_facts BY NAME SELECT * FROM instance_rows")
        filing = pa.Table.from_pylist(
            [{"cik": "0001577552", "entity_name": "Alibaba Group Holding Ltd", "accession_number": BABA_FY2026,
              "form": "20-F", "filing_date": date(2026, 6, 30), "report_date": date(2026, 3, 31),
              "acceptance_datetime": "", "primary_document": "baba-20260331.htm", "is_xbrl": True}],
            schema=arrow_schema("sec_filings"),
        )  # fmt: skip
        con.register("filing_rows", _with_lineage(filing, "submissions/CIK0001577552"))
        con.execute("INSERT INTO raw.sec_filings BY NAME SELECT * FROM filing_rows")
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
    # BABA's own capex rows put PaymentsToAcquireOtherPropertyPlantAndEquipment before PP&E: 60 in the FY2024
    # filing, although the default chain's first concept (PP&E, 70) is in the same filing (which has no
    # instance here, so no combined line)
    assert reported[("BABA", "capex")] == [
        ("PaymentsToAcquireOtherPropertyPlantAndEquipment", 60.0, "2024-03-31"),
        # issue 21: the FY2026 filing tags Alibaba's combined line (an extension, from the instance, CNY
        # 130; the USD 19 is left out) beside the companyfacts proxy (100): the combined line, first
        ("PaymentsToAcquireLandUseRightsPropertyAndEquipment", 130.0, "2026-03-31"),
    ]
    # a metric BABA has no row for still follows the default chain
    assert reported[("BABA", "revenue")] == [("Revenues", 900.0, "2024-03-31")]
