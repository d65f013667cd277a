"""The one job: a full refresh is one Dagster run.

Every source (the universe first), the Great Expectations checks, one ``dbt build``, serving and
the report, in one process (in-process executor): one DuckDB writer, one GX context, one dbt call.
Price bars are partitioned by month, so a run names a range of months (the ones not loaded yet and
the current one); everything else runs once per run. ``make run`` (orchestration/run.py) and the
daily schedule launch it.
"""

import dagster as dg

refresh = dg.define_asset_job(
    name="refresh",
    selection=dg.AssetSelection.all(),
    description="Land and load every source (price bars for the run's range of months), run every check, "
    "one dbt build (models + tests), publish serving, draw the report.",
    executor_def=dg.in_process_executor,
)
