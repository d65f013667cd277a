"""``make run``: a full refresh in one process, then a short summary.

A Dagster run covers one partitions definition at most, so a full refresh is three runs, in
order: every company's filings, every day's price bars (each as one single-run backfill), then
``full_refresh`` (the rest, the checks, dbt, serving and the report). The first failure stops
the sequence, so a bad input never reaches the serving file.

Runs are recorded in the Dagster instance at ``DAGSTER_HOME`` (the Makefile points it at
``$AIGAP_HOME/dagster``), so ``make dev`` shows them with their logs, metadata and checks.
"""

import sys
import time

import dagster as dg
import duckdb

from ingestion.locking import WarehouseBusy, warehouse_lock
from ingestion.summary import print_summary
from orchestration.definitions import defs
from orchestration.partitions import SEC_COMPANIES, TRADING_DAYS
from orchestration.settings import SETTINGS


def _range(first: str, last: str) -> dict[str, str]:
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


def missing_days(instance: dg.DagsterInstance) -> list[str]:
    """Days whose bars are not loaded yet, and always the latest day (it may have been partial).

    Dagster's record of materialized partitions says what is loaded; if the warehouse file has no
    bars at all (a new AIGAP_HOME beside an old DAGSTER_HOME), every day is missing.
    """
    keys = TRADING_DAYS.get_partition_keys()
    done = instance.get_materialized_partitions(dg.AssetKey(["raw", "prices_daily"]))
    if done and not _warehouse_has_bars():
        done = set()
    return [k for k in keys[:-1] if k not in done] + keys[-1:]


def _warehouse_has_bars() -> bool:
    if not SETTINGS.db_path.exists():
        return False
    with duckdb.connect(str(SETTINGS.db_path), read_only=True) as con:
        found = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = 'prices_daily'"
        ).fetchone()[0]
        return bool(found) and con.execute("SELECT count(*) > 0 FROM raw.prices_daily").fetchone()[0]


def run_all(instance: dg.DagsterInstance) -> list[dg.ExecuteInProcessResult]:
    """The three runs of a full refresh, stopping at the first that fails.

    Filings: every company. Price bars: from the first missing day to the latest (a first run
    loads the whole history; later runs only what is new). Then everything downstream.
    """
    companies = SEC_COMPANIES.get_partition_keys()
    days = missing_days(instance)
    plan = [
        ("filings_by_company", _range(companies[0], companies[-1])),
        ("prices_by_day", _range(days[0], days[-1])),
        ("full_refresh", {}),
    ]
    results = []
    for job, tags in plan:
        started = time.monotonic()
        result = defs.resolve_job_def(job).execute_in_process(
            instance=instance, tags=tags, raise_on_error=False
        )
        results.append(result)
        print(
            f"run {result.run_id} {job}: {'ok' if result.success else 'FAILED'} in {time.monotonic() - started:.0f}s"
        )
        if not result.success:
            break
    return results


def main() -> int:
    started = time.monotonic()
    # One lock for the three runs and what comes before them (reading which price days are loaded),
    # so a second `make run` fails here, naming this one, instead of slipping in between two of
    # them or tripping over DuckDB's own file lock. Each run's warehouse resource re-enters it.
    try:
        with warehouse_lock(SETTINGS.lock_path, holder="python -m orchestration.run"):
            results = run_all(dg.DagsterInstance.get())
    except WarehouseBusy as exc:
        print(f"aigap run not started: {exc}", file=sys.stderr)
        return 1
    wall = time.monotonic() - started
    last = results[-1]
    if not last.success:
        failed = [e.step_key for e in last.all_events if e.is_step_failure]
        print(f"\nrun {last.run_id} FAILED at step(s): {', '.join(failed) or 'unknown'}", file=sys.stderr)
        print(f"the serving file was not replaced: {SETTINGS.serving_db_path}", file=sys.stderr)
        print("see the run's logs with `make dev` (Runs tab)", file=sys.stderr)
        return 1
    print_summary(SETTINGS, run_ids=[r.run_id for r in results], wall_seconds=wall)
    return 0


if __name__ == "__main__":
    sys.exit(main())
