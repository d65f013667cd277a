"""Resources: aigap's settings, the DuckDB warehouse (holding the run lock) and the dbt CLI.

Settings are read from the environment when a run starts (``AigapSettings.get``), not when the code
location is imported, so nothing here writes to ``os.environ`` and one default for the warehouse
path (``ingestion.config``) serves Dagster and dbt alike: dbt is handed the resolved path with
``--vars`` (``Settings.dbt_vars``, ``dbt_project/profiles.yml``).
"""

import importlib.metadata
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from packaging import version
from pydantic import PrivateAttr

from ingestion.config import Settings, load_settings
from ingestion.landing import LandingZone
from ingestion.locking import warehouse_lock
from ingestion.warehouse import open_warehouse
from orchestration.dbt_project import dbt_project


class AigapSettings(dg.ConfigurableResource):
    """aigap's settings (``ingestion.config.load_settings``): every AIGAP_* variable, read once when a
    run starts, and the run's landing zone, built once from them."""

    home: str | None = None  # overrides AIGAP_HOME (tests, a second warehouse)
    _settings: Settings | None = PrivateAttr(default=None)
    _zone: LandingZone | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._settings = self._load()
        self._zone = LandingZone(self._settings.landing_dir)

    def _load(self) -> Settings:
        env = dict(os.environ)
        if self.home:
            env["AIGAP_HOME"] = self.home
        return load_settings(env)

    def get(self) -> Settings:
        return self._settings or self._load()

    def zone(self) -> LandingZone:
        return self._zone or LandingZone(self.get().landing_dir)


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file of AIGAP_HOME, holding its run lock for as long as the run executes.

    With the in-process executor, resources are set up once per run, so the lock spans every
    step: a second run started meanwhile waits ``lock_wait_seconds`` and then fails, naming the
    run that holds the lock.

    In lake mode (AIGAP_WAREHOUSE, ingestion/lake.py) the warehouse is a DuckLake catalog that many
    processes write at once with snapshot isolation: no run lock, each connection attaches the lake.
    """

    settings: dg.ResourceDependency[AigapSettings]
    lock_wait_seconds: float = 0.0

    @property
    def database(self) -> str:
        return str(self.settings.get().db_path)

    @contextmanager
    def get_connection(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        settings = self.settings.get()
        if settings.is_lake:
            con = open_warehouse(settings, read_only=read_only)
        elif read_only:
            con = duckdb.connect(str(settings.db_path), read_only=True)
        else:
            path = settings.db_path
            path.parent.mkdir(parents=True, exist_ok=True)
            con = duckdb.connect(str(path))
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["WarehouseResource"]:
        if self.settings.get().is_lake:  # DuckLake's snapshots and conflict checks replace the lock
            # A catalog that cannot be attached fails the step here, naming AIGAP_WAREHOUSE, before it writes.
            open_warehouse(self.settings.get(), read_only=True).close()
            yield self
            return
        run_id = context.run.run_id if context.run else "no run"
        with warehouse_lock(
            self.settings.get().lock_path,
            holder=f"dagster run {run_id}",
            wait_seconds=self.lock_wait_seconds,
        ):
            # A run killed mid-landing may have left a temp copy; the lock means nobody writes now.
            for orphan in self.settings.zone().remove_orphaned_temp_files():
                context.log.info(f"removed {orphan}: the temp copy of a landing write that was killed")
            yield self


class AigapDbtCli(DbtCliResource):
    """The dbt CLI of this environment, which knows its dbt-core version without asking.

    dagster-dbt runs ``dbt --version`` in a subprocess before every invocation, to tell dbt-core
    from the Fusion engine: on two cores that is seven seconds (dbt's imports and a PyPI lookup)
    ahead of each build. ``dbt_executable`` is the dbt beside this Python, so its version is the
    installed dbt-core's (tests/unit/test_definitions_load.py compares the two).

    ``_cli_version`` is not public and no public setting skips the subprocess: dagster-dbt is pinned to
    one minor in pyproject.toml, and tests/unit/test_dagster_dbt_pins.py fails when the member changes.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))


def build_resources() -> dict:
    settings = AigapSettings()
    return {
        "settings": settings,
        "duckdb": WarehouseResource(settings=settings),
        "dbt": AigapDbtCli(
            project_dir=dbt_project,
            profiles_dir=str(dbt_project.profiles_dir),
            # The dbt installed beside this Python, whether or not the venv is on PATH.
            dbt_executable=str(Path(sys.executable).with_name("dbt")),
        ),
    }
