"""The short summary printed at the end of ``make run``, read from the serving file."""

from __future__ import annotations

import duckdb

from ingestion.config import Settings
from ingestion.publish.serving import list_marts


def print_summary(settings: Settings, *, run_ids: list[str], wall_seconds: float) -> None:
    with duckdb.connect(str(settings.serving_db_path), read_only=True) as con:
        marts = list_marts(con)
        rows = {m: con.execute(f'SELECT count(*) FROM marts."{m}"').fetchone()[0] for m in marts}
        latest = con.execute(
            """
            select g.basket, g.date, g.index_2022_11_30, g.market_cap_usd, g.is_sample
            from marts.fct_basket_gap_daily g
            where g.date = (select max(date) from marts.fct_basket_gap_daily x where x.basket = g.basket)
            order by g.basket desc
            """
        ).fetchall()
        secondary = secondary_facts_in_use(con, marts)
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
    for basket, day, index, cap, _ in latest:
        print(f"  {basket}  {day}  index {index:8.1f}   market cap {cap / 1e12:6.2f} tn USD")
    if secondary is not None:
        facts, days = secondary
        print(
            f"secondary figures (press/aggregator, not the issuer's own text): {facts} current fact(s) in "
            f"fct_fundamentals, used on {days:,} valuation day(s)"
        )
    print("files:")
    print(f"  warehouse   {settings.db_path}")
    print(f"  serving     {settings.serving_db_path}   (open read-only: duckdb -readonly <file>)")
    print(f"  parquet     {settings.parquet_dir}/")
    print(f"  report      {settings.reports_dir / 'index.html'}")
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
