"""Row counts and small previews of warehouse tables, for the Dagster UI."""

from __future__ import annotations

import duckdb


def row_count(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    return con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]


def preview_markdown(con: duckdb.DuckDBPyConnection, schema: str, table: str, *, limit: int = 10) -> str:
    """The newest rows (by a date column when there is one) as a markdown table."""
    columns = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position",
            [schema, table],
        ).fetchall()
    ]
    order = next((c for c in ("date", "filed_date", "event_date", "window_end") if c in columns), None)
    sql = (
        f'SELECT * FROM "{schema}"."{table}"'
        + (f' ORDER BY "{order}" DESC' if order else "")
        + f" LIMIT {limit}"
    )
    rows = con.execute(sql).fetchall()

    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:,.4g}"
        return str(value).replace("|", "\\|") if value is not None else ""

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
