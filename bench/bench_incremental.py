"""The wall of a one-day incremental run against a full run, on the bundled sample.

Three measurements in a fresh AIGAP_HOME, each a separate process (as a user or a schedule runs it):
1. full: ``python -m orchestration.run`` on an empty warehouse (every company, every day, dbt, serving);
2. incremental: the same command again: only the latest day's bars are loaded, dbt and serving rerun;
3. one day of prices: the ``prices_by_day`` job for the latest partition alone (what the daily
   schedule runs before the downstream refresh).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE_DAY = """
import dagster as dg
from orchestration.definitions import defs
from orchestration.partitions import TRADING_DAYS
day = TRADING_DAYS.get_last_partition_key()
result = defs.resolve_job_def("prices_by_day").execute_in_process(instance=dg.DagsterInstance.get(), partition_key=day)
assert result.success
"""


def timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="aigap-bench-"))
    env = {**os.environ, "AIGAP_HOME": str(home / "warehouse"), "DAGSTER_HOME": str(home / "dagster")}
    (home / "dagster").mkdir(parents=True)
    run = [sys.executable, "-m", "orchestration.run"]
    full = timed(run, env)
    incremental = timed(run, env)
    one_day = timed([sys.executable, "-c", ONE_DAY], env)
    load = os.getloadavg()[0]
    print(f"full run (empty warehouse, all days):      {full:7.1f} s")
    print(
        f"incremental run (latest day + downstream):  {incremental:7.1f} s  = {incremental / full:5.1%} of full"
    )
    print(f"one day of prices (prices_by_day, 1 day):   {one_day:7.1f} s  = {one_day / full:5.1%} of full")
    verdict = "OK" if one_day <= 0.2 * full else "ABOVE TARGET"
    print(f"target one day <= 20% of a full run: {verdict}   [load {load:.2f} on {os.cpu_count()} cores]")


if __name__ == "__main__":
    main()
