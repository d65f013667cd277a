"""Loading landed files into the raw layer of the DuckDB warehouse.

One rule for every source: the newest landed file per key replaces that key's raw rows
(delete-then-insert inside one transaction), so reloading never duplicates and a file that was
already loaded with the same sha256 is skipped. A file that fails to parse is recorded in
``quarantine.landing_files`` with its reason and never reaches raw.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.errors import BadSourceFile
from ingestion.landing import LandedFile, LandingIntegrityError, LandingZone
from ingestion.raw_tables import LINEAGE, TABLES, arrow_schema, create_table_sql

log = logging.getLogger(__name__)

# A parser turns one landed document into rows of one or more raw tables.
Parser = Callable[[LandedFile, bytes], dict[str, pa.Table]]

QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS quarantine.landing_files (
    source VARCHAR, source_key VARCHAR, source_file VARCHAR, sha256 VARCHAR, url VARCHAR,
    reason VARCHAR, run_id VARCHAR, detected_at TIMESTAMPTZ
)"""


def connect(db_path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(db_path), read_only=read_only)


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    for schema in ("raw", "quarantine", "audit"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for table in TABLES:
        con.execute(create_table_sql(table))
    con.execute(QUARANTINE_DDL)


@dataclass
class LoadReport:
    source: str
    loaded: list[str] = field(default_factory=list)  # keys whose rows were replaced
    unchanged: list[str] = field(default_factory=list)  # keys already loaded with the same bytes
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (landing path, reason)
    rows: dict[str, int] = field(default_factory=dict)  # rows written per raw table

    def summary(self) -> str:
        rows = ", ".join(f"{t}={n}" for t, n in sorted(self.rows.items())) or "no rows"
        return (
            f"{self.source}: {len(self.loaded)} file(s) loaded ({rows}), "
            f"{len(self.unchanged)} unchanged, {len(self.rejected)} rejected"
        )


def _with_lineage(table: str, data: pa.Table, entry: LandedFile, loaded_at: datetime) -> pa.Table:
    expected = arrow_schema(table)
    if data.schema.names != expected.names:
        raise ValueError(
            f"parser for raw.{table} returned columns {data.schema.names}, expected {expected.names}"
        )
    data = data.cast(expected)
    n = data.num_rows
    fetched_at = datetime.fromisoformat(entry.fetched_at)
    values = {
        "source_key": entry.key,
        "source_file": entry.path,
        "sha256": entry.sha256,
        "fetched_at": fetched_at,
        "is_sample": entry.is_sample,
        "loaded_at": loaded_at,
    }
    for name, typ in LINEAGE:
        data = data.append_column(pa.field(name, typ), pa.repeat(pa.scalar(values[name], typ), n))
    return data


def _loaded_versions(con: duckdb.DuckDBPyConnection, tables: list[str]) -> set[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    for table in tables:
        seen.update(con.execute(f"SELECT DISTINCT source_key, sha256 FROM raw.{table}").fetchall())
    return seen


def _parse_or_quarantine(
    con: duckdb.DuckDBPyConnection,
    zone: LandingZone,
    entry: LandedFile,
    parse: Parser,
    report: LoadReport,
    run_id: str,
    at: datetime,
) -> dict[str, pa.Table] | None:
    """Parse one landed file; a bad or tampered file is recorded in quarantine and gives None."""
    try:
        return parse(entry, zone.read(entry))
    except (BadSourceFile, LandingIntegrityError) as exc:
        reason = exc.reason if isinstance(exc, BadSourceFile) else str(exc)
        log.error("rejected %s (%s): %s", entry.path, entry.key, reason)
        report.rejected.append((entry.path, reason))
        con.execute(
            "INSERT INTO quarantine.landing_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [entry.source, entry.key, entry.path, entry.sha256, entry.url, reason, run_id, at],
        )
        return None


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, data: pa.Table, entry: LandedFile, at: datetime
) -> None:
    con.register("_incoming", _with_lineage(table, data, entry, at))
    con.execute(f"INSERT INTO raw.{table} BY NAME SELECT * FROM _incoming")
    con.unregister("_incoming")


def load_landed(
    con: duckdb.DuckDBPyConnection,
    zone: LandingZone,
    source: str,
    parse: Parser,
    tables: list[str],
    *,
    run_id: str = "",
    keys: set[str] | None = None,
) -> LoadReport:
    """Load the newest landed file of every key of ``source`` (or only ``keys``) into raw."""
    ensure_schemas(con)
    report = LoadReport(source=source)
    loaded = _loaded_versions(con, tables)
    loaded_at = datetime.now(UTC)
    latest = zone.latest(source)
    for key, entry in sorted(latest.items()):
        if keys is not None and key not in keys:
            continue
        if (key, entry.sha256) in loaded:
            report.unchanged.append(key)
            continue
        parsed = _parse_or_quarantine(con, zone, entry, parse, report, run_id, loaded_at)
        if parsed is None:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            for table in tables:
                con.execute(f"DELETE FROM raw.{table} WHERE source_key = ?", [key])
            for table, data in parsed.items():
                if table not in tables:
                    raise ValueError(
                        f"parser for {source} returned rows for raw.{table}, not one of {tables}"
                    )
                _insert(con, table, data, entry, loaded_at)
                report.rows[table] = report.rows.get(table, 0) + data.num_rows
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        report.loaded.append(key)
        log.info("loaded %s (%s) into %s", entry.path, key, ", ".join(parsed))
    log.info(report.summary())
    return report


def load_window(
    con: duckdb.DuckDBPyConnection,
    zone: LandingZone,
    entries: list[LandedFile],
    parse: Parser,
    table: str,
    *,
    entity_column: str,
    date_column: str,
    start: date,
    end: date,
    run_id: str = "",
) -> LoadReport:
    """Replace the rows of ``table`` dated ``start``..``end`` for each entity the files cover.

    The rule for daily-partitioned data: reloading a day deletes that day's rows (of the entities
    present in the landed files) and inserts the landed ones, whatever file they came from before,
    so a day is never duplicated. Rows outside the window are left alone.
    """
    ensure_schemas(con)
    report = LoadReport(source=entries[0].source if entries else table)
    loaded_at = datetime.now(UTC)
    for entry in entries:
        parsed = _parse_or_quarantine(con, zone, entry, parse, report, run_id, loaded_at)
        if parsed is None or table not in parsed:
            continue
        data = parsed[table]
        days = data[date_column]
        data = data.filter(
            pc.and_(pc.greater_equal(days, pa.scalar(start)), pc.less_equal(days, pa.scalar(end)))
        )
        entities = pc.unique(parsed[table][entity_column]).to_pylist()
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                f"DELETE FROM raw.{table} WHERE {entity_column} IN (SELECT unnest(?)) "
                f"AND {date_column} BETWEEN ? AND ?",
                [entities, start, end],
            )
            _insert(con, table, data, entry, loaded_at)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        report.rows[table] = report.rows.get(table, 0) + data.num_rows
        report.loaded.append(entry.key)
    log.info("%s for %s..%s", report.summary(), start, end)
    return report
