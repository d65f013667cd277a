"""The one Dagster code location of aigap."""

import dagster as dg

from orchestration.assets.dbt import aigap_dbt
from orchestration.assets.ingestion import INGESTION_ASSETS
from orchestration.assets.report import report_html
from orchestration.assets.serving import serving_copy
from orchestration.checks.raw_checks import RAW_CHECKS
from orchestration.jobs import full_refresh
from orchestration.resources import build_resources
from orchestration.schedules import daily_refresh
from orchestration.sensors import fedreg_unreviewed_documents

defs = dg.Definitions(
    assets=[*INGESTION_ASSETS, aigap_dbt, serving_copy, report_html],
    asset_checks=RAW_CHECKS,
    jobs=[full_refresh],
    schedules=[daily_refresh],
    sensors=[fedreg_unreviewed_documents],
    resources=build_resources(),
    executor=dg.in_process_executor,
)
