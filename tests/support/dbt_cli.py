"""Real dbt, run as a subprocess on a test's own warehouse: ``$home/aigap.duckdb``.

The tests that build a handful of models on fixture rows, and the dbt unit tests, drive dbt the same
way a user would by hand (``dbt_project/profiles.yml`` finds the file through AIGAP_HOME); each keeps
its target and logs under ``home`` so that nothing is written into the project.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


def dbt(home: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """``dbt <args>`` against ``home/aigap.duckdb``; the caller asserts on the return code."""
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            *args,
            "--profiles-dir",
            str(DBT_PROJECT),
            "--target-path",
            str(home / "target"),
            "--log-path",
            str(home / "logs"),
        ],
        cwd=DBT_PROJECT,
        env={**os.environ, "AIGAP_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def dbt_ok(home: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """``dbt <args>`` that must succeed; fails with the end of dbt's output otherwise."""
    run = dbt(home, *args, timeout=timeout)
    assert run.returncode == 0, (
        f"dbt {' '.join(args)} exited {run.returncode}:\n{run.stdout[-4000:]}{run.stderr[-2000:]}"
    )
    return run


def run_results(home: Path) -> dict[str, dict]:
    """The last invocation's results by unique id (``target/run_results.json``)."""
    results = json.loads((home / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"]: r for r in results}
