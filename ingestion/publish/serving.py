"""Publishing the serving copy that analysts and BI tools open read-only.

The working file is copied into a temporary file beside the serving file, checked, and renamed
over it: a rename is atomic on POSIX, so a reader sees either the previous good file or the new
one, never half of a run. Readers that already hold the old file open keep reading it (the
inode lives until they close it). Parquet copies are replaced file by file the same way.

The copy is written in an older storage format (``SERVING_STORAGE_VERSION``) so the DuckDB 1.x
clients that BI tools bundle (JDBC drivers, duckdb-engine, Evidence's node driver) can open it;
the working file stays on the newest format. The analysts' table macros (``serving_macros.sql``)
are created in the copy before it goes live.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

# The oldest storage format that holds every type the marts use (DATE, TIMESTAMP, DECIMAL, DOUBLE,
# BIGINT, VARCHAR, BOOLEAN): DuckDB 1.0 and every later client open it, 1.4 and 1.5 included,
# which is what BI drivers bundle. The tests open the published file with a real 1.5 client.
SERVING_STORAGE_VERSION = "v1.0.0"
# DuckDB table macros for analysts (fundamentals_as_of, valuation_on), created in the serving copy.
MACROS_SQL = (Path(__file__).with_name("serving_macros.sql")).read_text()


@dataclass
class PublishReport:
    serving_db: Path
    bytes: int
    seconds: float
    mart_rows: dict[str, int] = field(default_factory=dict)
    parquet_files: list[Path] = field(default_factory=list)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# The temporary names used below: ".<name>.<pid>.tmp", and the WAL DuckDB keeps beside the serving
# copy while it writes it (".<name>.<pid>.tmp.wal").
_TEMP_NAME = re.compile(r"^\..+\.(\d+)\.tmp(\.wal)?$")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(directory: Path) -> list[Path]:
    """Delete the temporary files of publishes whose process is gone (a run killed mid-publish).

    Nobody reads them (they never went live), but each holds a whole copy of the warehouse. A file
    whose process still runs is left alone: it may be another publish in progress.
    """
    removed = []
    if not directory.is_dir():
        return removed
    for path in directory.iterdir():
        match = _TEMP_NAME.match(path.name)
        if not match or not path.is_file():
            continue
        pid = int(match.group(1))
        if pid == os.getpid() or not _pid_alive(pid):
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        log.warning("removed %d file(s) left by a publish that was killed: %s", len(removed), removed)
    return removed


def list_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create each macro of serving_macros.sql whose marts the warehouse has.

    DuckDB binds a macro when it is created, so a macro that no longer fits its mart's columns
    stops the publish with the reason; a warehouse without the mart (a partial one) goes without.
    """
    have = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'marts'"
        ).fetchall()
    }
    for parsed in con.extract_statements(MACROS_SQL):  # DuckDB's own parser splits the file
        statement = parsed.query
        name = re.search(r"MACRO\s+(\w+)", statement).group(1)
        missing = sorted(set(re.findall(r"marts\.(\w+)", statement)) - have)
        if missing:
            log.warning("macro %s not created: the warehouse has no %s", name, ", ".join(missing))
            continue
        try:
            con.execute(statement)
        except duckdb.Error as exc:
            raise RuntimeError(
                f"macro {name} (ingestion/publish/serving_macros.sql) no longer fits the marts: {exc}"
            ) from exc


