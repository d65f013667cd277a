"""Publishing the serving copy that analysts and BI tools open read-only.

The working file is copied to a temporary file beside the serving file, checked, and renamed
over it: a rename is atomic on POSIX, so a reader sees either the previous good file or the new
one, never half of a run. Readers that already hold the old file open keep reading it (the
inode lives until they close it). Parquet copies are replaced file by file the same way.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)


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


# The temporary names used below: ".<name>.<pid>.tmp".
_TEMP_NAME = re.compile(r"^\..+\.(\d+)\.tmp$")


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


def publish(db_path: Path, serving_db_path: Path, parquet_dir: Path) -> PublishReport:
    """Replace the serving file (and the marts' Parquet files) with the current warehouse."""
    started = time.monotonic()
    serving_db_path.parent.mkdir(parents=True, exist_ok=True)
    parquet_dir.mkdir(parents=True, exist_ok=True)
    remove_leftovers(serving_db_path.parent)
    remove_leftovers(parquet_dir)
    # Fold the WAL into the main file so the copy is complete on its own.
    with duckdb.connect(str(db_path)) as con:
        con.execute("CHECKPOINT")
    tmp = serving_db_path.with_name(f".{serving_db_path.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(db_path, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        # Open the copy before it goes live: a file that does not open is never published.
        with duckdb.connect(str(tmp), read_only=True) as check:
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
