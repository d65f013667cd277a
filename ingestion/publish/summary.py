"""The short summary printed at the end of ``make run``, read from the serving file."""

from __future__ import annotations

import duckdb

from ingestion.baskets import basket_order
from ingestion.config import Settings
from ingestion.publish.serving import list_marts
from ingestion.warehouse import describe

# metrics printed by name in the coverage line (the other core metrics are counted together)
_NAMED = (("revenue", "revenue"), ("rd_expense", "rd"), ("shares_outstanding", "shares"))
# Above this many companies the summary shows how many companies have each metric (the distribution)
# instead of a line per company: 5,000 lines is not a summary.
COVERAGE_LINES_MAX = 20


def coverage_summary(
    con: duckdb.DuckDBPyConnection, max_lines: int = COVERAGE_LINES_MAX
) -> tuple[str, list[str]]:
    """(heading, lines): one line per company up to ``max_lines`` companies, else the distribution."""
    marts = set(list_marts(con))
    if "fct_fundamentals_coverage" not in marts:
        return "", []
    companies = con.execute("select count(distinct ticker) from marts.fct_fundamentals_coverage").fetchone()[
        0
    ]
    if companies <= max_lines:
        return (
            "fundamentals per company (years with an annual report that have the metric; anomalies are "
            "flagged, not withheld):",
            coverage_lines(con),
        )
    return (
        f"fundamentals coverage over {companies:,} companies (companies with an annual report that have the "
        "metric in their latest such year / in every such year / in none; anomalies are flagged, not withheld):",
        coverage_distribution_lines(con),
    )


def coverage_distribution_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """How many companies have each metric, from marts.fct_fundamentals_coverage (and the anomalies mart).

    e.g. ``revenue                     latest year 4,812/5,000 (96.2 %)  every year 4,500  none 30``:
    over the companies with at least one annual report, those whose latest year with an annual report
    has the metric, those that have it in every such year, and those that have it in none.
    """
    rows = con.execute(
        """
        with per_company as (
            select
                ticker,
                metric,
                count(*) filter (where is_present and has_annual_report) as present,
                count(*) filter (where has_annual_report) as expected,
                arg_max(is_present, fiscal_year) filter (where has_annual_report) as in_latest
            from marts.fct_fundamentals_coverage
            group by ticker, metric
        )
        select
            metric,
            count(*) filter (where expected > 0),
            count(*) filter (where expected > 0 and in_latest),
            count(*) filter (where expected > 0 and present = expected),
            count(*) filter (where expected > 0 and present = 0)
        from per_company
        group by metric
        order by metric
        """
    ).fetchall()
    lines = []
    for metric, companies, latest, every, none in rows:
        share = f"{100.0 * latest / companies:5.1f} %" if companies else "  n/a"
        lines.append(
            f"{metric:<26} latest year {latest:,}/{companies:,} ({share})  every year {every:,}  none {none:,}"
        )
    if "fct_fundamentals_anomalies" in set(list_marts(con)):
        flagged = con.execute(
            "select count(distinct ticker) from marts.fct_fundamentals_anomalies"
        ).fetchone()[0]
        kinds = con.execute(
            """
            select string_agg(anomaly || ' ' || n, ', ' order by n desc, anomaly)
            from (
                select anomaly, count(distinct ticker) as n
                from marts.fct_fundamentals_anomalies
                group by anomaly
            ) as kinds
            """
        ).fetchone()[0]
        lines.append(
            f"companies with anomalies: {flagged:,}" + (f" (companies per kind: {kinds})" if flagged else "")
        )
    return lines


def coverage_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """One line per company from marts.fct_fundamentals_coverage and marts.fct_fundamentals_anomalies.

    e.g. ``GOOGL  2019-2025  revenue 7/7  rd 7/7  shares 7/7 (balance sheet)  other 42/42  anomalies 0``:
    years with an annual report that have the metric / years with an annual report.
    """
    marts = set(list_marts(con))
    if "fct_fundamentals_coverage" not in marts:
        return []
    rows = con.execute(
        """
        select ticker, min(fiscal_year), max(fiscal_year), metric,
               count(*) filter (where is_present and has_annual_report),
               count(*) filter (where has_annual_report),
               string_agg(distinct basis, '/') filter (where is_present and metric = 'shares_outstanding'),
               bool_or(basis = 'proxy')
        from marts.fct_fundamentals_coverage
        group by ticker, metric
        order by ticker, metric
        """
    ).fetchall()
    anomalies: dict[str, list[tuple[str, int]]] = {}
    if "fct_fundamentals_anomalies" in marts:
        for ticker, kind, n in con.execute(
            "select ticker, anomaly, count(*) from marts.fct_fundamentals_anomalies group by all order by all"
        ).fetchall():
            anomalies.setdefault(ticker, []).append((kind, n))
    by_ticker: dict[str, dict[str, tuple]] = {}
    for ticker, first, last, metric, present, expected, basis, proxy in rows:
        by_ticker.setdefault(ticker, {})[metric] = (first, last, present, expected, basis, proxy)
    lines = []
    for ticker, metrics in by_ticker.items():
        first = min(m[0] for m in metrics.values())
        last = max(m[1] for m in metrics.values())
        parts = [f"{ticker:<8} {first}-{last}"]
        for metric, label in _NAMED:
            _, _, present, expected, basis, proxy = metrics.get(metric, (0, 0, 0, 0, None, False))
            note = f" ({basis.replace('_', ' ')})" if basis else (" (proxy)" if proxy else "")
            parts.append(f"{label} {present}/{expected}{note}")
        others = [m for name, m in metrics.items() if name not in dict(_NAMED)]
        parts.append(f"other {sum(m[2] for m in others)}/{sum(m[3] for m in others)}")
        found = anomalies.get(ticker, [])
        total = sum(n for _, n in found)
        parts.append(
            f"anomalies {total}" + (" (" + ", ".join(f"{k} {n}" for k, n in found) + ")" if found else "")
        )
        lines.append("  ".join(parts))
    return lines


