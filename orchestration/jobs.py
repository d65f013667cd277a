"""The one job: a full refresh is one Dagster run.

Every source (the universe first), the Great Expectations checks, one ``dbt build``, serving and
the report, in one process (in-process executor): one DuckDB writer, one GX context, one dbt call
(in lake mode, in parallel processes: see ``parallel_config``).
Price bars are partitioned by month, so a run names a range of months (the ones not loaded yet and
the current one); everything else runs once per run. ``make run`` (orchestration/run.py) and the
daily schedule launch it.
"""

import dagster as dg

# Lake mode (AIGAP_WAREHOUSE) lifts the one-writer rule: the same job runs its steps in parallel
# processes (orchestration/run.py passes this config; a cluster deployment swaps in dagster-k8s's
# executor, docs/scale-out.md). The embedded file keeps the in-process default.
IN_PROCESS = {"execution": {"config": {"in_process": {}}}}


# imported once by the forkserver, inherited by every step process (no thread is started by importing them)
PRELOADED = ["orchestration.definitions", "great_expectations"]


def parallel_config(workers: int) -> dict:
    """Run config of a lake-mode refresh: each step in its own process, ``workers`` at a time.

    The step processes are forked from a server process that imported the definitions once
    (``forkserver``), not spawned: a spawned step imports Dagster, dagster-dbt and the dbt manifest
    anew before it does any work, which took 8 to 20 s per step on the shared 2 cores, for ~30 steps.
    Great Expectations is preloaded too: each raw table's suite is a step of its own here, and its
    import alone is seconds (ingestion/quality.py imports it lazily, for the runs that never check).
    """
    return {
        "execution": {
            "config": {
                "multiprocess": {
                    "max_concurrent": workers,
                    "start_method": {"forkserver": {"preload_modules": PRELOADED}},
                }
            }
        }
    }


refresh = dg.define_asset_job(
    name="refresh",
    selection=dg.AssetSelection.all(),
    description="Land and load every source (price bars for the run's range of months), run every check, "
    "one dbt build (models + tests), publish serving, draw the report.",
    executor_def=dg.multi_or_in_process_executor,
    config=IN_PROCESS,
)
