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


def test_above_20_companies_the_summary_shows_the_distribution_not_a_line_per_company() -> None:
    from ingestion.publish.summary import coverage_summary

    coverage = []
    for i in range(25):
        ticker = f"C{i:02d}"
        for year in (2023, 2024):
            # revenue: everyone, every year. rd_expense: C00-C04 lack it in 2024 (their latest year),
            # C05 lacks it in 2023 only, C06 in both years
            rd_present = not ((i < 5 and year == 2024) or (i == 5 and year == 2023) or i == 6)
            coverage += [
                (ticker, year, "revenue", True, True, "reported"),
                (ticker, year, "rd_expense", rd_present, True, "reported" if rd_present else None),
            ]
    # a company whose only year has no annual report counts in no metric's denominator
    coverage.append(("NOAR", 2024, "revenue", False, False, None))
    con = marts(
        coverage,
        [("C00", "core_metric_missing"), ("C00", "implausible_jump"), ("C01", "core_metric_missing")],
    )
    heading, lines = coverage_summary(con)
    assert heading.startswith("fundamentals coverage over 26 companies")
    # rd_expense over 25 companies with an annual report: latest year present for 25 - 5 (C00-C04) - 1 (C06)
    # = 19 (76.0 %); every year: 25 - 5 - 1 (C05) - 1 (C06) = 18; none: C06 only
    assert lines == [
        "rd_expense                 latest year 19/25 ( 76.0 %)  every year 18  none 1",
        "revenue                    latest year 25/25 (100.0 %)  every year 25  none 0",
        "companies with anomalies: 2 (companies per kind: core_metric_missing 2, implausible_jump 1)",
    ]
    # at or below the limit: one line per company, as before
    _, per_company = coverage_summary(con, max_lines=26)
    assert len(per_company) == 26 and per_company[0].startswith("C00 ")
