"""Walls of ``make run`` as ratios to the tool floor measured in the same run, on the bundled sample.

The **floor** is what any run of this stack pays before doing work: one process importing dagster,
dagster_dbt, great_expectations, duckdb and pandas, plus a two-model ``dbt build`` with dbt-duckdb.
Then, in a fresh AIGAP_HOME, each a separate process as a user or a schedule starts it:

1. first run: ``python -m orchestration.run`` on an empty warehouse (every source, every month, dbt,
   serving, report) -- target <= 4x the floor;
2. second run: the same command again with nothing new (the current month is reloaded, dbt, serving
   and report rerun) -- target <= 2x;
3. one-day price refresh: the price bars of the current month (where a new day lands), landed and
   loaded, as ``dagster asset materialize --select raw/prices_daily --partition <month>`` would --
   target <= 1.5x.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"first run": 4.0, "second run (nothing new)": 2.0, "one-day price refresh": 1.5}

IMPORTS = "import dagster, dagster_dbt, great_expectations, duckdb, pandas"
PRICE_REFRESH = """
import dagster as dg
from orchestration.definitions import defs
from orchestration.partitions import MONTHS
from orchestration.run import instance
from ingestion.config import load_settings
result = defs.resolve_job_def("refresh").execute_in_process(
    instance=instance(load_settings()),
    partition_key=MONTHS.get_last_partition_key(),
    asset_selection=[dg.AssetKey(["landing", "prices"]), dg.AssetKey(["raw", "prices_daily"])],
)
assert result.success
"""
FLOOR_PROJECT = {
    "dbt_project.yml": 'name: floor\nversion: "1.0"\nconfig-version: 2\nprofile: floor\n',
    "profiles.yml": "floor:\n  target: main\n  outputs:\n    main:\n      type: duckdb\n      path: floor.duckdb\n",
    "models/first.sql": "select 1 as x",
    "models/second.sql": "select x + 1 as y from {{ ref('first') }}",
}


def timed(cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    started = time.monotonic()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def floor(env: dict[str, str], scratch: Path) -> float:
    project = scratch / "floor"
    for name, body in FLOOR_PROJECT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(body)
    dbt = str(Path(sys.executable).with_name("dbt"))
    imports = timed([sys.executable, "-c", IMPORTS], env)
    build = timed([dbt, "build", "--profiles-dir", str(project)], env, cwd=project)
    print(f"floor: imports {imports:5.1f} s + two-model dbt build {build:5.1f} s = {imports + build:5.1f} s")
    return imports + build


def main() -> int:
    scratch = Path(tempfile.mkdtemp(prefix="aigap-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIGAP_", "DAGSTER_HOME"))}
    env["AIGAP_HOME"] = str(scratch / "warehouse")
    base = floor(env, scratch)
    run = [sys.executable, "-m", "orchestration.run"]
    walls = {
        "first run": timed(run, env),
        "second run (nothing new)": timed(run, env),
        "one-day price refresh": timed([sys.executable, "-c", PRICE_REFRESH], env),
    }
    failed = 0
    for name, wall in walls.items():
        ratio, target = wall / base, TARGETS[name]
        verdict = "OK" if ratio <= target else "ABOVE TARGET"
        failed += verdict != "OK"
        print(f"{name:<26} {wall:7.1f} s = {ratio:4.2f}x the floor (target <= {target}x): {verdict}")
    load = os.getloadavg()[0]
    print(f"[load {load:.2f} on {os.cpu_count()} cores; one process at a time]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
