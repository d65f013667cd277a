"""The run summary's one line per company, from marts.fct_fundamentals_coverage and the anomalies mart."""

from __future__ import annotations

import duckdb

from ingestion.publish.summary import coverage_lines


def marts(coverage: list[tuple], anomalies: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_fundamentals_coverage (ticker varchar, fiscal_year integer, metric varchar,"
        " is_present boolean, has_annual_report boolean, basis varchar)"
    )
    con.execute("create table marts.fct_fundamentals_anomalies (ticker varchar, anomaly varchar)")
    if coverage:
        con.executemany("insert into marts.fct_fundamentals_coverage values (?, ?, ?, ?, ?, ?)", coverage)
    if anomalies:
        con.executemany("insert into marts.fct_fundamentals_anomalies values (?, ?)", anomalies)
    return con


def test_one_line_per_company_counts_years_with_an_annual_report() -> None:
    coverage = []
    for year in (2021, 2022, 2023):
        coverage += [
            ("GOOGL", year, "revenue", True, True, "reported"),
            # R&D missing in 2022: 2 of 3
            ("GOOGL", year, "rd_expense", year != 2022, True, "reported" if year != 2022 else None),
            ("GOOGL", year, "shares_outstanding", True, True, "balance_sheet"),
            ("GOOGL", year, "cash", True, True, "reported"),
        ]
    # a year without an annual report counts in neither side
    coverage.append(("GOOGL", 2024, "revenue", False, False, None))
    coverage += [
        ("AMZN", 2023, "rd_expense", True, True, "proxy"),
        ("AMZN", 2023, "revenue", True, True, "reported"),
    ]
    con = marts(
        coverage,
        [
            ("GOOGL", "core_metric_missing"),
            ("GOOGL", "quarters_do_not_sum"),
            ("GOOGL", "quarters_do_not_sum"),
        ],
    )
    lines = coverage_lines(con)
    assert lines == [
        "AMZN     2023-2023  revenue 1/1  rd 1/1 (proxy)  shares 0/0  other 0/0  anomalies 0",
        "GOOGL    2021-2024  revenue 3/3  rd 2/3  shares 3/3 (balance sheet)  other 3/3"
        "  anomalies 3 (core_metric_missing 1, quarters_do_not_sum 2)",
    ]


def test_no_coverage_mart_no_lines() -> None:
    con = duckdb.connect()
    con.execute("create schema marts")
    assert coverage_lines(con) == []
