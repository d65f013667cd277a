"""Build the analysts' dashboard (Observable Framework, ``dashboard/``) as a static site.

``python -m ingestion.publish.dashboard`` (``make dashboard``) writes ``$AIGAP_HOME/dashboard/``: one
``index.html`` per page, with its charts (Observable Plot, SVG) and the JSON extracts they plot.

Data comes from the published serving file only: a hard link to it is taken at the start (a copy
when the link cannot be made), so a run that publishes a new file meanwhile renames over the path,
not over the linked inode, and every extract of one build is of the same version. Each
``dashboard/queries/<name>.sql`` runs against it read-only and is written to
``dashboard/src/data/<name>.json`` by DuckDB; then ``observable build`` renders the pages of
``dashboard/src/``. The site replaces the previous one by renames, so a browser never gets half a
build. Builds in one checkout are serialised by a lock on ``dashboard/.build.lock``.

Evidence was tried first and dropped: its DuckDB-WASM (>= 1.29, which its SQL needs) fetches the
Parquet extension from extensions.duckdb.org, at build time and in the browser, and hangs offline.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingestion.config import load_settings
from ingestion.publish.sites import swap_in

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dashboard"
QUERIES_DIR = PROJECT_DIR / "queries"
DATA_DIR = PROJECT_DIR / "src" / "data"
# A mart another part of the warehouse may not publish yet: its page falls back to a query of its own.
FALLBACKS = {"fundamentals_coverage": ("marts", "fct_fundamentals_coverage")}


@dataclass
class DashboardBuild:
    site: Path
    pages: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    npm_seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)  # rows per data extract


class DashboardError(RuntimeError):
    """The dashboard could not be built; the message says which step and shows its output."""


def _run(cmd: list[str], env: dict[str, str], step: str) -> None:
    proc = subprocess.run(
        cmd, cwd=PROJECT_DIR, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    if proc.returncode != 0:
        out = (proc.stdout + proc.stderr)[-4000:]
        raise DashboardError(f"dashboard {step} failed ({' '.join(cmd)}, exit {proc.returncode}):\n{out}")


def ensure_node_modules() -> float:
    """``npm ci`` when node_modules is missing or older than package-lock.json; returns seconds spent."""
    lock = PROJECT_DIR / "package-lock.json"
    stamp = PROJECT_DIR / "node_modules" / ".package-lock.json"
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return 0.0
    if shutil.which("npm") is None:
        raise DashboardError(
            "npm not found: the dashboard needs Node.js >= 18 and npm (apt-get install nodejs npm)"
        )
    started = time.monotonic()
    _run(["npm", "ci", "--no-audit", "--no-fund"], dict(os.environ), "npm ci")
    return time.monotonic() - started


def _snapshot(serving_db: Path, work: Path) -> Path:
    target = work / "aigap.duckdb"
    try:
        os.link(serving_db, target)
    except OSError:  # another filesystem: a copy is as consistent, only slower
        shutil.copyfile(serving_db, target)
    return target


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def extract_data(snapshot: Path, data_dir: Path) -> dict[str, int]:
    """Run every query of ``dashboard/queries`` on the serving file; write ``<name>.json`` (rows)."""
    shutil.rmtree(data_dir, ignore_errors=True)  # extracts of an earlier build must not survive
    data_dir.mkdir(parents=True)
    rows = {}
    with duckdb.connect(str(snapshot), read_only=True) as con:
        for query in sorted(QUERIES_DIR.glob("*.sql")):
            name = query.stem
            if name.endswith("_fallback"):
                continue
            if name in FALLBACKS and not _has_table(con, *FALLBACKS[name]):
                query = query.with_name(f"{name}_fallback.sql")
            sql = query.read_text().strip().rstrip(";")
            target = data_dir / f"{name}.json"
            try:
                con.execute(f"COPY ({sql}) TO '{target}' (FORMAT json, ARRAY true)")
                rows[name] = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
            except duckdb.Error as exc:
                raise DashboardError(f"dashboard query {query} failed on {snapshot}: {exc}") from exc
    return rows


def build_dashboard(serving_db: Path, site: Path) -> DashboardBuild:
    """Build the dashboard from ``serving_db`` into ``site`` (each page a folder with index.html)."""
    if not serving_db.is_file():
        raise DashboardError(f"no serving file at {serving_db}: run `make run` first")
    started = time.monotonic()
    site.parent.mkdir(parents=True, exist_ok=True)
    with open(PROJECT_DIR / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        npm_seconds = ensure_node_modules()
        work = site.with_name(f".{site.name}.{os.getpid()}.snapshot")
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            rows = extract_data(_snapshot(serving_db, work), DATA_DIR)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        env = dict(os.environ)
        env["OBSERVABLE_TELEMETRY_DISABLE"] = "true"  # no network here, and none wanted
        shutil.rmtree(PROJECT_DIR / "dist", ignore_errors=True)
        _run([str(PROJECT_DIR / "node_modules" / ".bin" / "observable"), "build"], env, "build")
        swap_in(PROJECT_DIR / "dist", site)
    pages = sorted(site.rglob("index.html"))
    result = DashboardBuild(site, pages, time.monotonic() - started, npm_seconds, rows)
    log.info("dashboard: %d pages in %s, built in %.1fs", len(pages), site, result.seconds)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="serving file (default: $AIGAP_HOME/serving/aigap.duckdb)")
    parser.add_argument("--out", type=Path, help="site folder (default: $AIGAP_HOME/dashboard)")
    args = parser.parse_args(argv)
    settings = load_settings()
    try:
        result = build_dashboard(args.db or settings.serving_db_path, args.out or settings.home / "dashboard")
    except DashboardError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"dashboard: {len(result.pages)} pages built in {result.seconds:.1f}s -> {result.site}/index.html")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    sys.exit(main())
