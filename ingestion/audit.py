"""``audit.check_results``: every check of every run, so a check's history can be queried."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import orjson

DDL = """
CREATE TABLE IF NOT EXISTS audit.check_results (
    run_id VARCHAR, check_name VARCHAR, layer VARCHAR, asset VARCHAR, status VARCHAR,
    blocking BOOLEAN, failing_rows BIGINT, detail JSON, checked_at TIMESTAMPTZ
)"""


def record_check(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    check_name: str,
    layer: str,
    asset: str,
    passed: bool,
    blocking: bool,
    failing_rows: int,
    detail: object = None,
) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(DDL)
    con.execute(
        "INSERT INTO audit.check_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            check_name,
            layer,
            asset,
            "passed" if passed else "failed",
            blocking,
            failing_rows,
            orjson.dumps(detail, default=str).decode() if detail is not None else None,
            datetime.now(UTC),
        ],
    )
