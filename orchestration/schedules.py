"""Schedules: every morning (UTC), filings, then yesterday's prices, then everything downstream.

Staggered so that one run holds the warehouse at a time (a run that finds the lock taken fails
at once, naming the holder). All start switched off: turn them on in the UI.
"""

import dagster as dg

from orchestration.jobs import filings_by_company, full_refresh, prices_by_day
from orchestration.partitions import SEC_COMPANIES


@dg.schedule(
    name="filings_daily",
    job=filings_by_company,
    cron_schedule="0 5 * * *",
    execution_timezone="UTC",
    description="05:00 UTC: every company's filings in one run (EDGAR answers 304 for what did not change).",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
def filings_daily(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    keys = SEC_COMPANIES.get_partition_keys()
    return dg.RunRequest(
        run_key=context.scheduled_execution_time.isoformat(),
        tags={"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]},
    )


prices_daily = dg.build_schedule_from_partitioned_job(
    prices_by_day,
    name="prices_daily",
    hour_of_day=5,
    minute_of_hour=30,
    description="05:30 UTC: the price bars of the day that just ended.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)

daily_refresh = dg.ScheduleDefinition(
    name="daily_refresh",
    job=full_refresh,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="06:00 UTC: FX, events, Federal Register, checks, dbt build, serving and report.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)

SCHEDULES = [filings_daily, prices_daily, daily_refresh]
