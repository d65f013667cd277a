"""The one Dagster code location of aigap."""

import dagster as dg

from orchestration.assets.dbt import aigap_dbt
from orchestration.assets.ingestion import INGESTION_ASSETS
from orchestration.assets.report import dbt_docs_site, report_html
from orchestration.assets.serving import serving_copy
from orchestration.checks.raw_checks import RAW_CHECKS
from orchestration.jobs import refresh
from orchestration.resources import build_resources
from orchestration.schedules import SCHEDULES
from orchestration.sensors import fedreg_unreviewed_documents

defs = dg.Definitions(
    assets=[*INGESTION_ASSETS, aigap_dbt, serving_copy, report_html, dbt_docs_site],
    asset_checks=RAW_CHECKS,
    jobs=[refresh],
    schedules=SCHEDULES,
    sensors=[fedreg_unreviewed_documents],
    resources=build_resources(),
    executor=dg.in_process_executor,
)


def refresh_job() -> dg.JobDefinition:
    """The refresh job, as each step process of the multiprocess executor rebuilds it (lake mode)."""
    return defs.resolve_job_def("refresh")