def print_summary(settings: Settings, *, run_ids: list[str], wall_seconds: float) -> None:
    with duckdb.connect(str(settings.serving_db_path), read_only=True) as con:
        marts = list_marts(con)
        rows = {m: con.execute(f'SELECT count(*) FROM marts."{m}"').fetchone()[0] for m in marts}
        latest = con.execute(
            """
            select g.basket, g.date, g.index_2022_11_30, g.market_cap_usd, g.is_sample, g.n_members,
                   g.n_members_expected
            from marts.fct_basket_gap_daily g
            where g.date = (select max(date) from marts.fct_basket_gap_daily x where x.basket = g.basket)
            """
        ).fetchall()
        order = basket_order(r[0] for r in latest)
        latest.sort(key=lambda r: order.index(r[0]))
        secondary = secondary_facts_in_use(con, marts)
        coverage_heading, coverage = coverage_summary(con)
        pairs = (
            con.execute(
                """
                select p.pair, p.long_basket, p.short_basket, p.date, p.market_cap_ratio, p.index_ratio
                from marts.fct_pair_gap_daily p
                where p.date = (select max(date) from marts.fct_pair_gap_daily x where x.pair = p.pair)
                order by p.pair
                """
            ).fetchall()
            if "fct_pair_gap_daily" in marts
            else []
        )
    sample = any(r[4] for r in latest)
    print()
    print(
        f"aigap full refresh succeeded in {wall_seconds:.0f}s ({len(run_ids)} runs)"
        + ("  [SAMPLE DATA]" if sample else "")
    )
    print("rows per mart:")
    for mart, n in rows.items():
        print(f"  marts.{mart:<32} {n:>10,}")
    print("basket index (2022-11-30 = 100, the day ChatGPT launched):")
    for basket, day, index, cap, _, members, expected in latest:
        # an incomplete basket (a member without a market cap) has no index: say how many members it holds
        index_text = f"index {index:8.1f}" if index is not None else "index      n/a"
        cap_text = f"market cap {cap / 1e12:6.2f} tn USD" if cap is not None else "market cap n/a"
        print(f"  {basket:<8}  {day}  {index_text}   {cap_text}   ({members} of {expected} members)")
    if pairs:
        print("basket pairs (long ÷ short, latest day; fct_pair_gap_daily):")
        for pair, long_basket, short_basket, day, cap_ratio, index_ratio in pairs:
            cap_text = f"market cap {cap_ratio:6.2f}x" if cap_ratio is not None else "market cap    n/a"
            index_text = f"index {index_ratio:5.2f}x" if index_ratio is not None else "index   n/a"
            print(f"  {pair:<16} {long_basket}/{short_basket}  {day}  {cap_text}   {index_text}")
    if coverage:
        print(coverage_heading)
        for line in coverage:
            print(f"  {line}")
    if secondary is not None:
        facts, days = secondary
        print(
            f"secondary figures (press/aggregator, not the issuer's own text): {facts} current fact(s) in "
            f"fct_fundamentals, used on {days:,} valuation day(s)"
        )
    print("files:")
    print(f"  warehouse   {describe(settings)}")
    print(f"  serving     {settings.serving_db_path}   (open read-only: duckdb -readonly <file>)")
    print(f"  parquet     {settings.parquet_dir}/")
    print(f"  report      {settings.reports_dir / 'index.html'}")
    print(f"  dbt docs    {settings.reports_dir / 'dbt-docs' / 'static_index.html'}")
    print(f"  landing     {settings.landing_dir}/")


def secondary_facts_in_use(con: duckdb.DuckDBPyConnection, marts: list[str]) -> tuple[int, int] | None:
    """(current facts whose source_confidence is 'secondary', valuation days that use one), or None
    when the marts predate the confidence columns."""
    if "fct_fundamentals" not in marts or "fct_valuation_daily" not in marts:
        return None
    columns = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name in ('fct_fundamentals', 'fct_valuation_daily')"
        ).fetchall()
    }
    if not {"source_confidence", "uses_secondary_figure"} <= columns:
        return None
    facts = con.execute(
        "select count(*) from marts.fct_fundamentals where is_current_version and source_confidence = 'secondary'"
    ).fetchone()[0]
    days = con.execute(
        "select count(*) from marts.fct_valuation_daily where uses_secondary_figure"
    ).fetchone()[0]
    return facts, days
