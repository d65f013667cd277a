"""Build the analysts' dashboard (Evidence, ``dashboard/``) as a static site from the serving file.

``python -m ingestion.dashboard`` (``make dashboard``) writes ``$AIGAP_HOME/dashboard/``: one
``index.html`` per page, plus the Parquet extracts the pages read in the browser (DuckDB-WASM).

It reads the published serving file only, through a hard link taken at the start (a copy when
the link cannot be made): a run that publishes a new file meanwhile renames over the path, not
over the linked inode, so every query of one build sees the same version. Evidence's DuckDB
driver (node, DuckDB 1.x) opens it read-only, which is why the serving file is written in a 1.x
storage version. The site replaces the previous one by renames, so a browser never gets half a
build. Builds in one checkout are serialised by a lock on ``dashboard/.build.lock``.
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

from ingestion.config import load_settings

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parent.parent / "dashboard"
SOURCE_DIR = PROJECT_DIR / "sources" / "aigap"


@dataclass
class DashboardBuild:
    site: Path
    pages: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    npm_seconds: float = 0.0


class DashboardError(RuntimeError):
    """The dashboard could not be built; the message says which step and shows its output."""


def _run(cmd: list[str], env: dict[str, str], step: str) -> None:
    proc = subprocess.run(cmd, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        out = (proc.stdout + proc.stderr)[-4000:]
        raise DashboardError(f"dashboard {step} failed ({' '.join(cmd)}, exit {proc.returncode}):\n{out}")
    # Evidence reports a failed source query on stdout and carries on: that would be an empty page.
    if step == "sources" and "Error" in proc.stdout + proc.stderr:
        raise DashboardError(f"dashboard sources: a query failed:\n{(proc.stdout + proc.stderr)[-4000:]}")


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


def _swap_in(built: Path, site: Path) -> None:
    """Replace ``site`` by ``built`` with two renames (the old site lives until the second)."""
    staged = site.with_name(f".{site.name}.{os.getpid()}.new")
    old = site.with_name(f".{site.name}.{os.getpid()}.old")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(built, staged)
    if site.exists():
        os.replace(site, old)
    os.replace(staged, site)
    shutil.rmtree(old, ignore_errors=True)


def build_dashboard(serving_db: Path, site: Path) -> DashboardBuild:
    """Build the Evidence site from ``serving_db`` into ``site`` (each page a folder with index.html)."""
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
            snapshot = _snapshot(serving_db, work)
            env = dict(os.environ)
            # The driver joins this to the source folder, so it must be relative to it.
            env["EVIDENCE_SOURCE__aigap__filename"] = os.path.relpath(snapshot, SOURCE_DIR)
            env["SEND_ANONYMOUS_USAGE_STATS"] = "no"  # Evidence's telemetry: no network here
            env.setdefault("NODE_ENV", "production")
            # Extracts of an earlier build must not survive into this one.
            shutil.rmtree(PROJECT_DIR / ".evidence" / "template" / "static" / "data", ignore_errors=True)
            evidence = str(PROJECT_DIR / "node_modules" / ".bin" / "evidence")
            _run([evidence, "sources"], env, "sources")
            _run([evidence, "build"], env, "build")
            _swap_in(PROJECT_DIR / "build", site)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    pages = sorted(site.rglob("index.html"))
    result = DashboardBuild(site, pages, time.monotonic() - started, npm_seconds)
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
