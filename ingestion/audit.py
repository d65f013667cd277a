"""``audit.check_results``: every check of every run, so a check's history can be queried; and
``audit.dbt_builds``: what each successful dbt build read."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

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


# dbt's result status -> audit status (GX and the row rules write passed/failed)
_DBT_STATUS = {"pass": "passed", "fail": "failed", "warn": "warned", "error": "error", "skipped": "skipped"}
_DBT_LAYERS = ("staging", "intermediate", "marts")


def _dbt_tested(node: dict, manifest: dict) -> tuple[str, str]:
    """(layer, asset) of the model, seed or source a dbt test is about, e.g. ("raw", "raw.fx_rates")."""
    # a generic test names the node it is attached to; a singular or unit test, the models it reads
    target = node.get("attached_node") or next(iter((node.get("depends_on") or {}).get("nodes") or []), None)
    if target is None:
        return "dbt", "dbt"
    if target.startswith("source."):
        source = manifest.get("sources", {}).get(target, {})
        schema = source.get("schema") or source.get("source_name") or "raw"
        return "raw", f"{schema}.{source.get('name') or target.rsplit('.', 1)[-1]}"
    tested = manifest.get("nodes", {}).get(target, {})
    name = tested.get("name") or target.rsplit(".", 1)[-1]
    fqn = tested.get("fqn") or []
    layer = next((part for part in fqn if part in _DBT_LAYERS), tested.get("resource_type") or "dbt")
    schema = (tested.get("config") or {}).get("schema") or layer
    return layer, f"{schema}.{name}"


def record_dbt_results(
    con: duckdb.DuckDBPyConnection, *, run_id: str, run_results: dict, manifest: dict
) -> int:
    """Keep every dbt test and unit test of one ``dbt build`` in audit.check_results.

    ``run_results`` and ``manifest`` are dbt's run_results.json and manifest.json of that invocation
    (dagster-dbt: ``invocation.get_artifact(...)``). Status is passed, failed, warned, error or
    skipped; ``blocking`` is true for error-severity tests (dbt build skips what is downstream of a
    failing one); ``failing_rows`` is dbt's failure count. Returns the number of rows recorded.
    """
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(DDL)
    checked_at = datetime.now(UTC)
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    rows = []
    for result in run_results.get("results", []):
        unique_id = result.get("unique_id", "")
        kind = unique_id.split(".", 1)[0]
        if kind not in ("test", "unit_test"):
            continue
        node = nodes.get(unique_id, {"resource_type": kind})
        node.setdefault("resource_type", kind)
        layer, asset = _dbt_tested(node, manifest)
        severity = str((node.get("config") or {}).get("severity") or "error").lower()
        status = _DBT_STATUS.get(str(result.get("status")), str(result.get("status")))
        detail = {
            "unique_id": unique_id,
            "kind": kind,
            "severity": severity,
            "message": result.get("message"),
            "execution_time": result.get("execution_time"),
        }
        rows.append(
            [
                run_id,
                node.get("name") or unique_id.rsplit(".", 1)[-1],
                layer,
                asset,
                status,
                severity == "error",
                result.get("failures") or 0,
                orjson.dumps(detail, default=str).decode(),
                checked_at,
            ]
        )
    if rows:
        con.executemany("INSERT INTO audit.check_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


# -- dbt builds: what each successful build read, so a run with nothing new can skip it ----------

BUILDS_DDL = """
CREATE TABLE IF NOT EXISTS audit.dbt_builds (run_id VARCHAR, inputs_fingerprint VARCHAR, built_at TIMESTAMPTZ)"""


def dbt_inputs_fingerprint(con: duckdb.DuckDBPyConnection, project_sha256: str, today: date) -> str:
    """SHA-256 of everything a dbt build reads: the project (models, seeds, tests: its manifest), every
    raw table (rows and when they were last loaded) and the day (models reaching up to today)."""
    tables = [
        t
        for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' ORDER BY 1"
        ).fetchall()
    ]
    state = [con.execute(f"SELECT count(*), max(loaded_at) FROM raw.{t}").fetchone() for t in tables]
    payload = {"project": project_sha256, "today": today, "raw": dict(zip(tables, state, strict=True))}
    return hashlib.sha256(orjson.dumps(payload, default=str)).hexdigest()


def last_dbt_build(con: duckdb.DuckDBPyConnection) -> tuple[str, str, datetime] | None:
    """(run_id, inputs_fingerprint, built_at) of the latest successful dbt build, if any."""
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(BUILDS_DDL)
    return con.execute(
        "SELECT run_id, inputs_fingerprint, built_at FROM audit.dbt_builds ORDER BY built_at DESC LIMIT 1"
    ).fetchone()


def record_dbt_build(con: duckdb.DuckDBPyConnection, run_id: str, fingerprint: str) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute(BUILDS_DDL)
    con.execute("INSERT INTO audit.dbt_builds VALUES (?, ?, ?)", [run_id, fingerprint, datetime.now(UTC)])
