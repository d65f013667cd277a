"""Loading landed files into the raw layer of the DuckDB warehouse.

One rule for every source: the newest landed file per key replaces that key's raw rows
(delete-then-insert inside one transaction), so reloading never duplicates and a file that was
already loaded with the same sha256 is skipped. A file that fails to parse is recorded in
``quarantine.landing_files`` with its reason and never reaches raw.

Rows of a file that parses but break a row-level rule (ingestion/row_rules.py) go to
``quarantine.<raw table>`` instead of raw: the raw columns, lineage included, plus ``reason``,
``run_id`` and ``quarantined_at``. Quarantine mirrors raw: it is replaced per landing key together
with raw, in the same transaction, so it always shows the rows kept out of the file raw holds for
that key (history per run is in ``audit.check_results``, check ``row_rules_<table>``).
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

from ingestion import row_rules
from ingestion.audit import record_check
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
        # same columns as raw (lineage included), plus why, which run and when
        con.execute(
            f"CREATE TABLE IF NOT EXISTS quarantine.{table} AS SELECT *, "
            "NULL::VARCHAR AS reason, NULL::VARCHAR AS run_id, NULL::TIMESTAMPTZ AS quarantined_at "
            f"FROM raw.{table} LIMIT 0"
        )
    con.execute(QUARANTINE_DDL)


@dataclass
class LoadReport:
    source: str
    loaded: list[str] = field(default_factory=list)  # keys whose rows were replaced
    unchanged: list[str] = field(default_factory=list)  # keys already loaded with the same bytes
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (landing path, reason)
    rows: dict[str, int] = field(default_factory=dict)  # rows written per raw table
    # rows kept out of raw by a row-level rule, per raw table (they are in quarantine.<table>)
    quarantined: dict[str, int] = field(default_factory=dict)
    # the same, per raw table and rule name (a row breaking two rules counts under both)
    quarantined_by_rule: dict[str, dict[str, int]] = field(default_factory=dict)

    def merge(self, other: LoadReport) -> None:
        """Add another load's files and counts to this report (one source loaded in two passes)."""
        self.loaded += other.loaded
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        for table, n in other.rows.items():
            self.rows[table] = self.rows.get(table, 0) + n
        for table, n in other.quarantined.items():
            self.quarantined[table] = self.quarantined.get(table, 0) + n
        for table, rules in other.quarantined_by_rule.items():
            merged = self.quarantined_by_rule.setdefault(table, {})
            for rule, n in rules.items():
                merged[rule] = merged.get(rule, 0) + n

    def summary(self) -> str:
        rows = ", ".join(f"{t}={n}" for t, n in sorted(self.rows.items())) or "no rows"
        kept_out = sum(self.quarantined.values())
        quarantined = ", ".join(f"{t}={n}" for t, n in sorted(self.quarantined.items()) if n)
        return (
            f"{self.source}: {len(self.loaded)} file(s) loaded ({rows}), "
            f"{kept_out} row(s) quarantined{f' ({quarantined})' if kept_out else ''}, "
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


def _judged_against_another_universe(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """Keys with rows in raw whose symbol, ticker or CIK left the universe, or rows quarantined as
    "not in the universe" whose symbol is back (``_universe`` registered)."""
    rule = row_rules.UNIVERSE_RULES.get(table)
    if rule is None:
        return set()
    known = f"(SELECT {rule.universe_column} FROM _universe WHERE {rule.universe_column} IS NOT NULL)"
    return {
        key
        for (key,) in con.execute(
            f"SELECT DISTINCT source_key FROM raw.{table} WHERE {rule.column} NOT IN {known} "
            f"UNION SELECT DISTINCT source_key FROM quarantine.{table} "
            f"WHERE {rule.column} IN {known} AND contains(reason, ?)",
            [row_rules.NOT_IN_UNIVERSE],
        ).fetchall()
    }


def _loaded_versions(
    con: duckdb.DuckDBPyConnection, tables: list[str], *, with_universe: bool
) -> set[tuple[str, str]]:
    """(key, sha256) of every file already in raw or quarantine and still judged the same way.

    A file is judged again when the universe moved under it: rows in raw whose symbol, ticker or
    CIK left the universe, or rows quarantined as "not in the universe" whose symbol is back.
    """
    seen: set[tuple[str, str]] = set()
    stale: set[str] = set()
    for table in tables:
        for schema in ("raw", "quarantine"):
            seen.update(con.execute(f"SELECT DISTINCT source_key, sha256 FROM {schema}.{table}").fetchall())
        if with_universe:
            stale |= _judged_against_another_universe(con, table)
    return {(key, sha) for key, sha in seen if key not in stale}


def _insert_checked(
    con: duckdb.DuckDBPyConnection,
    table: str,
    data: pa.Table,
    *,
    with_universe: bool,
    run_id: str,
    quarantined_at: datetime,
) -> tuple[int, int, dict[str, int]]:
    """Insert good rows into raw.<table>, rule-breaking ones into quarantine.<table>.

    Returns (rows to raw, rows to quarantine, quarantined rows per rule).
    """
    con.register("_incoming", data)
    try:
        (bad,) = con.execute(
            row_rules.count_bad_sql(table, "_incoming", with_universe=with_universe)
        ).fetchone()
        if not bad:  # the usual case: no row to keep out, insert as is
            con.execute(f"INSERT INTO raw.{table} BY NAME SELECT * FROM _incoming")
            return data.num_rows, 0, {}
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _checked AS "
            + row_rules.checked_sql(table, "_incoming", with_universe=with_universe)
        )
    finally:
        con.unregister("_incoming")
    con.execute(
        f"INSERT INTO raw.{table} BY NAME "
        "SELECT * EXCLUDE (reason, failed_rules) FROM _checked WHERE len(failed_rules) = 0"
    )
    con.execute(
        f"INSERT INTO quarantine.{table} BY NAME "
        "SELECT * EXCLUDE (failed_rules), ? AS run_id, ? AS quarantined_at "
        "FROM _checked WHERE len(failed_rules) > 0",
        [run_id, quarantined_at],
    )
    good, bad = con.execute(
        "SELECT count(*) FILTER (WHERE len(failed_rules) = 0), count(*) FILTER (WHERE len(failed_rules) > 0) "
        "FROM _checked"
    ).fetchone()
    by_rule = dict(
        con.execute(
            "SELECT rule, count(*) FROM (SELECT unnest(failed_rules) AS rule FROM _checked) "
            "GROUP BY rule ORDER BY rule"
        ).fetchall()
    )
    con.execute("DROP TABLE _checked")
    return good, bad, by_rule


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
    con: duckdb.DuckDBPyConnection,
    table: str,
    data: pa.Table,
    entry: LandedFile,
    at: datetime,
    report: LoadReport,
    *,
    with_universe: bool,
    run_id: str,
) -> None:
    """Insert one file's rows of ``table``: good rows to raw, rule-breaking rows to quarantine."""
    _insert_rows(
        con, table, _with_lineage(table, data, entry, at), f"{entry.path} ({entry.key})", at, report,
        with_universe=with_universe, run_id=run_id,
    )  # fmt: skip


