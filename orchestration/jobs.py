"""Jobs. A Dagster run targets one partitions definition at most, so a full refresh is three runs:
filings (every company, one run), price bars (every day, one run), then everything else.

``make run`` (orchestration/run.py) and the daily schedules run them in that order.
"""

import dagster as dg

from orchestration.assets.ingestion import FILINGS_ASSETS, PRICE_BAR_ASSETS
from orchestration.partitions import SEC_COMPANIES, TRADING_DAYS

filings_by_company = dg.define_asset_job(
    name="filings_by_company",
    selection=dg.AssetSelection.assets(*FILINGS_ASSETS),
    partitions_def=SEC_COMPANIES,
    description="Land and load SEC filings of the selected companies (a backfill of several runs as one).",
    executor_def=dg.in_process_executor,
)

prices_by_day = dg.define_asset_job(
    name="prices_by_day",
    selection=dg.AssetSelection.assets(*PRICE_BAR_ASSETS),
    partitions_def=TRADING_DAYS,
    description="Land and load the price bars of the selected days (delete-then-insert per day).",
    executor_def=dg.in_process_executor,
)

full_refresh = dg.define_asset_job(
    name="full_refresh",
    # The partitioned raw tables' GX checks run again here, blocking dbt if those tables went bad.
    selection=(dg.AssetSelection.all() - dg.AssetSelection.assets(*FILINGS_ASSETS, *PRICE_BAR_ASSETS))
    | dg.AssetSelection.checks_for_assets(*FILINGS_ASSETS, *PRICE_BAR_ASSETS),
    description="Reference data, FX, events and Federal Register; GX checks on every raw table; one dbt "
    "build (models + tests); publish serving; report. Runs after filings_by_company and prices_by_day.",
    executor_def=dg.in_process_executor,
)

PARTITIONED_JOBS = [filings_by_company, prices_by_day]
