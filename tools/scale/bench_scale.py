"""``make bench-scale``: a synthetic market of N filers through ONE Dagster run, then a daily increment.

N is ``AIGAP_SCALE_COMPANIES`` (default 5000). The market (tools/scale/make_market.py) is written as a
sample snapshot in the sources' real formats; the run is the real ``refresh`` job (``python -m
orchestration.run``) with ``AIGAP_SAMPLE_DIR`` pointing at it, so SEC filings take the bulk path
(AIGAP_SEC_MODE=auto: bulk above 50 filers): both archives streamed into landing, only universe members
parsed, through landing -> raw -> dbt -> serving. Then one more trading day and 50 filers changed (new
CRCs in companyfacts.zip), and the job runs again.

The last two lines are exactly::

    scale: N companies, W s wall, R MB peak RSS, E Dagster events, V companies valued
    scale increment: W s wall, E Dagster events

W: wall seconds of the run (generation not counted); R: the peak resident memory of the largest process
of the run (the run or a dbt child); E: event-log records of the run in the Dagster instance; V: synthetic
companies with a market cap in the published serving file on its last day. ``AIGAP_SCALE_DIR`` keeps the
market and warehouse there (default: a temp folder, removed afterwards).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg
import duckdb

from tools.scale.make_market import generate

REPO = Path(__file__).resolve().parents[2]


def _env(market: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIGAP_", "DAGSTER_HOME"))}
    env.update(
        AIGAP_HOME=str(home),
        AIGAP_SOURCE="sample",
        AIGAP_SAMPLE_DIR=str(market),
        AIGAP_UNIVERSE=str(market / "universe.csv"),
        AIGAP_SEC_MODE=os.environ.get("AIGAP_SEC_MODE", "auto"),
        AIGAP_PRICES_PROVIDER="yahoo",  # the market's bars are Yahoo chart answers
        PYTHONUNBUFFERED="1",
    )
    return env


def _run(market: Path, home: Path, log: Path) -> tuple[float, str]:
    started = time.monotonic()
    with open(log, "ab") as out:
        rc = subprocess.call(
            [sys.executable, "-m", "orchestration.run"],
            cwd=REPO,
            env=_env(market, home),
            stdout=out,
            stderr=out,
        )
    wall = time.monotonic() - started
    if rc != 0:
        tail = log.read_text(errors="replace").splitlines()[-40:]
        raise SystemExit("bench-scale: the run failed (" + str(log) + "):\n" + "\n".join(tail))
    return wall, _last_run_id(home)


def _instance(home: Path) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(home / "dagster"))


def _last_run_id(home: Path) -> str:
    with _instance(home) as instance:
        return instance.get_runs(limit=1)[0].run_id


def _events(home: Path, run_id: str) -> int:
    with _instance(home) as instance:
        return len(instance.all_logs(run_id))


def _valued(home: Path) -> int:
    with duckdb.connect(str(home / "serving" / "aigap.duckdb"), read_only=True) as con:
        return con.execute(
            """
            SELECT count(DISTINCT ticker) FROM marts.fct_valuation_daily
            WHERE date = (SELECT max(date) FROM marts.fct_valuation_daily)
              AND market_cap_usd IS NOT NULL AND ticker LIKE 'Q%'
            """
        ).fetchone()[0]


def main() -> int:
    n = int(os.environ.get("AIGAP_SCALE_COMPANIES", "5000"))
    keep = os.environ.get("AIGAP_SCALE_DIR")
    root = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="aigap-scale-"))
    market, home, log = root / "market", root / "warehouse", root / "runs.log"
    if (home / "aigap.duckdb").exists():
        raise SystemExit(f"bench-scale: {home} already holds a warehouse; name an empty AIGAP_SCALE_DIR")
    try:
        t = time.monotonic()
        print(f"bench-scale: writing a synthetic market of {n} filers in {market}", flush=True)
        generate(market, n)
        print(
            f"bench-scale: market written in {time.monotonic() - t:.0f}s; first run (log: {log})", flush=True
        )
        wall, run_id = _run(market, home, log)
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        events, valued = _events(home, run_id), _valued(home)
        print(f"bench-scale: first run {run_id} done; one more trading day and 50 changed filers", flush=True)
        generate(market, n, increment=True)
        wall2, run_id2 = _run(market, home, log)
        events2 = _events(home, run_id2)
        print(f"scale: {n} companies, {wall:.0f} s wall, {rss_mb:.0f} MB peak RSS, {events} Dagster events, "
              f"{valued} companies valued")  # fmt: skip
        print(f"scale increment: {wall2:.0f} s wall, {events2} Dagster events")
        return 0
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