def create_lake_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Lake mode: the same macros in the DuckLake catalog (its schema main), where DuckDB clients that
    attach the lake read-only find them (DuckLake keeps macros in its catalog like views)."""
    _create_macros(con)


def _create_quality_views(con: duckdb.DuckDBPyConnection) -> None:
    """Views over audit and quarantine for analysts and the dashboard's data-quality page.

    The quarantine tables are one per raw table (their set grows with the sources), so their
    summary is written from the catalog at publish time rather than by hand.
    """
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'quarantine' ORDER BY table_name"
        ).fetchall()
    ]
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    if tables:
        # a table with nothing kept out still shows, with reason null and n_rows 0
        parts = [
            f"SELECT '{t}' AS table_name, reason, count(*) AS n_rows FROM quarantine.{_quote(t)} GROUP BY reason "
            f"UNION ALL SELECT '{t}', NULL, 0 WHERE NOT EXISTS (SELECT 1 FROM quarantine.{_quote(t)})"
            for t in tables
        ]
        body = "\nUNION ALL\n".join(parts)
    else:
        body = "SELECT NULL::VARCHAR AS table_name, NULL::VARCHAR AS reason, 0::BIGINT AS n_rows WHERE false"
    # One row per quarantine table and reason: rows (or, for landing_files, files) kept out.
    con.execute(f"CREATE OR REPLACE VIEW audit.quarantine_summary AS\n{body}")
    has_checks = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'audit' AND table_name = 'check_results'"
    ).fetchone()[0]
    if has_checks:
        # The latest result of each check (a GX suite on a raw table, a dbt test).
        con.execute(
            "CREATE OR REPLACE VIEW audit.latest_check_results AS "
            "SELECT check_name, layer, asset, status, blocking, failing_rows, checked_at, run_id "
            "FROM audit.check_results "
            "QUALIFY row_number() OVER (PARTITION BY check_name, asset ORDER BY checked_at DESC) = 1"
        )


def _quiet(con: duckdb.DuckDBPyConnection) -> None:
    """No progress bar: DuckDB draws one on stdout for a statement that runs over two seconds (a
    publish on a loaded machine), which lands in the step's log and in the stdout of any process that
    publishes, as stray lines. A session setting, so a connection the run already holds is shared."""
    con.execute("SET enable_progress_bar = false")


def write_serving_copy(
    db_path: Path,
    target: Path,
    storage_version: str = SERVING_STORAGE_VERSION,
    open_source: Callable[[], duckdb.DuckDBPyConnection] | None = None,
) -> None:
    """Copy every schema, table, view and sequence of ``db_path`` into a new file ``target``
    written in ``storage_version``, add the analysts' macros, and fsync it.

    ``open_source`` opens another warehouse instead of ``db_path`` (lake mode: the DuckLake catalog
    attached read-only as the connection's default catalog, one snapshot of it copied).
    """
    target.unlink(missing_ok=True)
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    # The same connection settings as the run's own (read-write), so an instance the run's
    # process still holds is shared rather than refused.
    with open_source() if open_source else duckdb.connect(str(db_path)) as con:
        _quiet(con)
        if open_source is None:
            con.execute("CHECKPOINT")
        source = con.execute("SELECT current_database()").fetchone()[0]
        path = str(target).replace("'", "''")
        con.execute(f"ATTACH '{path}' AS serving_copy (STORAGE_VERSION '{storage_version}')")
        try:
            con.execute(f"COPY FROM DATABASE {_quote(source)} TO serving_copy")
            con.execute("USE serving_copy")
            _create_macros(con)
            _create_quality_views(con)
        finally:
            con.execute(f"USE {_quote(source)}")
            con.execute("DETACH serving_copy")
    with open(target, "rb+") as fh:
        os.fsync(fh.fileno())


def publish(
    db_path: Path,
    serving_db_path: Path,
    parquet_dir: Path,
    open_source: Callable[[], duckdb.DuckDBPyConnection] | None = None,
) -> PublishReport:
    """Replace the serving file (and the marts' Parquet files) with the current warehouse
    (``db_path``, or what ``open_source`` opens: see ``write_serving_copy``)."""
    started = time.monotonic()
    serving_db_path.parent.mkdir(parents=True, exist_ok=True)
    parquet_dir.mkdir(parents=True, exist_ok=True)
    remove_leftovers(serving_db_path.parent)
    remove_leftovers(parquet_dir)
    tmp = serving_db_path.with_name(f".{serving_db_path.name}.{os.getpid()}.tmp")
    try:
        write_serving_copy(db_path, tmp, open_source=open_source)
        # Open the copy before it goes live: a file that does not open is never published.
        with duckdb.connect(str(tmp), read_only=True) as check:
            _quiet(check)
            marts = list_marts(check)
            rows = {m: check.execute(f'SELECT count(*) FROM marts."{m}"').fetchone()[0] for m in marts}
            parquet_files = []
            for mart in marts:
                target = parquet_dir / f"{mart}.parquet"
                part = parquet_dir / f".{mart}.parquet.{os.getpid()}.tmp"
                check.execute(f"COPY marts.\"{mart}\" TO '{part}' (FORMAT parquet, COMPRESSION zstd)")
                os.replace(part, target)
                parquet_files.append(target)
        size = tmp.stat().st_size
        os.replace(tmp, serving_db_path)
        _fsync_dir(serving_db_path.parent)
    finally:
        tmp.unlink(missing_ok=True)
    report = PublishReport(serving_db_path, size, time.monotonic() - started, rows, parquet_files)
    log.info("published %s (%d bytes, %d marts) in %.1fs", serving_db_path, size, len(rows), report.seconds)
    return report
