"""Build the analysts' dashboard (Observable Framework, ``dashboard/``) as a static site.

``python -m ingestion.publish.dashboard`` (``make dashboard``) writes ``$AIGAP_HOME/dashboard/``: one
``index.html`` per page, with its charts (Observable Plot, SVG) and the JSON extracts they plot.

Data comes from the published serving file only: a hard link to it is taken at the start (a copy
when the link cannot be made), so a run that publishes a new file meanwhile renames over the path,
not over the linked inode, and every extract of one build is of the same version. Each extract of
:data:`EXTRACTS` is one dbt model of the serving file (``report.rpt_*``, ``dashboard.dash_*``), read whole
and written to ``dashboard/src/data/<name>.json`` by DuckDB: the dashboard holds no SQL of its own, so a
metric means the same here, in the report and in an analyst's query. Then ``observable build`` renders the
pages of ``dashboard/src/``. The site replaces the previous one by renames, so a browser never gets half a
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
DATA_DIR = PROJECT_DIR / "src" / "data"


@dataclass(frozen=True)
class Extract:
    """One data file of the pages: ``src/data/<name>.json`` holds every row of ``model``, in ``order_by``."""

    name: str
    model: str  # schema.view: a dbt model (marts/report, marts/dashboard), or a view the publish step writes
    order_by: str

    @property
    def sql(self) -> str:
        return f"SELECT * FROM {self.model} ORDER BY {self.order_by}"


# What the pages read (FileAttachment("data/<name>.json")). The dbt exposure `dashboard`
# (dbt_project/models/marts/exposures.yml) lists the same models; the two audit views are written by
# ingestion/publish/serving.py over the check results and quarantine tables.
EXTRACTS: tuple[Extract, ...] = (
    Extract("headline", "dashboard.dash_headline", "as_of_date"),
    Extract("sample_flags", "dashboard.dash_sample_flags", "page"),
    Extract("baskets", "report.rpt_basket_indices", "basket, date"),
    Extract("basket_members", "report.rpt_basket_members", "basket, ticker"),
    Extract("events", "report.rpt_export_control_events", "event_date, event_id"),
    Extract("ev_to_rd", "report.rpt_ev_to_rd", "ticker, date"),
    Extract("return_on_research", "report.rpt_return_on_research", "entity_type, entity"),
    Extract("compute_access", "report.rpt_compute_access_ratio", "date"),
    Extract(
        "event_study", "report.rpt_event_study", "event_date, event_id, entity_type, entity, event_window"
    ),
    Extract("fundamentals_coverage", "dashboard.dash_fundamentals_coverage", "ticker, fiscal_year, metric"),
    Extract("check_results", "audit.latest_check_results", "status, layer, check_name"),
    Extract("quarantine", "audit.quarantine_summary", "table_name, n_rows DESC"),
)


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


def _missing(con: duckdb.DuckDBPyConnection, extracts: tuple[Extract, ...]) -> list[str]:
    have = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
        ).fetchall()
    }
    return [e.model for e in extracts if e.model not in have]


def extract_data(snapshot: Path, data_dir: Path, extracts: tuple[Extract, ...] = EXTRACTS) -> dict[str, int]:
    """Write every model of ``extracts`` from the serving file to ``<name>.json``; returns rows per extract."""
    shutil.rmtree(data_dir, ignore_errors=True)  # extracts of an earlier build must not survive
    data_dir.mkdir(parents=True)
    rows = {}
    with duckdb.connect(str(snapshot), read_only=True) as con:
        if missing := _missing(con, extracts):
            raise DashboardError(
                f"{snapshot} has no {', '.join(missing)}: the dashboard reads these dbt models "
                "(ingestion/publish/dashboard.py EXTRACTS); publish a run that built them (make run)"
            )
        for extract in extracts:
            target = data_dir / f"{extract.name}.json"
            try:
                con.execute(f"COPY ({extract.sql}) TO '{target}' (FORMAT json, ARRAY true)")
                rows[extract.name] = con.execute(f"SELECT count(*) FROM {extract.model}").fetchone()[0]
            except duckdb.Error as exc:
                raise DashboardError(
                    f"dashboard extract {extract.name} ({extract.model}) failed on {snapshot}: {exc}"
                ) from exc
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
