"""The publish gate at breadth (docs/publish_rules.md): aggregate rules block, one company's anomaly
does not.

The parents of the gate are plain tables of a scratch warehouse (a universe of 20 companies in two
baskets, their valuations on the last trading days, their fundamentals coverage); dbt builds the real
dim_basket_member, fct_basket_member_coverage and fct_publish_gate on them, and the serving asset's
gate (ingestion/publish/gate.py) reads the result. Expected shares are computed here by hand.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from ingestion.publish.gate import PublishBlocked, check_publish_rules
from tests.support.dbt_cli import dbt_ok

pytestmark = pytest.mark.slow

LAST = date(2026, 11, 30)  # a Monday: the last trading day
PREVIOUS = date(2026, 11, 27)  # the Friday before
US = [f"U{i}" for i in range(10)]
HARDWARE = [f"H{i}" for i in range(10)]
MODELS = "dim_basket_member fct_basket_member_coverage fct_publish_gate"


def build(home: Path, valuations: list[tuple], missing_ni: set[str]) -> None:
    """The gate's parents as tables; U0 is also a member of hardware (two universe rows)."""
    with duckdb.connect(str(home / "aigap.duckdb")) as con:
        for schema in ("intermediate", "marts"):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.execute(
            "CREATE OR REPLACE TABLE intermediate.int_company_listings (ticker VARCHAR, role VARCHAR, basket VARCHAR)"
        )
        rows = [(t, "company", "US") for t in US] + [(t, "company", "hardware") for t in HARDWARE]
        rows += [("U0", "company", "hardware"), ("SPY", "benchmark", "US")]
        con.executemany("INSERT INTO intermediate.int_company_listings VALUES (?, ?, ?)", rows)
        con.execute("CREATE OR REPLACE TABLE marts.dim_company (ticker VARCHAR, basket VARCHAR)")
        con.executemany(
            "INSERT INTO marts.dim_company VALUES (?, ?)",
            [(t, "US") for t in US] + [(t, "hardware") for t in HARDWARE],
        )
        con.execute(
            "CREATE OR REPLACE TABLE marts.fct_valuation_daily (ticker VARCHAR, date DATE, "
            "shares_outstanding DOUBLE, fx_usd_per_unit DOUBLE, market_cap_usd DOUBLE, quality_flag VARCHAR)"
        )
        con.executemany("INSERT INTO marts.fct_valuation_daily VALUES (?, ?, ?, ?, ?, ?)", valuations)
        con.execute(
            "CREATE OR REPLACE TABLE marts.fct_fundamentals_coverage (ticker VARCHAR, fiscal_year INTEGER, "
            "metric VARCHAR, is_present BOOLEAN, has_annual_report BOOLEAN)"
        )
        coverage = []
        for ticker in US + HARDWARE:
            for metric in ("revenue", "rd_expense", "net_income", "shares_outstanding"):
                # 2024 has everything; the latest year (2025) lacks net income for the companies named,
                # and R&D for H9 (a company without an R&D line, as most of the market: never a gate)
                coverage.append((ticker, 2024, metric, True, True))
                present = not (metric == "net_income" and ticker in missing_ni)
                present = present and not (metric == "rd_expense" and ticker == "H9")
                coverage.append((ticker, 2025, metric, present, True))
        con.executemany("INSERT INTO marts.fct_fundamentals_coverage VALUES (?, ?, ?, ?, ?)", coverage)
    dbt_ok(home, "run", "--select", MODELS)


def valued(ticker: str, day: date, flag: str | None = None) -> tuple:
    return (ticker, day, 1e9, 1.0, 1e11, flag)


def healthy() -> list[tuple]:
    return [valued(t, d) for t in US + HARDWARE for d in (PREVIOUS, LAST)]


def gate(home: Path) -> dict[tuple[str, str], tuple]:
    with duckdb.connect(str(home / "aigap.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT rule, subject, observed, n_companies, passed, companies, message FROM marts.fct_publish_gate"
        ).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gate")


def test_one_companys_anomaly_alone_does_not_block_the_publish(home):
    # U9: flagged (an implausible jump), its price stopped 11 days before the last trading day (valued
    # on the Friday, 8 days old; not on Monday, 11 > 10), and no net income in its latest annual report
    stale = LAST - timedelta(days=11)
    rows = [r for r in healthy() if r[0] != "U9"] + [valued("U9", stale, "implausible_jump")]
    build(home, rows, missing_ni={"U9"})
    results = gate(home)
    # US: 9 of 10 valued = 90 % >= 90 %; hardware: 11 of 11 (H0..H9 and U0, a member of both baskets)
    assert results[("basket_members_valued", "US")][:4] == (0.9, 10, True, "U9 (price_stale)")
    assert results[("basket_members_valued", "hardware")][:4] == (1.0, 11, True, None)
    # net income in the latest year: 19 of 20 companies = 95 % >= 95 %
    assert results[("core_metric_coverage", "net_income")][:4] == (0.95, 20, True, "U9")
    assert results[("core_metric_coverage", "revenue")][:3] == (1.0, 20, True)
    # R&D is not a core metric: a company without an R&D line is a fact, not a gap (H9 above)
    assert ("core_metric_coverage", "rd_expense") not in results
    # U9 was lost overnight, but with a reason (price_stale): no member lost without one
    assert results[("basket_member_lost_without_reason", "US")][:3] == (0.0, 10, True)
    held = check_publish_rules(home / "aigap.duckdb")
    assert len(held) == 2 + 3 + 2 and all(r.passed for r in held)


def test_a_basket_below_90_percent_valued_blocks_the_publish_naming_basket_and_companies(home):
    # H8 and H9 have no price at all (no valuation row): hardware 9 of 11 = 81.8 % < 90 %. U5 is
    # priced with a share count and FX on Monday but has no market cap: lost without a reason.
    rows = [r for r in healthy() if r[0] not in {"H8", "H9"} and (r[0], r[1]) != ("U5", LAST)]
    rows.append(("U5", LAST, 1e9, 1.0, None, None))
    build(home, rows, missing_ni=set())
    results = gate(home)
    observed, n, passed, companies, message = results[("basket_members_valued", "hardware")]
    assert (observed, n, passed) == (pytest.approx(9 / 11), 11, False)
    assert companies == "H8 (no_valuation), H9 (no_valuation)"
    assert message == (
        "basket hardware: 81.8 % of its 11 members valued on 2026-11-30 (rule: at least 90.0 %); "
        "not valued: H8 (no_valuation), H9 (no_valuation)"
    )
    # US: 9 of 10, U5 unexplained: the basket share holds, the lost-member rule does not
    assert results[("basket_members_valued", "US")][:4] == (0.9, 10, True, "U5 (unexplained)")
    assert results[("basket_member_lost_without_reason", "US")][:4] == (1.0, 10, False, "U5")
    with pytest.raises(PublishBlocked) as blocked:
        check_publish_rules(home / "aigap.duckdb")
    text = str(blocked.value)
    assert "publish blocked by 2 aggregate rule(s)" in text
    assert "basket hardware: 81.8 % of its 11 members valued on 2026-11-30" in text
    assert "not valued: H8 (no_valuation), H9 (no_valuation)" in text
    assert "basket US: 1 member(s) valued the day before 2026-11-30 and not on it" in text and ": U5" in text


def test_a_warehouse_without_the_gate_mart_is_not_published(tmp_path):
    duckdb.connect(str(tmp_path / "aigap.duckdb")).close()
    with pytest.raises(PublishBlocked, match="fct_publish_gate is missing or empty"):
        check_publish_rules(tmp_path / "aigap.duckdb")
