"""Schedule: every morning (UTC), one refresh run of the month that just ended a day in and of today's.

Off until switched on in the UI.
"""

from datetime import timedelta

import dagster as dg

from orchestration.jobs import refresh
from orchestration.partitions import MONTHS


def month_range(day) -> dict[str, str]:
    """The range tags of a run covering the month of the day before ``day`` up to the month of ``day``."""
    first = MONTHS.get_partition_key_for_timestamp((day - timedelta(days=1)).timestamp())
    last = MONTHS.get_partition_key_for_timestamp(day.timestamp())
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


@dg.schedule(
    name="daily_refresh",
    job=refresh,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="06:00 UTC: filings, the current month's price bars (and the previous month's on the "
    "1st), FX, events, Federal Register, checks, dbt build, serving and report, in one run.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
def daily_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=context.scheduled_execution_time.isoformat(),
        tags=month_range(context.scheduled_execution_time),
    )


SCHEDULES = [daily_refresh]
