"""``make run``: a full refresh as one Dagster run, then a short summary.

The run covers every source and, for the price bars, the months not loaded yet plus the current one
(a first run: every month since 2019; later runs: usually the current month alone). The run is
recorded in the Dagster instance at ``DAGSTER_HOME`` (by default ``$AIGAP_HOME/dagster``), so ``make dev`` shows it with its logs, metadata and checks.
"""

from __future__ import annotations

import os
import sys
import time

import dagster as dg

from ingestion.config import Settings, load_settings
from ingestion.locking import WarehouseBusy
from ingestion.publish.summary import print_summary
from ingestion.warehouse import describe
from orchestration.definitions import defs, refresh_job
from orchestration.instance import prepare_home, write_instance_config
from orchestration.jobs import parallel_config
from orchestration.partitions import MONTHS

PRICE_BARS = dg.AssetKey(["raw", "prices_daily"])


def months_to_load(instance: dg.DagsterInstance, settings: Settings) -> tuple[str, str]:
    """The first month whose bars are not loaded yet, and the current month (always reloaded).

    Dagster's record of materialized partitions says what is loaded; a warehouse file that does not
    exist (a new AIGAP_HOME beside an old DAGSTER_HOME) has nothing loaded.
    """
    keys = MONTHS.get_partition_keys()
    exists = settings.is_lake or settings.db_path.exists()  # the lake's catalog and Dagster's share a server
    done = instance.get_materialized_partitions(PRICE_BARS) if exists else set()
    missing = [k for k in keys[:-1] if k not in done]
    return (missing[0] if missing else keys[-1]), keys[-1]


def instance(settings: Settings) -> dg.DagsterInstance:
    """DAGSTER_HOME's instance, else the one beside the warehouse (what `make dev` opens too).

    In lake mode, its storage is PostgreSQL (orchestration/instance.py).
    """
    if settings.is_lake:
        return dg.DagsterInstance.from_config(str(prepare_home(settings)))
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    home = settings.dagster_home
    write_instance_config(home)  # no telemetry, no newsletter modal (orchestration/instance.py)
    return dg.DagsterInstance.from_config(str(home))


def run_refresh(instance: dg.DagsterInstance, settings: Settings):
    """One refresh run: its result (ExecuteInProcessResult, or in lake mode execute_job's result)."""
    first, last = months_to_load(instance, settings)
    print(f"refresh: price bars {first[:7]}..{last[:7]}, every other source whole")
    tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
    if settings.is_lake:  # several writers at once: each step in its own process (the lake has no run lock)
        print(f"lake mode: {settings.lake_workers} step(s) at a time, {describe(settings)}")
        return dg.execute_job(
            dg.reconstructable(refresh_job),
            instance=instance,
            tags=tags,
            run_config=parallel_config(settings.lake_workers),
            raise_on_error=False,
        )
    return defs.resolve_job_def("refresh").execute_in_process(
        instance=instance, tags=tags, raise_on_error=False
    )


def _busy(result: dg.ExecuteInProcessResult) -> str | None:
    """The busy message when the run failed only because another run holds the warehouse."""
    for event in result.all_events:
        if event.is_failure and event.event_specific_data is not None:
            error = getattr(event.event_specific_data, "error", None)
            while error is not None:
                if error.cls_name == WarehouseBusy.__name__:
                    return error.message.strip()
                error = error.cause
    return None


def main() -> int:
    started = time.monotonic()
    settings = load_settings()
    result = run_refresh(instance(settings), settings)
    wall = time.monotonic() - started
    print(f"run {result.run_id} refresh: {'ok' if result.success else 'FAILED'} in {wall:.0f}s")
    if not result.success:
        busy = _busy(result)
        if busy:
            print(f"aigap run not started: {busy}", file=sys.stderr)
            return 1
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        print(f"\nrun {result.run_id} FAILED at step(s): {', '.join(failed) or 'unknown'}", file=sys.stderr)
        print(f"the serving file was not replaced: {settings.serving_db_path}", file=sys.stderr)
        print("see the run's logs with `make dev` (Runs tab)", file=sys.stderr)
        return 1
    print_summary(settings, run_ids=[result.run_id], wall_seconds=wall)
    return 0


if __name__ == "__main__":
    sys.exit(main())
