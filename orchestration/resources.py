"""Resources: the DuckDB warehouse (holding the run lock) and the dbt CLI, both at AIGAP_HOME."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from ingestion.locking import warehouse_lock
from orchestration.dbt_project import dbt_project
from orchestration.settings import SETTINGS


class WarehouseResource(DuckDBResource):
    """DuckDBResource that holds the warehouse's run lock for as long as the run executes.

    With the in-process executor, resources are set up once per run, so the lock spans every
    step: a second run started meanwhile waits ``lock_wait_seconds`` and then fails, naming the
    run that holds the lock.
    """

    lock_path: str
    lock_wait_seconds: float = 0.0

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["WarehouseResource"]:
        run_id = context.run.run_id if context.run else "no run"
        with warehouse_lock(
            Path(self.lock_path),
            holder=f"dagster run {run_id}",
            wait_seconds=self.lock_wait_seconds,
        ):
            yield self


def build_resources() -> dict:
    SETTINGS.home.mkdir(parents=True, exist_ok=True)
    return {
        "duckdb": WarehouseResource(database=str(SETTINGS.db_path), lock_path=str(SETTINGS.lock_path)),
        "dbt": DbtCliResource(
            project_dir=dbt_project,
            profiles_dir=str(dbt_project.profiles_dir),
            # The dbt installed beside this Python, whether or not the venv is on PATH.
            dbt_executable=str(Path(sys.executable).with_name("dbt")),
        ),
    }