def _insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: pa.Table,
    what: str,
    at: datetime,
    report: LoadReport,
    *,
    with_universe: bool,
    run_id: str,
) -> None:
    """Insert rows that carry their lineage already (of one file or several: ``what`` names them)."""
    good, bad, by_rule = _insert_checked(
        con, table, rows, with_universe=with_universe, run_id=run_id, quarantined_at=at
    )
    report.rows[table] = report.rows.get(table, 0) + good
    report.quarantined[table] = report.quarantined.get(table, 0) + bad
    merged = report.quarantined_by_rule.setdefault(table, {})
    for rule, n in by_rule.items():
        merged[rule] = merged.get(rule, 0) + n
    if bad:
        log.warning(
            "%s: %d row(s) of raw.%s quarantined (%s)",
            what,
            bad,
            table,
            ", ".join(f"{r}={n}" for r, n in by_rule.items()),
        )


def _with_universe(con: duckdb.DuckDBPyConnection, source: str, tables: list[str]) -> bool:
    """Expose raw.universe as ``_universe`` when a table has a universe rule; True if so.

    The universe is loaded before every other source (ingestion.sources.registry), so it is only
    missing when a caller loads a source alone on a new warehouse: the rules are then left out.
    """
    if not any(t in row_rules.UNIVERSE_RULES for t in tables):
        return False
    if not con.execute("SELECT count(*) > 0 FROM raw.universe").fetchone()[0]:
        log.warning("%s: raw.universe is empty, rows are not checked against it this time", source)
        return False
    con.execute("CREATE OR REPLACE TEMP VIEW _universe AS SELECT * FROM raw.universe")
    return True


def _record_row_rules(
    con: duckdb.DuckDBPyConnection, report: LoadReport, tables: list[str], run_id: str
) -> None:
    """One audit.check_results row per table that received rows: how many the rules kept out."""
    for table in tables:
        if table in report.rows or table in report.quarantined:
            record_check(
                con,
                run_id=run_id,
                check_name=f"row_rules_{table}",
                layer="raw",
                asset=f"raw.{table}",
                passed=not report.quarantined.get(table),
                blocking=False,
                failing_rows=report.quarantined.get(table, 0),
                detail={
                    "rows_loaded": report.rows.get(table, 0),
                    "quarantined_by_rule": report.quarantined_by_rule.get(table, {}),
                },
            )


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
    """Load the newest landed file of every key of ``source`` (or only ``keys``) into raw.

    Rows that break a row-level rule go to quarantine.<table> (``LoadReport.quarantined``).
    """
    ensure_schemas(con)
    report = LoadReport(source=source)
    with_universe = _with_universe(con, source, tables)
    try:
        loaded = _loaded_versions(con, tables, with_universe=with_universe)
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
                    con.execute(f"DELETE FROM quarantine.{table} WHERE source_key = ?", [key])
                for table, data in parsed.items():
                    if table not in tables:
                        raise ValueError(
                            f"parser for {source} returned rows for raw.{table}, not one of {tables}"
                        )
                    _insert(
                        con, table, data, entry, loaded_at, report, with_universe=with_universe, run_id=run_id
                    )
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            report.loaded.append(key)
            log.info("loaded %s (%s) into %s", entry.path, key, ", ".join(parsed))
    finally:
        if with_universe:
            con.execute("DROP VIEW IF EXISTS _universe")
    _record_row_rules(con, report, tables, run_id)
    log.info(report.summary())
    return report


