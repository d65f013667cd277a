"""Jobs: the whole graph, in one process (one DuckDB writer at a time)."""

import dagster as dg

full_refresh = dg.define_asset_job(
    name="full_refresh",
    selection=dg.AssetSelection.all(),
    description="Land every source, load raw, run the GX checks, dbt build (models + tests), publish serving.",
    executor_def=dg.in_process_executor,
)