def _windows_holding(
    con: duckdb.DuckDBPyConnection,
    table: str,
    entries: list[LandedFile],
    entity_column: str,
    date_column: str,
    start: date,
    end: date,
) -> set[str]:
    """The keys whose window already holds exactly their bytes: every raw and quarantined row of the
    window, for the entities the key has loaded before, came from this very file (key and sha256).

    Landing the same bytes again (a daily run with nothing new) then changes nothing, so the file is not
    parsed and reloaded; rows of the window from any other file mean it is. One query for all the files
    (thousands of symbols), not one per file.
    """
    if not entries:
        return set()
    wanted = pa.table(
        {"source_key": [e.key for e in entries], "sha256": [e.sha256 for e in entries]},
        schema=pa.schema([("source_key", pa.string()), ("sha256", pa.string())]),
    )
    con.register("_wanted", wanted)
    try:
        parts = " UNION ALL ".join(
            f"SELECT {entity_column} AS entity, {date_column} AS day, source_key, sha256 FROM {schema}.{table}"
            for schema in ("raw", "quarantine")
        )
        rows = con.execute(
            f"""
            WITH stored AS ({parts}),
            entities AS (
                SELECT DISTINCT stored.source_key, stored.entity FROM stored
                JOIN _wanted USING (source_key)
            ),
            in_window AS (
                SELECT entities.source_key AS for_key, stored.source_key, stored.sha256
                FROM stored JOIN entities USING (entity)
                WHERE stored.day BETWEEN $start AND $end
            )
            SELECT w.source_key FROM in_window AS i JOIN _wanted AS w ON i.for_key = w.source_key
            GROUP BY w.source_key
            HAVING count(*) > 0
               AND count(*) = count(*) FILTER (WHERE i.sha256 = w.sha256 AND i.source_key = w.source_key)
            """,
            {"start": start, "end": end},
        ).fetchall()
    finally:
        con.unregister("_wanted")
    return {key for (key,) in rows}


# Files loaded per transaction by load_window: one DELETE and one INSERT for many symbols.
WINDOW_BATCH_FILES = 250


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
    so a day is never duplicated. Rows outside the window are left alone. Row-level rules apply
    as in ``load_landed``: the window's quarantined rows are replaced alongside its raw rows.
    """
    ensure_schemas(con)
    report = LoadReport(source=entries[0].source if entries else table)
    loaded_at = datetime.now(UTC)
    with_universe = _with_universe(con, report.source, [table])
    try:
        rejudge = _judged_against_another_universe(con, table) if with_universe else set()
        holding = _windows_holding(con, table, entries, entity_column, date_column, start, end)
        todo = []
        for entry in entries:
            if entry.key not in rejudge and entry.key in holding:
                report.unchanged.append(entry.key)
            else:
                todo.append(entry)
        parts: list[pa.Table] = []
        entities: set = set()
        keys: list[str] = []

        def flush() -> None:
            # one transaction for the batch: the window's rows of its symbols replaced at once
            if not keys:
                return
            con.execute("BEGIN TRANSACTION")
            try:
                for schema in ("raw", "quarantine"):
                    con.execute(
                        f"DELETE FROM {schema}.{table} WHERE {entity_column} IN (SELECT unnest(?)) "
                        f"AND {date_column} BETWEEN ? AND ?",
                        [sorted(entities), start, end],
                    )
                _insert_rows(
                    con, table, pa.concat_tables(parts), f"{len(keys)} file(s) of {report.source}", loaded_at,
                    report, with_universe=with_universe, run_id=run_id,
                )  # fmt: skip
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            report.loaded.extend(keys)
            parts.clear()
            entities.clear()
            keys.clear()

        for entry in todo:
            parsed = _parse_or_quarantine(con, zone, entry, parse, report, run_id, loaded_at)
            if parsed is None or table not in parsed:
                continue
            data = parsed[table]
            mine = set(pc.unique(data[entity_column]).to_pylist())
            if mine & entities or len(keys) >= WINDOW_BATCH_FILES:
                flush()  # a later file of the same symbol replaces the earlier one's window, as one by one
            days = data[date_column]
            data = data.filter(
                pc.and_(pc.greater_equal(days, pa.scalar(start)), pc.less_equal(days, pa.scalar(end)))
            )
            parts.append(_with_lineage(table, data, entry, loaded_at))
            entities.update(mine)
            keys.append(entry.key)
        flush()
    finally:
        if with_universe:
            con.execute("DROP VIEW IF EXISTS _universe")
    _record_row_rules(con, report, [table], run_id)
    log.info("%s for %s..%s", report.summary(), start, end)
    return report
